"""The first window: shown before the heavy modules load, then reused for "please wait"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from caller_app.ui.resources import icon


class Splash(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText(self.tr("Starting the phone bank…"))
        self.setWindowTitle(self.tr("Phone bank"))
        self.setWindowIcon(icon("app"))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(360, 120)
        self.setAccessibleName(self.tr("Starting"))
