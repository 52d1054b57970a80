"""Outcome buttons in the script's order with keys 1-9 then 0.

The keys themselves are the key model's (`caller_app.ui.keymap`, routed by the caller
screen): a bare digit outside text fields and the survey, Alt+digit everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from caller_app.domain.models import Outcome
from caller_app.ui.keymap import DIGITS

KEYS = DIGITS
COLUMNS = 2


class OutcomeBar(QWidget):
    selected_changed = Signal(object)  # Outcome | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Outcome"))
        self.outcomes: list[Outcome] = []
        self.buttons: list[QPushButton] = []
        # No QButtonGroup: Qt makes a group a single Tab stop (like radio buttons), so
        # the keyboard could not reach every outcome. We keep one checked ourselves.
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.compact = False

    def set_compact(self, compact: bool) -> None:
        """Slimmer buttons on a short screen (the style sheet's `[compact="true"]`), so
        the survey below keeps room for its answers."""
        self.compact = compact
        for button in self.buttons:
            self._style(button)

    def _style(self, button: QPushButton) -> None:
        button.setProperty("compact", self.compact)
        button.style().unpolish(button)
        button.style().polish(button)

    def set_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        for button in self.buttons:
            button.deleteLater()
        self.outcomes = list(outcomes)[: len(KEYS)]
        self.buttons = []
        for index, outcome in enumerate(self.outcomes):
            key = KEYS[index]
            button = QPushButton(f"{key}  {outcome.label}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setObjectName("outcome")
            button.setProperty("reached", outcome.reached)
            button.setProperty("compact", self.compact)
            button.setToolTip(self.tr("Press {key} (or Alt+{key})").format(key=key))
            button.setAccessibleName(outcome.label)
            button.setAccessibleDescription(
                self.tr("Outcome {key}: {label}").format(key=key, label=outcome.label)
            )
            button.clicked.connect(lambda _checked=False, i=index: self._on_clicked(i))
            self._grid.addWidget(button, index // COLUMNS, index % COLUMNS)
            self.buttons.append(button)

    def choose_index(self, index: int) -> None:
        if 0 <= index < len(self.buttons) and self.isEnabled():
            self._on_clicked(index)

    def choose(self, code: str) -> None:
        index = next((i for i, o in enumerate(self.outcomes) if o.code == code), -1)
        self.choose_index(index)

    def selected(self) -> Outcome | None:
        index = next((i for i, b in enumerate(self.buttons) if b.isChecked()), -1)
        return self.outcomes[index] if index >= 0 else None

    def focus_choice(self) -> None:
        """The focus to the chosen outcome, or the first: the way back from the notes."""
        chosen = next((b for b in self.buttons if b.isChecked()), None)
        target = chosen or (self.buttons[0] if self.buttons else None)
        if target is not None and self.isEnabled():
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def clear(self) -> None:
        for button in self.buttons:
            button.setChecked(False)
        self.selected_changed.emit(None)

    def _on_clicked(self, index: int) -> None:
        for i, button in enumerate(self.buttons):
            button.setChecked(i == index)  # clicking the chosen one keeps it chosen
        self.selected_changed.emit(self.outcomes[index])
