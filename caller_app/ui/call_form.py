"""What the volunteer records for one call: outcome, call-back time, survey, notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import Answer, Outcome, Script
from caller_app.ui.callback_picker import CallbackPicker
from caller_app.ui.keymap import DIGITS, outcome_keys
from caller_app.ui.outcome_bar import OutcomeBar
from caller_app.ui.resources import icon
from caller_app.ui.survey_form import SurveyForm

MAX_NOTES = 4000


class CallForm(QWidget):
    save_requested = Signal()
    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcomes = OutcomeBar()
        self.outcomes.selected_changed.connect(self._on_outcome)

        self.callback = CallbackPicker()
        self.callback.chosen.connect(self.save_requested)  # a quick choice saves at once
        self.callback.hide()

        self.survey = SurveyForm()
        self.survey_area = QScrollArea()
        self.survey_area.setWidget(self.survey)
        self.survey_area.setWidgetResizable(True)
        self.survey_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.survey_area.setFrameShape(QFrame.Shape.NoFrame)
        self.survey_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.survey_area.setAccessibleName(self.tr("Survey questions"))
        self.survey_area.hide()

        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText(self.tr("Notes for the campaign (optional)"))
        self.notes.setAccessibleName(self.tr("Notes"))
        self.notes.setAccessibleDescription(self.tr("Anything the campaign should know"))
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(90)
        self.notes.textChanged.connect(self._limit_notes)

        self.hint = QLabel()
        self._set_hint(len(DIGITS))  # until the script says how many outcomes there are
        self.hint.setObjectName("hint")
        self.undo = QPushButton(icon("undo"), self.tr("Undo last"))
        self.undo.setToolTip(self.tr("Undo the last outcome (Ctrl+Z)"))
        self.undo.setAccessibleDescription(self.tr("Takes back or corrects the last outcome"))
        self.undo.clicked.connect(self.undo_requested)
        self.save = QPushButton(self.tr("Save && next"))
        self.save.setObjectName("save")
        self.save.setToolTip(self.tr("Save this call and show the next contact (Ctrl+Enter)"))
        self.save.setAccessibleName(self.tr("Save and next"))
        self.save.setAccessibleDescription(self.tr("Saves this call and shows the next contact"))
        self.save.setEnabled(False)
        self.save.clicked.connect(self.save_requested)
        for button in (self.undo, self.save):
            button.setAutoDefault(False)

        outcome_label = QLabel(self.tr("Outcome"))
        outcome_label.setObjectName("subheading")
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint, 1)
        buttons.addWidget(self.undo)
        buttons.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(outcome_label)
        layout.addWidget(self.outcomes)
        layout.addWidget(self.callback)
        layout.addWidget(self.survey_area, 100)
        layout.addStretch(1)  # takes the room while the survey is hidden
        layout.addWidget(self.notes)
        layout.addLayout(buttons)

    def set_script(self, script: Script) -> None:
        self.outcomes.set_outcomes(script.outcomes)
        self.survey.set_questions(script.questions)
        self._set_hint(len(self.outcomes.buttons))

    def _set_hint(self, outcomes: int) -> None:
        """Name the keys that exist: "keys 1–6" for six outcomes, not "1–9, 0"."""
        self.hint.setText(
            self.tr("Choose an outcome ({keys}), then Ctrl+Enter").format(
                keys=outcome_keys(outcomes)
            )
        )
        self.hint.setToolTip(self.tr("Press F1 to see all the keys"))

    def focus_order(self) -> list[QWidget]:
        """Tab order through the form: outcomes, call-back time, questions, notes, save."""
        survey: list[QWidget] = []
        for box in self.survey.boxes:
            survey.extend(box.options())
            if box.text is not None:
                survey.append(box.text)
        return [
            *self.outcomes.buttons,
            *self.callback.focus_order(),
            *survey,
            self.notes,
            self.save,
            self.undo,
        ]

    def reset(self) -> None:
        """Empty form for the next contact."""
        self.outcomes.clear()
        self.survey.clear()
        self.notes.clear()

    def has_unsaved_work(self) -> bool:
        """An outcome chosen or notes typed: ending now would drop them."""
        return self.selected() is not None or bool(self.notes_text())

    def selected(self) -> Outcome | None:
        return self.outcomes.selected()

    def answers(self) -> dict[str, Answer]:
        outcome = self.selected()
        return self.survey.answers() if outcome and outcome.reached else {}

    def notes_text(self) -> str:
        return self.notes.toPlainText().strip()[:MAX_NOTES]

    def set_campaign(self, hours: str, timezone: str, clock: Callable[[], dt.datetime]) -> None:
        """Call-back times are offered and checked on this campaign's clock and hours."""
        self.callback.set_campaign(hours, timezone, clock)

    def callback_at(self) -> dt.datetime | None:
        outcome = self.selected()
        if not (outcome and outcome.needs_callback_time):
            return None
        return self.callback.when()

    def callback_refusal(self) -> str | None:
        """Why this call cannot be saved yet because of its call-back time, or None."""
        outcome = self.selected()
        if not (outcome and outcome.needs_callback_time):
            return None
        return self.callback.refusal_sentence()

    def _on_outcome(self, outcome: Outcome | None) -> None:
        focus = QApplication.focusWidget()
        in_hiding = focus is not None and (  # an answer or the time, about to be hidden
            self.survey_area.isAncestorOf(focus) or self.callback.isAncestorOf(focus)
        )
        self.save.setEnabled(outcome is not None)
        reached = bool(outcome and outcome.reached) and bool(self.survey.boxes)
        self.survey_area.setVisible(reached)
        wants_time = bool(outcome and outcome.needs_callback_time)
        was_shown = not self.callback.isHidden()
        self.callback.setVisible(wants_time)
        if wants_time:
            if not was_shown:
                self.callback.begin()  # fresh quick choices; the first one has the focus
        elif reached:
            first = self.survey.first_control()
            if first is not None:
                first.setFocus()  # keyboard users go straight on to the questions
        elif in_hiding:
            self.outcomes.focus_choice()  # not wherever Qt sends it (the notes, say)

    def _limit_notes(self) -> None:
        if len(self.notes.toPlainText()) > MAX_NOTES:
            cursor = self.notes.textCursor()
            self.notes.setPlainText(self.notes.toPlainText()[:MAX_NOTES])
            cursor.movePosition(cursor.MoveOperation.End)
            self.notes.setTextCursor(cursor)
