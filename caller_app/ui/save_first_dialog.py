""" "Save this call first?": asked when ending with an outcome chosen or notes typed.

Keep calling is the default and the Escape key, so a stray Enter or Escape never
drops a call; Discard is the one way to drop it, and it says so.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget


class SaveChoice(enum.Enum):
    SAVE = "save"
    DISCARD = "discard"
    KEEP_CALLING = "keep_calling"


class SaveFirstDialog(QMessageBox):
    chosen = Signal(object)  # SaveChoice

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle(self.tr("Save this call first?"))
        self.setText(self.tr("Save this call first?"))
        self.setInformativeText(
            self.tr(
                "You chose an outcome or typed notes for this call but have not saved "
                "them. Save keeps the call; Discard drops what you entered."
            )
        )
        self.save_button = self.addButton(self.tr("&Save"), QMessageBox.ButtonRole.AcceptRole)
        self.discard_button = self.addButton(
            self.tr("&Discard"), QMessageBox.ButtonRole.DestructiveRole
        )
        self.keep_button = self.addButton(
            self.tr("&Keep calling"), QMessageBox.ButtonRole.RejectRole
        )
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.keep_button)
        self.buttonClicked.connect(self._on_clicked)
        self.choice: SaveChoice | None = None

    @Slot(QAbstractButton)
    def _on_clicked(self, button: QAbstractButton) -> None:
        if button is self.save_button:
            self.choice = SaveChoice.SAVE
        elif button is self.discard_button:
            self.choice = SaveChoice.DISCARD
        else:
            self.choice = SaveChoice.KEEP_CALLING
        self.chosen.emit(self.choice)
