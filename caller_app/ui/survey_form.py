"""Survey questions built from the script: single, multi, scale and free text.

Only shown for "reached" outcomes. Unanswered questions are left out of the answers,
so the volunteer never has to fill in what the contact would not say.

Keys (from the key model, `caller_app.ui.keymap`): with the focus on an answer, a
digit answers that question (a scale's value, else the answer's number) and the
arrows choose the previous or next answer of the same question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.contract import CLOSED_KINDS, QuestionKind
from caller_app.domain.models import Answer, Question
from caller_app.ui.keymap import DIGITS, SURVEY_OPTION, Action, Where, resolve

MAX_TEXT_ANSWER = 2000
GRID_COLUMNS = 2


def _placer(layout: QHBoxLayout | QGridLayout, columns: int) -> Callable[[QWidget], None]:
    """Add widgets in a row (scale) or in a grid of `columns` (everything else)."""
    count = 0

    def place(widget: QWidget) -> None:
        nonlocal count
        if isinstance(layout, QGridLayout):
            layout.addWidget(widget, count // columns, count % columns)
        else:
            layout.addWidget(widget)
        count += 1

    return place


class QuestionBox(QFrame):
    """One question; `answer()` is None when it was left blank."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("question")
        self.question = question
        self.setAccessibleName(question.text)
        title = QLabel(question.text)
        title.setObjectName("questionText")
        title.setWordWrap(True)
        title.setTextFormat(Qt.TextFormat.PlainText)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.addWidget(title)
        self.group: QButtonGroup | None = None
        self.checks: list[QCheckBox] = []
        self.text: QLineEdit | None = None
        horizontal = question.kind == QuestionKind.SCALE
        layout = QHBoxLayout() if horizontal else QGridLayout()
        outer.addLayout(layout)
        columns = 1 if len(question.options) <= 3 else GRID_COLUMNS
        place = _placer(layout, columns)
        if question.kind in CLOSED_KINDS:
            self.group = QButtonGroup(self)
            self.group.setExclusive(True)
            for option in question.options:
                button = QRadioButton(option)
                button.setAccessibleName(f"{question.text}: {option}")
                self.group.addButton(button)
                place(button)
        elif question.kind == QuestionKind.MULTI:
            for option in question.options:
                box = QCheckBox(option)
                box.setAccessibleName(f"{question.text}: {option}")
                self.checks.append(box)
                place(box)
        else:
            self.text = QLineEdit()
            self.text.setMaxLength(MAX_TEXT_ANSWER)
            self.text.setAccessibleName(question.text)
            self.text.setAccessibleDescription(self.tr("Free-text answer"))
            place(self.text)
        if isinstance(layout, QHBoxLayout):
            layout.addStretch(1)
        for answer_button in self.options():
            answer_button.setProperty(SURVEY_OPTION, True)
            answer_button.installEventFilter(self)

    def answer(self) -> Answer | None:
        if self.group is not None:
            checked = self.group.checkedButton()
            return checked.text() if checked else None
        if self.checks:
            chosen = [c.text() for c in self.checks if c.isChecked()]
            return chosen or None
        value = self.text.text().strip() if self.text else ""
        return value or None

    def clear(self) -> None:
        if self.group is not None:
            self.group.setExclusive(False)
            for button in self.group.buttons():
                button.setChecked(False)
            self.group.setExclusive(True)
        for box in self.checks:
            box.setChecked(False)
        if self.text:
            self.text.clear()

    def first_control(self) -> QWidget | None:
        if self.group is not None and self.group.buttons():
            return self.group.buttons()[0]
        if self.checks:
            return self.checks[0]
        return self.text

    def options(self) -> list[QAbstractButton]:
        return list(self.group.buttons()) if self.group is not None else list(self.checks)

    def choose_number(self, number: int) -> bool:
        """Answer by key: `number` is the key's place in 1-9, 0. A scale takes the
        option written as that digit when there is one; otherwise the option at that
        place is chosen (a multi-choice answer is ticked or unticked). The focus
        follows, so the volunteer sees what was answered. False when out of range."""
        options = self.options()
        index = number
        if self.question.kind == QuestionKind.SCALE:
            texts = [b.text().strip() for b in options]
            digit = DIGITS[number]
            if digit in texts:
                index = texts.index(digit)
        if not 0 <= index < len(options):
            return False
        button = options[index]
        if self.group is not None:
            button.setChecked(True)
        else:
            button.toggle()
        button.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def step(self, button: QAbstractButton, delta: int) -> None:
        """Arrow keys: the previous/next answer; in a single-choice or scale question
        it is also chosen (a tick box is only focused: Space ticks it)."""
        options = self.options()
        index = options.index(button) + delta
        if 0 <= index < len(options):
            target = options[index]
            target.setFocus(Qt.FocusReason.TabFocusReason)
            if self.group is not None:
                target.setChecked(True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and isinstance(watched, QAbstractButton)
            and watched in self.options()
        ):
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            key = QKeySequence(QKeyCombination(modifiers, Qt.Key(event.key()))).toString(
                QKeySequence.SequenceFormat.PortableText
            )
            found = resolve(Where.SURVEY, key)
            if found is not None and found[0] in (Action.PREVIOUS_ANSWER, Action.NEXT_ANSWER):
                self.step(watched, -1 if found[0] is Action.PREVIOUS_ANSWER else 1)
                return True
        return super().eventFilter(watched, event)


class SurveyForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Survey"))
        self.boxes: list[QuestionBox] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop)

    def set_questions(self, questions: Sequence[Question]) -> None:
        for box in self.boxes:
            box.deleteLater()
        self.boxes = [QuestionBox(q, self) for q in questions]
        for box in self.boxes:
            self._layout.addWidget(box)

    def answers(self) -> dict[str, Answer]:
        out: dict[str, Answer] = {}
        for box in self.boxes:
            value = box.answer()
            if value is not None:
                out[box.question.key] = value
        return out

    def clear(self) -> None:
        for box in self.boxes:
            box.clear()

    def box(self, key: str) -> QuestionBox | None:
        return next((b for b in self.boxes if b.question.key == key), None)

    def first_control(self) -> QWidget | None:
        return self.boxes[0].first_control() if self.boxes else None

    def answer_focused(self, number: int, focus: QWidget | None) -> bool:
        """A digit key with the focus on an answer: answer that answer's question."""
        box = next((b for b in self.boxes if focus is not None and b.isAncestorOf(focus)), None)
        return box.choose_number(number) if box is not None else False
