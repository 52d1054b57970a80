"""An overall deadline for one HTTP exchange.

`requests` bounds each wait for bytes (the read timeout), not the whole reply: a server
that trickles its status line and headers a byte at a time would hold the sync thread
forever. The adapter here records the sockets a request uses; when the deadline passes,
a timer shuts them down, the blocked read returns, and the call fails like any dropped
connection (the client then reports "too slow"). `cut()` does the same at once: the
client's `abort()` uses it at shutdown.

Why a `threading.Timer` per exchange, a fourth kind of thread beside the core's
task thread and the sync thread: the call it guards blocks inside `socket.recv` on
the calling thread, so only another thread can end it, and this one owns nothing but
the sockets it shuts (no Qt objects, no store, no callbacks into the app). A shared
watchdog thread would need a queue of deadlines and its own life cycle for the same
effect; the timer is cancelled when the exchange ends and is a daemon, so it never
holds up the exit.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class Deadline:
    """`with Deadline(s):` around one exchange made on this thread through the adapter."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.cancel()
        _current.deadline = None

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if not self.fired:
                self._sockets.append(sock)
                return
        _shut(sock)

    def cut(self) -> None:
        """End the exchange now (from any thread), as if the deadline had passed."""
        self._fire()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _watch(conn: HTTPConnection) -> None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    sock = getattr(conn, "sock", None)
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)  # a kept-alive connection connects no more
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections a `Deadline` can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }
