""" "This session": who I called, with outcomes and times, and a correction for any call.

Opened with Ctrl+H. Each row is one call with the outcome that stands (a correction
replaces what it corrected). "Correct this call" brings the contact back on screen;
saving then records a correction that supersedes the call's current result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caller_app.ui.session_log import SessionEntry

ID_ROLE = Qt.ItemDataRole.UserRole
ALREADY_CORRECTED = "already_corrected"


class SessionListDialog(QDialog):
    correct_requested = Signal(str)  # the call's current result id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionList")
        self.setWindowTitle(self.tr("This session"))
        self.setAccessibleName(self.tr("Calls this session"))
        self.setSizeGripEnabled(True)
        self.resize(640, 380)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("Who"), self.tr("Outcome"), self.tr("Note")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setAccessibleName(self.tr("Calls, newest first"))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemActivated.connect(lambda _item: self._correct())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.correct = QPushButton(self.tr("&Correct this call"))
        self.correct.setAccessibleDescription(
            self.tr("Shows this contact again so you can fix the outcome, answers or notes")
        )
        buttons.addButton(self.correct, QDialogButtonBox.ButtonRole.ActionRole)
        self.correct.clicked.connect(self._correct)
        buttons.rejected.connect(self.reject)
        self.why = QLabel()
        self.why.setObjectName("hint")
        self.why.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.why)
        layout.addWidget(buttons)
        self._blocked: dict[str, str] = {}
        # Enter corrects the selected call (a table would swallow the key otherwise).
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self).activated.connect(self._correct)

    def set_entries(
        self,
        entries: Sequence[SessionEntry],
        labels: Mapping[str, str],
        refused: Mapping[str, str],
    ) -> None:
        """`refused`: result id -> the server's refusal code (needs attention)."""
        n = len(entries)
        self.summary.setText(
            self.tr("You have called 1 person this session.")
            if n == 1
            else self.tr("You have called {n} people this session.").format(n=n)
            if n
            else self.tr("No calls yet this session.")
        )
        self._blocked = {}
        self.table.setRowCount(n)
        for row, entry in enumerate(entries):
            result = entry.result
            outcome = labels.get(result.outcome, result.outcome)
            if entry.corrections:
                outcome = self.tr("{outcome} (corrected)").format(outcome=outcome)
            code = refused.get(result.id)
            if code == ALREADY_CORRECTED:
                self._blocked[result.id] = self.tr(
                    "This call was already corrected once. The server keeps only one "
                    "correction per call, so this one was not accepted."
                )
                outcome = self.tr("{outcome} (not accepted)").format(outcome=outcome)
            elif code is not None:
                outcome = self.tr("{outcome} (needs attention)").format(outcome=outcome)
            cells = (
                result.recorded_at.astimezone().strftime("%H:%M"),
                entry.contact.full_name or self.tr("(no name)"),
                outcome,
                result.notes,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, result.id)
                self.table.setItem(row, column, item)
        if n:
            self.table.selectRow(0)
        self._update_buttons()

    def selected_id(self) -> str | None:
        items = self.table.selectedItems()
        return str(items[0].data(ID_ROLE)) if items else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _update_buttons(self) -> None:
        selected = self.selected_id()
        self.why.setText(self._blocked.get(selected or "", ""))
        self.correct.setEnabled(selected is not None and selected not in self._blocked)

    def _correct(self) -> None:
        selected = self.selected_id()
        if selected is None or selected in self._blocked:
            return
        self.correct_requested.emit(selected)
        self.accept()
