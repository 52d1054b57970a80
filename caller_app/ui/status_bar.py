"""The sync state in words, and the "needs attention" list of rejected results."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import Connectivity, SyncStatus
from caller_app.ui.resources import icon

# One refused result as the list shows it: (result id, the line in words).
AttentionLine = tuple[str, str]


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncStatus", text)


def _results(n: int) -> str:
    return _tr("1 result") if n == 1 else _tr("{n} results").format(n=n)


def describe_status(status: SyncStatus, retry_in_s: int | None = None) -> str:
    """E.g. "Offline · 7 results waiting · retrying in 20 s"."""
    retry = status.retry_in_s if retry_in_s is None else retry_in_s
    waiting = status.waiting
    if status.connectivity is Connectivity.SIGNED_OUT:
        if waiting:
            return _tr("Signed out · sign in to upload {results}").format(results=_results(waiting))
        return _tr("Signed out · sign in to continue")
    if status.connectivity in (Connectivity.OFFLINE, Connectivity.RETRYING):
        parts = [_tr("Offline")]
        parts.append(
            _tr("{results} waiting").format(results=_results(waiting))
            if waiting
            else _tr("nothing waiting")
        )
        if retry is not None and retry > 0:
            parts.append(_tr("retrying in {s} s").format(s=retry))
        elif retry is not None:
            parts.append(_tr("retrying now"))
        return " · ".join(parts)
    if status.uploading and waiting:
        return _tr("Online · uploading {results}").format(results=_results(waiting))
    if waiting:
        return _tr("Online · {results} waiting").format(results=_results(waiting))
    return _tr("Online · all results uploaded")


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


class AttentionDialog(QDialog):
    """Results the server refused, each with its reason; they can be sent again once
    the organiser has fixed the cause (e.g. the script), without retyping them."""

    retry_requested = Signal(list)  # list[str]: result ids

    def __init__(self, items: Sequence[AttentionLine], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Needs attention"))
        label = QLabel(
            self.tr(
                "The server did not accept these results. Tell your organiser; "
                "they are kept on this computer. Once it is fixed, send them again."
            )
        )
        label.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Results that need attention"))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for result_id, text in items:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, result_id)
            self.list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.retry_selected = buttons.addButton(
            self.tr("Retry selected"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.retry_selected.setAccessibleDescription(
            self.tr("Sends the selected results to the server again")
        )
        self.retry_all = buttons.addButton(
            self.tr("Retry all"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.retry_all.setAccessibleDescription(self.tr("Sends every result here again"))
        for button in (self.retry_selected, self.retry_all):
            button.setAutoDefault(False)
        self.retry_selected.clicked.connect(lambda: self._retry(self.list.selectedItems()))
        self.retry_all.clicked.connect(
            lambda: self._retry([self.list.item(i) for i in range(self.list.count())])
        )
        self.list.itemSelectionChanged.connect(self._enable)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self._enable()

    def _retry(self, items: list[QListWidgetItem]) -> None:
        ids = [item.data(Qt.ItemDataRole.UserRole) for item in items]
        if not ids:
            return
        for item in items:  # they are on their way: off this list
            self.list.takeItem(self.list.row(item))
        self.retry_requested.emit(ids)
        if self.list.count() == 0:
            self.accept()
        self._enable()

    def _enable(self) -> None:
        self.retry_selected.setEnabled(bool(self.list.selectedItems()))
        self.retry_all.setEnabled(self.list.count() > 0)


class SyncStatusBar(QStatusBar):
    retry_requested = Signal(list)  # list[str]: refused result ids to send again

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
        n = len(self._items)
        self.attention.setText(self.tr("{n} need attention").format(n=n))
        self.attention.setAccessibleName(self.attention.text())
        self.attention.setVisible(n > 0)

    def attention_dialog(self) -> AttentionDialog:
        dialog = AttentionDialog(list(zip(self._ids, self._items, strict=True)), self)
        dialog.retry_requested.connect(self.retry_requested)
        return dialog

    def show_attention(self) -> None:
        self.attention_dialog().exec()

    def current_text(self) -> str:
        return self.text.text()

    def _refresh(self) -> None:
        retry = self._status.retry_in_s
        if retry is not None:
            retry = max(0, retry - int(time.monotonic() - self._received))
            if retry == 0:
                self._countdown.stop()
        text = describe_status(self._status, retry)
        self.text.setText(text)
        self.text.setToolTip(self._status.detail or text)
