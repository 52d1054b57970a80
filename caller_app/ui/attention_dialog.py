"""The needs-attention list: refused results with whom, what, when and why.

A resizable table (name, outcome, time recorded, the whole reason, word-wrapped) with
the selected row's reason again in full below it; Retry (selected or all) sends them
again once the organiser has fixed the cause, and "Save a copy for the organiser…"
writes them to a CSV file. Results of other campaigns or servers are named below the
list, not mixed into it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caller_app.ui.attention_model import AttentionViewModel
from caller_app.ui.resources import icon

NAME, OUTCOME, RECORDED, REASON = range(4)


class AttentionDialog(QDialog):
    def __init__(self, model: AttentionViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        model.setParent(self)  # lives and dies with the dialog
        self.setWindowTitle(self.tr("Needs attention"))
        self.setWindowIcon(icon("attention"))
        self.setSizeGripEnabled(True)
        self.setMinimumSize(480, 320)
        self.resize(820, 480)

        intro = QLabel(
            self.tr(
                "The server did not accept these results. They are kept on this computer. "
                "Tell your organiser (a saved copy helps); once it is fixed, send them again."
            )
        )
        intro.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(False)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAccessibleName(self.tr("Results that need attention"))
        self.table.setHeaderLabels(
            [self.tr("Contact"), self.tr("Outcome"), self.tr("Recorded"), self.tr("Reason")]
        )
        header = self.table.header()
        header.setStretchLastSection(True)
        for column, width in ((NAME, 190), (OUTCOME, 140), (RECORDED, 130)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)

        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAccessibleName(self.tr("Why the selected result was refused"))
        self.elsewhere = QLabel()
        self.elsewhere.setWordWrap(True)
        self.elsewhere.setTextFormat(Qt.TextFormat.PlainText)
        self.elsewhere.setObjectName("hint")
        self.elsewhere.setAccessibleName(self.tr("Results that belong elsewhere"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setObjectName("notice")
        self.message.setAccessibleName(self.tr("Last action"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.retry_selected = buttons.addButton(self.tr("Retry selected"), role)
        self.retry_selected.setAccessibleDescription(
            self.tr("Sends the selected results to the server again")
        )
        self.retry_all = buttons.addButton(self.tr("Retry all"), role)
        self.retry_all.setAccessibleDescription(self.tr("Sends every result in the list again"))
        self.save_button = buttons.addButton(self.tr("Save a copy for the organiser…"), role)
        self.save_button.setAccessibleDescription(
            self.tr("Saves this list as a spreadsheet file (CSV) you can send your organiser")
        )
        for button in (self.retry_selected, self.retry_all, self.save_button):
            assert isinstance(button, QPushButton)
            button.setAutoDefault(False)
        self.retry_selected.clicked.connect(self._retry_selected)
        self.retry_all.clicked.connect(self._retry_all)
        self.save_button.clicked.connect(self.save_copy)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.elsewhere)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self.table.itemSelectionChanged.connect(self._on_selection)
        model.changed.connect(self._fill)
        model.saved.connect(self._on_saved)
        model.failed.connect(self._on_failed)
        self._fill()

    # --- what the model says ---
    @Slot()
    def _fill(self) -> None:
        selected = set(self.selected_ids())
        self.table.clear()
        for row in self.model.rows():
            item = QTreeWidgetItem([row.name, row.outcome, row.recorded, row.reason])
            item.setData(NAME, Qt.ItemDataRole.UserRole, row.result_id)
            item.setToolTip(REASON, row.reason)
            if not row.name_known:
                font = item.font(NAME)
                font.setItalic(True)
                item.setFont(NAME, font)
            self.table.addTopLevelItem(item)
            item.setSelected(row.result_id in selected)
        first = self.table.topLevelItem(0)
        if self.table.currentItem() is None and first is not None:
            self.table.setCurrentItem(first)
        lines = self.model.elsewhere()
        self.elsewhere.setText("\n".join(lines))
        self.elsewhere.setVisible(bool(lines))
        self._on_selection()

    def _on_selection(self) -> None:
        selected = self.table.selectedItems()
        current = selected[0] if selected else self.table.currentItem()
        if current is None:
            self.detail.setText(
                self.tr("Nothing here needs attention now.")
                if not self.table.topLevelItemCount()
                else ""
            )
        else:
            self.detail.setText(
                self.tr("{name} · {outcome} · {time}\n{reason}").format(
                    name=current.text(NAME),
                    outcome=current.text(OUTCOME),
                    time=current.text(RECORDED),
                    reason=current.text(REASON),
                )
            )
        has_rows = self.table.topLevelItemCount() > 0
        self.retry_selected.setEnabled(bool(self.table.selectedItems()))
        self.retry_all.setEnabled(has_rows)
        self.save_button.setEnabled(has_rows)

    # --- what the volunteer does ---
    def selected_ids(self) -> list[str]:
        return [str(i.data(NAME, Qt.ItemDataRole.UserRole)) for i in self.table.selectedItems()]

    def all_ids(self) -> list[str]:
        items = (self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount()))
        return [str(i.data(NAME, Qt.ItemDataRole.UserRole)) for i in items if i is not None]

    @Slot()
    def _retry_selected(self) -> None:
        self._retry(self.selected_ids())

    @Slot()
    def _retry_all(self) -> None:
        self._retry(self.all_ids())

    def _retry(self, ids: list[str]) -> None:
        count = self.model.retry(ids)
        if count:
            self.message.setText(
                self.tr("Sending 1 result again.")
                if count == 1
                else self.tr("Sending {n} results again.").format(n=count)
            )

    @Slot()
    def save_copy(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = str(Path(folder or ".") / self.tr("results-needing-attention.csv"))
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Save a copy for the organiser"),
            suggested,
            self.tr("Spreadsheet (CSV) (*.csv)"),
        )
        if not path:
            return
        self.message.setText(self.tr("Saving…"))
        self.model.save_copy(Path(path))

    @Slot(str)
    def _on_saved(self, text: str) -> None:
        self.message.setText(text)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self.message.setText(text)
