"""End of session: what the volunteer did, and what happens next.

Shown BEFORE any contact is handed back, so nothing is final yet: "Keep calling"
(also Escape) goes back to the caller screen with every contact still held; "Switch
campaign" hands this campaign's contacts back and opens the campaign picker (still
signed in); "Finish" hands them back, then quits.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import SessionStats
from caller_app.ui.formatting import clock
from caller_app.ui.resources import icon


class EndChoice(enum.Enum):
    KEEP_CALLING = "keep_calling"
    SWITCH_CAMPAIGN = "switch_campaign"
    FINISH = "finish"


class SummaryDialog(QDialog):
    chosen = Signal(object)  # EndChoice

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
        self.setMinimumWidth(440)
        self.choice: EndChoice | None = None
        heading = QLabel(self.tr("Thank you for calling tonight!"))
        heading.setObjectName("heading")
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setTextFormat(Qt.TextFormat.PlainText)

        form = QFormLayout()
        self.calls = QLabel()
        self.reached = QLabel()
        form.addRow(self.tr("Calls made:"), self.calls)
        form.addRow(self.tr("People reached:"), self.reached)
        form.addRow(self.tr("Session time:"), QLabel(clock(elapsed_s)))
        for code, count in sorted(stats.by_outcome.items(), key=lambda kv: -kv[1]):
            form.addRow(f"  {labels.get(code, code)}:", QLabel(str(count)))
        self.uploaded = QLabel()
        self.waiting = QLabel()
        self.attention = QLabel()
        form.addRow(self.tr("Uploaded:"), self.uploaded)
        form.addRow(self.tr("Waiting to upload:"), self.waiting)
        form.addRow(self.tr("Need your attention:"), self.attention)

        self.waiting_note = QLabel()
        self.waiting_note.setWordWrap(True)
        self.waiting_note.setObjectName("warning")
        self.waiting_note.setAccessibleName(self.tr("Results still waiting"))
        self.attention_note = QLabel()
        self.attention_note.setWordWrap(True)
        self.attention_note.setObjectName("warning")
        self.attention_note.setAccessibleName(self.tr("Results that need attention"))
        self.released = QLabel(
            self.tr(
                "Your contacts are still reserved for you. Keep calling goes back to them; "
                "Switch campaign or Finish hands back the ones you did not call."
            )
        )
        self.released.setObjectName("hint")
        self.released.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.keep_button = QPushButton(self.tr("&Keep calling"))
        self.switch_button = QPushButton(self.tr("&Switch campaign"))
        self.finish_button = QPushButton(self.tr("&Finish"))
        self.keep_button.setToolTip(self.tr("Back to the caller screen (Escape)"))
        self.switch_button.setAccessibleDescription(
            self.tr("Hands back this campaign's contacts and lets you choose another campaign")
        )
        self.finish_button.setAccessibleDescription(
            self.tr("Hands back the contacts you did not call, then closes the app")
        )
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.addButton(self.switch_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.finish_button, QDialogButtonBox.ButtonRole.AcceptRole)
        # Enter finishes (the volunteer asked to end); Escape keeps calling.
        self.finish_button.setDefault(True)
        self.keep_button.clicked.connect(self.reject)
        self.switch_button.clicked.connect(lambda: self._choose(EndChoice.SWITCH_CAMPAIGN))
        self.finish_button.clicked.connect(lambda: self._choose(EndChoice.FINISH))
        self.buttons = buttons

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.sentence)
        layout.addLayout(form)
        layout.addWidget(self.waiting_note)
        layout.addWidget(self.attention_note)
        layout.addWidget(self.released)
        layout.addWidget(buttons)
        self.finish_button.setFocus()
        self.set_stats(stats)

    @Slot(object)
    def set_stats(self, stats: SessionStats) -> None:
        """Upload numbers change while the session ends; show the latest."""
        self.calls.setText(str(stats.calls))
        self.reached.setText(str(stats.reached))
        self.sentence.setText(
            self.tr("You made {calls} and reached {people}.").format(
                calls=self.tr("1 call")
                if stats.calls == 1
                else self.tr("{n} calls").format(n=stats.calls),
                people=self.tr("1 person")
                if stats.reached == 1
                else self.tr("{n} people").format(n=stats.reached),
            )
        )
        self.uploaded.setText(str(stats.uploaded))
        self.waiting.setText(str(stats.waiting))
        self.attention.setText(str(stats.needs_attention))
        self.waiting_note.setText(
            (
                self.tr(
                    "1 result could not be uploaded yet. It is kept safely on this computer "
                    "and will be uploaded first when you next open the app."
                )
                if stats.waiting == 1
                else self.tr(
                    "{n} results could not be uploaded yet. They are kept safely on this "
                    "computer and will be uploaded first when you next open the app."
                )
            ).format(n=stats.waiting)
        )
        self.waiting_note.setVisible(stats.waiting > 0)
        self.attention_note.setText(
            (
                self.tr(
                    "1 result was not accepted by the server. It is kept on this computer: "
                    "the “needs attention” button in the status bar lets you send it again "
                    "or save a copy for your organiser."
                )
                if stats.needs_attention == 1
                else self.tr(
                    "{n} results were not accepted by the server. They are kept on this "
                    "computer: the “need attention” button in the status bar lets you send "
                    "them again or save a copy for your organiser."
                )
            ).format(n=stats.needs_attention)
        )
        self.attention_note.setVisible(stats.needs_attention > 0)

    def _choose(self, choice: EndChoice) -> None:
        """Switch or Finish: the contacts go back now; no way back to calling after."""
        self.choice = choice
        for button in (self.keep_button, self.switch_button, self.finish_button):
            button.setEnabled(False)
        self.released.setText(self.tr("Handing back the contacts you did not call…"))
        self.chosen.emit(choice)

    def reject(self) -> None:
        """Escape or Keep calling: back to the screen, unless the hand-back began."""
        if self.choice is not None:
            return
        self.choice = EndChoice.KEEP_CALLING
        super().reject()
        self.chosen.emit(EndChoice.KEEP_CALLING)

    @Slot(int)
    def set_released(self, count: int, offline: bool = False) -> None:
        if offline and not count:
            self.released.setText(
                self.tr(
                    "Offline: the contacts you did not call go back to the team "
                    "automatically when their reservation runs out."
                )
            )
        elif count == 1:
            self.released.setText(self.tr("1 contact you did not call was handed back."))
        elif count:
            self.released.setText(
                self.tr("{n} contacts you did not call were handed back.").format(n=count)
            )
        else:
            self.released.setText(self.tr("No contacts needed handing back."))
