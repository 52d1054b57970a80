"""The practice-mode banner (caller-app --demo): nothing here is a real call."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


class PracticeBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practiceBanner")
        self.setText(self.tr("Practice mode — no real calls, nothing is sent"))
        self.setAccessibleName(self.tr("Practice mode"))
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        # Amber in light and dark themes alike: a warning colour, readable on both.
        self.setStyleSheet(
            "QLabel#practiceBanner { background: #ffe08a; color: #3d2e00; "
            "font-weight: bold; padding: 4px; border-radius: 4px; }"
        )
