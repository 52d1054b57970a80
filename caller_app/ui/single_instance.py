"""One running app per user and data folder: a second launch hands its invite over.

Clicking a `caller-app://join?…` link (or running `caller-app <link>`) while the app is
open starts a second process. It connects to the first one's `QLocalServer` (a Unix
socket on Linux and macOS, a named pipe on Windows; its name holds the user and a hash
of the data folder, and only this user may connect), sends the link and exits; the
running app shows the invite (`Launcher.handle_invite`). On macOS a link clicked in the
browser arrives instead as a `QFileOpenEvent` to the running app (`UrlOpenFilter`).

The link is only text here; `caller_app.domain.invites` parses it strictly.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, Signal, Slot
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)
MAX_MESSAGE = 4096  # an invite link is far shorter; anything longer is dropped


def server_name(data_dir: Path) -> str:
    """Per user and data folder, short enough for a Unix socket path."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name known (some containers)
        user = "user"
    digest = hashlib.sha256(f"{user}\n{data_dir.resolve()}".encode()).hexdigest()[:16]
    return f"caller-app-{digest}"


def forward(name: str, message: str, timeout_ms: int = 2000) -> bool:
    """Hand `message` to the running app; False when none answers (then we are first)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(QByteArray(message.encode("utf-8")[:MAX_MESSAGE] + b"\n"))
    sent = socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(timeout_ms)
    return sent


class InstanceServer(QObject):
    """Listens for later launches; `received(text)` for each invite they hand over."""

    received = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; a socket left by a crashed run is removed first."""
        if self.server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        ok = self.server.listen(self.name)
        if not ok:
            log.info("single-instance server not listening: %s", self.server.errorString())
        return ok

    def close(self) -> None:
        self.server.close()

    @Slot()
    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._finish(s))

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if len(data) > MAX_MESSAGE + 1:
            socket.abort()
            self._buffers.pop(socket, None)
            return
        self._buffers[socket] = data
        if data.endswith(b"\n"):
            self._finish(socket)

    def _finish(self, socket: QLocalSocket) -> None:
        data = self._buffers.pop(socket, None)
        if data is None:
            return
        socket.deleteLater()
        text = data.decode("utf-8", "replace").strip()
        if text:
            log.info("an invite was handed over by a second launch")
            self.received.emit(text)


class UrlOpenFilter(QObject):
    """macOS delivers a clicked `caller-app:` link as a FileOpen event to the running app."""

    received = Signal(str)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            url = event.url().toString()
            if url.lower().startswith("caller-app:"):
                self.received.emit(url)
                return True
        return super().eventFilter(watched, event)
