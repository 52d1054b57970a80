"""The shortcut sheet (F1, or ? when not typing): the key model, read from its table.

It lists `caller_app.ui.keymap.BINDINGS` row by row (keys, what they do, where they
work), so what the sheet says is what the keys do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caller_app.ui.keymap import BINDINGS


class ShortcutSheet(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keys · Phone bank"))
        self.setAccessibleName(self.tr("Keyboard shortcuts"))
        heading = QLabel(self.tr("Keys on the calling screen"))
        heading.setObjectName("heading")
        hint = QLabel(
            self.tr(
                "While you type in the notes or an answer box, keys only type. "
                "Alt with a key works everywhere."
            )
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)

        self.table = QTableWidget(len(BINDINGS), 3)
        self.table.setAccessibleName(self.tr("Keys and what they do"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Key"), self.tr("What it does"), self.tr("Where it works")]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        for row, binding in enumerate(BINDINGS):
            for column, text in enumerate((binding.label, binding.words(), binding.where_words())):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeRowsToContents()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(720, 560)
        self.table.setFocus()

    def rows(self) -> list[tuple[str, str, str]]:
        """What the sheet shows, as text: (keys, what it does, where)."""
        rows: list[tuple[str, str, str]] = []
        for r in range(self.table.rowCount()):
            cells = [self.table.item(r, c) for c in range(3)]
            keys, does, where = (cell.text() if cell is not None else "" for cell in cells)
            rows.append((keys, does, where))
        return rows
