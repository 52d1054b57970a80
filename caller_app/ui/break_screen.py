"""The break screen: the call timer is paused and the contacts stay leased.

The sync engine keeps renewing the leases as usual while the volunteer is away (it
renews every held batch with unworked contacts half-way through its lease), so
Resume comes back to the same contact.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class BreakScreen(QWidget):
    resume_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("breakScreen")
        self.setAccessibleName(self.tr("On a break"))
        self.title = QLabel(self.tr("On a break — your contacts are kept for you"))
        self.title.setObjectName("heading")
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel(
            self.tr(
                "The call timer is paused. Your results keep uploading. "
                "When you are ready, you will be back with the same person."
            )
        )
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.resume = QPushButton(self.tr("&Resume calling"))
        self.resume.setObjectName("resume")
        self.resume.setToolTip(self.tr("Back to calling (Ctrl+B or Enter)"))
        self.resume.setAccessibleDescription(self.tr("Ends the break and shows the same contact"))
        self.resume.setDefault(True)
        self.resume.clicked.connect(self.resume_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addWidget(self.resume, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
