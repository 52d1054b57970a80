"""The caller screen's key model: one table of (where the focus is, key) -> what happens.

Everything that decides what a key does on the caller screen reads `BINDINGS`: the
key router (`caller_app.ui.key_router`) that makes the shortcuts, the survey's arrow
keys, the in-app shortcut sheet (F1 or ?) and the tests. The README's "Keyboard"
section is the same table in words.

The rules a volunteer can trust:
- while a text field has the focus (notes, a free-text answer, the call-back time), no
  letter, digit, Space or ? does anything but type;
- inside a survey question, digits answer that question (the scale value, or the
  option's number) and never change the outcome; arrows choose the previous or next
  answer;
- outcomes are on Alt+digit everywhere, and on bare digits outside text fields and
  the survey;
- N (Alt+N from a text field) goes to the notes; Esc or Alt+O goes back to the
  outcomes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from caller_app.domain.i18n import QT_TRANSLATE_NOOP
from caller_app.ui.translations import translate_marked

# Buttons that answer a survey question carry this dynamic property (set by the survey
# form), so the key model can tell them from the other buttons on the screen.
SURVEY_OPTION = "surveyOption"
DIGITS = "1234567890"  # the outcome keys, in order: the tenth outcome is on 0


class Where(enum.Enum):
    """Where the keyboard focus is, as far as keys are concerned."""

    TEXT = "text"  # the notes, a free-text answer: keys type
    TIME = "time"  # the call-back time field: keys type, Enter saves
    SURVEY = "survey"  # a choice answer inside a survey question
    ELSEWHERE = "elsewhere"  # outcome buttons, Dial, the script: anywhere else


ANYWHERE = frozenset(Where)
NOT_TYPING = frozenset({Where.SURVEY, Where.ELSEWHERE})


class Action(enum.Enum):
    OUTCOME = "outcome"  # numbered: choose outcome n
    ANSWER = "answer"  # numbered: answer the focused question with option n
    PREVIOUS_ANSWER = "previous answer"
    NEXT_ANSWER = "next answer"
    DIAL = "dial"
    COPY = "copy"
    SAVE = "save"
    UNDO = "undo"
    NOTES = "notes"
    OUTCOMES = "outcomes"
    HELP = "help"
    # Listed for the sheet, handled by Qt or by other widgets:
    NEXT_FIELD = "next field"
    PRESS = "press"
    TABS = "tabs"
    END = "end"
    SKIP = "skip"  # these three: QShortcuts of caller_extras.py
    BREAK = "break"
    SESSION = "session"
    TEXT_SIZE = "text size"  # text_size.py


# Actions the key router turns into shortcuts; the others are only listed.
ROUTED = frozenset(
    {
        Action.OUTCOME,
        Action.ANSWER,
        Action.DIAL,
        Action.COPY,
        Action.SAVE,
        Action.UNDO,
        Action.NOTES,
        Action.OUTCOMES,
        Action.HELP,
    }
)
NUMBERED = frozenset({Action.OUTCOME, Action.ANSWER})


@dataclass(frozen=True)
class Binding:
    """Keys (Qt portable text, e.g. "Alt+1") that do `action` where the focus is in
    `where`. `label` is how the sheet shows the keys; `does` says what happens."""

    keys: tuple[str, ...]
    action: Action
    where: frozenset[Where]
    label: str
    does: str

    def words(self) -> str:
        """What to do, in the volunteer's language (translated when shown)."""
        return translate_marked("Keyboard", self.does)

    def where_words(self) -> str:
        return where_words(self.where)


BINDINGS: tuple[Binding, ...] = (
    Binding(
        tuple(DIGITS),
        Action.OUTCOME,
        frozenset({Where.ELSEWHERE}),
        "1–9, 0",
        QT_TRANSLATE_NOOP("Keyboard", "Choose an outcome"),
    ),
    Binding(
        tuple(f"Alt+{d}" for d in DIGITS),
        Action.OUTCOME,
        ANYWHERE,
        "Alt+1–9, Alt+0",
        QT_TRANSLATE_NOOP("Keyboard", "Choose an outcome"),
    ),
    Binding(
        tuple(DIGITS),
        Action.ANSWER,
        frozenset({Where.SURVEY}),
        "1–9, 0",
        QT_TRANSLATE_NOOP(
            "Keyboard", "Answer the question: the scale value, or the answer's number"
        ),
    ),
    Binding(
        ("Left", "Up"),
        Action.PREVIOUS_ANSWER,
        frozenset({Where.SURVEY}),
        "← ↑",
        QT_TRANSLATE_NOOP("Keyboard", "Choose the previous answer"),
    ),
    Binding(
        ("Right", "Down"),
        Action.NEXT_ANSWER,
        frozenset({Where.SURVEY}),
        "→ ↓",
        QT_TRANSLATE_NOOP("Keyboard", "Choose the next answer"),
    ),
    Binding(("D",), Action.DIAL, NOT_TYPING, "D", QT_TRANSLATE_NOOP("Keyboard", "Dial the number")),
    Binding(
        ("Alt+D",), Action.DIAL, ANYWHERE, "Alt+D", QT_TRANSLATE_NOOP("Keyboard", "Dial the number")
    ),
    Binding(
        ("Ctrl+Shift+C",),
        Action.COPY,
        ANYWHERE,
        "Ctrl+Shift+C",
        QT_TRANSLATE_NOOP("Keyboard", "Copy the number"),
    ),
    Binding(
        ("N",), Action.NOTES, NOT_TYPING, "N", QT_TRANSLATE_NOOP("Keyboard", "Go to the notes")
    ),
    Binding(
        ("Alt+N",),
        Action.NOTES,
        ANYWHERE,
        "Alt+N",
        QT_TRANSLATE_NOOP("Keyboard", "Go to the notes"),
    ),
    Binding(
        ("Esc",),
        Action.OUTCOMES,
        ANYWHERE,
        "Esc",
        QT_TRANSLATE_NOOP("Keyboard", "Go back to the outcomes"),
    ),
    Binding(
        ("Alt+O",),
        Action.OUTCOMES,
        ANYWHERE,
        "Alt+O",
        QT_TRANSLATE_NOOP("Keyboard", "Go back to the outcomes"),
    ),
    Binding(
        ("Return", "Enter"),
        Action.SAVE,
        frozenset({Where.SURVEY, Where.ELSEWHERE, Where.TIME}),
        "Enter",
        QT_TRANSLATE_NOOP("Keyboard", "Save this call and show the next contact"),
    ),
    Binding(
        ("Ctrl+Return", "Ctrl+Enter"),
        Action.SAVE,
        ANYWHERE,
        "Ctrl+Enter",
        QT_TRANSLATE_NOOP("Keyboard", "Save this call and show the next contact"),
    ),
    Binding(
        ("Ctrl+Z",),
        Action.UNDO,
        NOT_TYPING,
        "Ctrl+Z",
        QT_TRANSLATE_NOOP("Keyboard", "Undo or correct the last call"),
    ),
    Binding(("F1",), Action.HELP, ANYWHERE, "F1", QT_TRANSLATE_NOOP("Keyboard", "Show these keys")),
    # "?" is Shift+/ on many keyboards; some platforms report the Shift, some do not.
    Binding(
        ("?", "Shift+?"),
        Action.HELP,
        NOT_TYPING,
        "?",
        QT_TRANSLATE_NOOP("Keyboard", "Show these keys"),
    ),
    Binding(
        ("Tab", "Shift+Tab"),
        Action.NEXT_FIELD,
        ANYWHERE,
        "Tab, Shift+Tab",
        QT_TRANSLATE_NOOP("Keyboard", "Go to the next or previous thing on the screen"),
    ),
    Binding(
        ("Space",),
        Action.PRESS,
        NOT_TYPING,
        "Space",
        QT_TRANSLATE_NOOP("Keyboard", "Press the button or tick the answer that has the focus"),
    ),
    Binding(
        ("Ctrl+1", "Ctrl+2", "Ctrl+3"),
        Action.TABS,
        ANYWHERE,
        "Ctrl+1, 2, 3",
        QT_TRANSLATE_NOOP("Keyboard", "Show the script, the crib sheet or the candidate"),
    ),
    Binding(
        ("Ctrl+K",),
        Action.SKIP,
        ANYWHERE,
        "Ctrl+K",
        QT_TRANSLATE_NOOP(
            "Keyboard", "Skip: pass on this person without an outcome (someone else will call them)"
        ),
    ),
    Binding(
        ("Ctrl+B",),
        Action.BREAK,
        ANYWHERE,
        "Ctrl+B",
        QT_TRANSLATE_NOOP("Keyboard", "Take a break (your contacts are kept); again to resume"),
    ),
    Binding(
        ("Ctrl+H",),
        Action.SESSION,
        ANYWHERE,
        "Ctrl+H",
        QT_TRANSLATE_NOOP("Keyboard", "This session: who you called; correct any of those calls"),
    ),
    Binding(
        ("Ctrl+=", "Ctrl++", "Ctrl+-", "Ctrl+0"),
        Action.TEXT_SIZE,
        ANYWHERE,
        "Ctrl+= / Ctrl+- / Ctrl+0",
        QT_TRANSLATE_NOOP("Keyboard", "Larger, smaller or normal text (remembered)"),
    ),
    Binding(
        ("Ctrl+Q",),
        Action.END,
        ANYWHERE,
        "Ctrl+Q",
        QT_TRANSLATE_NOOP("Keyboard", "End the session"),
    ),
)


def key_of(action: Action) -> str:
    """The one key of an action that is not routed here (its widget makes the shortcut)."""
    (key,) = next(b.keys for b in BINDINGS if b.action is action)
    return key


def where_words(where: Iterable[Where]) -> str:
    places = frozenset(where)
    if places == ANYWHERE:
        return QCoreApplication.translate("Keyboard", "Anywhere")
    if places == NOT_TYPING:
        return QCoreApplication.translate("Keyboard", "Outside text fields")
    if places == frozenset({Where.ELSEWHERE}):
        return QCoreApplication.translate("Keyboard", "Outside text fields and the survey")
    if places == frozenset({Where.SURVEY}):
        return QCoreApplication.translate("Keyboard", "In a survey question")
    if places == frozenset({Where.SURVEY, Where.ELSEWHERE, Where.TIME}):
        return QCoreApplication.translate("Keyboard", "Outside the notes and free-text answers")
    return ", ".join(sorted(w.value for w in places))


def where_is(widget: QWidget | None) -> Where:
    """Which column of the table the focused `widget` is in."""
    if widget is None:
        return Where.ELSEWHERE
    if isinstance(widget, QAbstractSpinBox) or isinstance(widget.parent(), QAbstractSpinBox):
        return Where.TIME
    if isinstance(widget, QLineEdit | QPlainTextEdit):
        return Where.TEXT
    if isinstance(widget, QTextEdit):
        return Where.ELSEWHERE if widget.isReadOnly() else Where.TEXT
    if isinstance(widget, QAbstractButton) and widget.property(SURVEY_OPTION):
        return Where.SURVEY
    return Where.ELSEWHERE


def resolve(where: Where, key: str) -> tuple[Action, int] | None:
    """What `key` does with the focus `where`: the action and, for numbered actions, the
    0-based number (the key's place in 1-9, 0); None when the key is left to the
    focused widget (typing, for a text field)."""
    for binding in BINDINGS:
        if where in binding.where and key in binding.keys:
            number = DIGITS.index(key[-1]) if binding.action in NUMBERED else 0
            return binding.action, number
    return None


def routed_keys() -> list[str]:
    """Every key the router turns into a shortcut, each once, in table order."""
    seen: dict[str, None] = {}
    for binding in BINDINGS:
        if binding.action in ROUTED:
            seen.update(dict.fromkeys(binding.keys))
    return list(seen)


def outcome_keys(count: int) -> str:
    """The keys of `count` outcomes in words: "key 1", "keys 1–6", "keys 1–9, 0"."""
    if count <= 1:
        return QCoreApplication.translate("Keyboard", "key 1")
    if count <= 9:
        return QCoreApplication.translate("Keyboard", "keys 1–{last}").format(last=count)
    return QCoreApplication.translate("Keyboard", "keys 1–9, 0")
