"""The sync state in words, and the button that opens the "needs attention" list."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QStatusBar,
    QWidget,
)

from caller_app.domain.errors import ERRORS
from caller_app.domain.models import Connectivity, SyncStatus
from caller_app.ui.resources import icon
from caller_app.ui.translations import translate_marked

# One refused result as the list shows it: (result id, the line in words).
AttentionLine = tuple[str, str]


def _results(n: int) -> str:
    return (
        QCoreApplication.translate("SyncStatus", "1 result")
        if n == 1
        else QCoreApplication.translate("SyncStatus", "{n} results").format(n=n)
    )


def describe_status(
    status: SyncStatus, retry_in_s: int | None = None, attention: int | None = None
) -> str:
    """E.g. "Offline · 7 results waiting · retrying in 20 s · 2 need your attention".

    Never "all results uploaded" while a refused result waits for the volunteer."""
    retry = status.retry_in_s if retry_in_s is None else retry_in_s
    waiting = status.waiting
    refused = status.needs_attention if attention is None else attention
    if status.connectivity is Connectivity.SIGNED_OUT:
        if waiting:
            text = QCoreApplication.translate(
                "SyncStatus", "Signed out · sign in to upload {results}"
            ).format(results=_results(waiting))
        else:
            text = QCoreApplication.translate("SyncStatus", "Signed out · sign in to continue")
        return _with_attention(text, refused)
    if status.connectivity in (Connectivity.OFFLINE, Connectivity.RETRYING):
        parts = [QCoreApplication.translate("SyncStatus", "Offline")]
        parts.append(
            QCoreApplication.translate("SyncStatus", "{results} waiting").format(
                results=_results(waiting)
            )
            if waiting
            else QCoreApplication.translate("SyncStatus", "nothing waiting")
        )
        if retry is not None and retry > 0:
            parts.append(
                QCoreApplication.translate("SyncStatus", "retrying in {s} s").format(s=retry)
            )
        elif retry is not None:
            parts.append(QCoreApplication.translate("SyncStatus", "retrying now"))
        return _with_attention(" · ".join(parts), refused)
    if status.uploading and waiting:
        text = QCoreApplication.translate("SyncStatus", "Online · uploading {results}").format(
            results=_results(waiting)
        )
    elif waiting:
        text = QCoreApplication.translate("SyncStatus", "Online · {results} waiting").format(
            results=_results(waiting)
        )
    elif refused:
        text = QCoreApplication.translate("SyncStatus", "Online · nothing waiting")
    else:
        return QCoreApplication.translate("SyncStatus", "Online · all results uploaded")
    return _with_attention(text, refused)


def _with_attention(text: str, refused: int) -> str:
    if not refused:
        return text
    if refused == 1:
        return QCoreApplication.translate(
            "SyncStatus", "{text} · 1 result needs your attention"
        ).format(text=text)
    return QCoreApplication.translate(
        "SyncStatus", "{text} · {n} results need your attention"
    ).format(text=text, n=refused)


def smooth_status(previous: SyncStatus, status: SyncStatus) -> SyncStatus:
    """An upload attempt is not yet a connection: while offline, say "retrying now"
    until the attempt succeeds or fails, instead of flashing "Online"."""
    offline = (Connectivity.OFFLINE, Connectivity.RETRYING)
    if status.uploading and previous.connectivity in offline:
        return replace(status, connectivity=previous.connectivity, retry_in_s=0)
    return status


def status_icon_name(status: SyncStatus) -> str:
    if status.connectivity is Connectivity.SIGNED_OUT:
        return "sync-signed-out"
    if status.connectivity in (Connectivity.OFFLINE, Connectivity.RETRYING):
        return "sync-offline"
    return "sync-uploading" if status.waiting else "sync-online"


class SyncStatusBar(QStatusBar):
    attention_requested = Signal()  # the volunteer wants the needs-attention list

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setObjectName("syncText")
        self.text.setAccessibleName(self.tr("Sync status"))
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.attention = QPushButton(icon("attention"), "")
        self.attention.setFlat(True)
        self.attention.setAccessibleDescription(
            self.tr("Shows results the server did not accept, with the reason")
        )
        self.attention.clicked.connect(self.show_attention)
        self.attention.hide()
        self.addWidget(self.icon)
        self.addWidget(self.text, 1)
        self.addPermanentWidget(self.attention)
        self._status = SyncStatus(Connectivity.ONLINE)
        self._received = time.monotonic()
        self._items: list[str] = []
        self._ids: list[str] = []
        self._attention_known = False  # until set_attention: the status's own count
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._refresh)

    def set_status(self, status: SyncStatus) -> None:
        self._status = status
        self._received = time.monotonic()
        if status.retry_in_s:
            self._countdown.start()
        else:
            self._countdown.stop()
        self.icon.setPixmap(icon(status_icon_name(status)).pixmap(18, 18))
        self._refresh()

    def set_attention(self, items: Sequence[AttentionLine]) -> None:
        self._ids = [result_id for result_id, _ in items]
        self._items = [text for _, text in items]
        self._attention_known = True
        n = len(self._items)
        self.attention.setText(
            self.tr("1 needs attention") if n == 1 else self.tr("{n} need attention").format(n=n)
        )
        self.attention.setAccessibleName(self.attention.text())
        self.attention.setVisible(n > 0)
        self._refresh()

    def show_attention(self) -> None:
        """The list itself is the main window's (it needs the view model)."""
        self.attention_requested.emit()

    def current_text(self) -> str:
        return self.text.text()

    def _refresh(self) -> None:
        retry = self._status.retry_in_s
        if retry is not None:
            retry = max(0, retry - int(time.monotonic() - self._received))
            if retry == 0:
                self._countdown.stop()
        attention = len(self._ids) if self._attention_known else None
        text = describe_status(self._status, retry, attention)
        self.text.setText(text)
        detail = self._status.detail
        self.text.setToolTip(translate_marked(ERRORS, detail) if detail else text)
