"""End of session: what the volunteer did, and whether anything is still waiting."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import SessionStats
from caller_app.ui.formatting import clock
from caller_app.ui.resources import icon


class SummaryDialog(QDialog):
    def __init__(
        self,
        stats: SessionStats,
        labels: Mapping[str, str],
        elapsed_s: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Session summary"))
        self.setWindowIcon(icon("app"))
        self.setMinimumWidth(400)
        heading = QLabel(self.tr("Thank you for calling tonight!"))
        heading.setObjectName("heading")

        form = QFormLayout()
        form.addRow(self.tr("Calls made:"), QLabel(str(stats.calls)))
        form.addRow(self.tr("People reached:"), QLabel(str(stats.reached)))
        form.addRow(self.tr("Session time:"), QLabel(clock(elapsed_s)))
        for code, count in sorted(stats.by_outcome.items(), key=lambda kv: -kv[1]):
            label = QLabel(str(count))
            form.addRow(f"  {labels.get(code, code)}:", label)
        self.uploaded = QLabel()
        self.waiting = QLabel()
        form.addRow(self.tr("Uploaded:"), self.uploaded)
        form.addRow(self.tr("Waiting to upload:"), self.waiting)

        self.waiting_note = QLabel()
        self.waiting_note.setWordWrap(True)
        self.waiting_note.setObjectName("warning")
        self.waiting_note.setAccessibleName(self.tr("Results still waiting"))
        self.released = QLabel(self.tr("Handing back the contacts you did not call…"))
        self.released.setObjectName("hint")
        self.released.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(self.tr("Close and quit"))
        self.close_button.setDefault(True)
        self.close_button.setAutoDefault(True)
        buttons.rejected.connect(self.accept)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.waiting_note)
        layout.addWidget(self.released)
        layout.addWidget(buttons, alignment=Qt.AlignmentFlag.AlignRight)
        self.close_button.setFocus()
        self.set_stats(stats)

    @Slot(object)
    def set_stats(self, stats: SessionStats) -> None:
        """Upload numbers change while the session ends; show the latest."""
        self.uploaded.setText(str(stats.uploaded))
        self.waiting.setText(str(stats.waiting))
        self.waiting_note.setText(
            self.tr(
                "{n} results could not be uploaded yet. They are kept safely on this "
                "computer and will be uploaded first when you next open the app."
            ).format(n=stats.waiting)
        )
        self.waiting_note.setVisible(stats.waiting > 0)

    @Slot(int)
    def set_released(self, count: int, offline: bool = False) -> None:
        if offline and not count:
            self.released.setText(
                self.tr(
                    "Offline: the contacts you did not call go back to the team "
                    "automatically when their reservation runs out."
                )
            )
        elif count:
            self.released.setText(
                self.tr("{n} contacts you did not call were handed back.").format(n=count)
            )
        else:
            self.released.setText(self.tr("No contacts needed handing back."))
