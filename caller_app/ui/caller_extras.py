"""What callers of the best tools expect, added to the caller screen (issue 12).

Skip (Ctrl+K), a break (Ctrl+B), "This session" with a correction for any call
(Ctrl+H), the practice-mode banner, and the card's local time, attributes and
earlier attempts. `CallerExtras` owns these widgets and wires them to the screen and
its view model, so the screen itself changes only where it builds one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QCheckBox,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import Contact, Result, Script
from caller_app.ui.break_screen import BreakScreen
from caller_app.ui.call_form import CallForm
from caller_app.ui.keymap import Action, key_of
from caller_app.ui.practice_banner import PracticeBanner
from caller_app.ui.resources import icon
from caller_app.ui.session_list import SessionListDialog

if TYPE_CHECKING:
    from caller_app.ui.caller_screen import CallerScreen

log = logging.getLogger(__name__)

SKIP_KEY = key_of(Action.SKIP)
BREAK_KEY = key_of(Action.BREAK)
SESSION_KEY = key_of(Action.SESSION)


def fill_form(form: CallForm, result: Result) -> None:
    """Put an earlier call's outcome, answers and notes back in the form to correct it."""
    form.outcomes.choose(result.outcome)
    for key, answer in result.answers.items():
        box = form.survey.box(key)
        if box is None:
            continue
        wanted = {answer} if isinstance(answer, str) else set(answer)
        buttons: list[QAbstractButton] = box.options()
        for button in buttons:
            if isinstance(button, (QRadioButton, QCheckBox)):
                button.setChecked(button.text() in wanted)
        if box.text is not None and isinstance(answer, str):
            box.text.setText(answer)
    form.notes.setPlainText(result.notes)


class CallerExtras(QObject):
    def __init__(self, screen: CallerScreen) -> None:
        super().__init__(screen)
        self.screen = screen
        self.model = model = screen.model
        self.on_break = False

        self.banner = PracticeBanner()
        self.banner.setVisible(bool(model.practice))
        self.skip_button = QPushButton(self.tr("S&kip"))
        self.skip_button.setObjectName("skip")
        self.skip_button.setToolTip(
            self.tr("Pass on this person without an outcome; someone else will call them (Ctrl+K)")
        )
        self.skip_button.setAccessibleDescription(
            self.tr("Gives this contact back to the list, not counted as a call")
        )
        self.break_button = QPushButton(self.tr("Take a &break"))
        self.break_button.setObjectName("takeBreak")
        self.break_button.setToolTip(
            self.tr("Pause the call timer; your contacts are kept (Ctrl+B)")
        )
        self.session_button = QPushButton(icon("undo"), self.tr("This &session"))
        self.session_button.setObjectName("thisSession")
        self.session_button.setToolTip(
            self.tr("Who you called this session; correct any of those calls (Ctrl+H)")
        )
        for button in (self.skip_button, self.break_button, self.session_button):
            button.setAutoDefault(False)
        self.skip_button.clicked.connect(self.skip)
        self.break_button.clicked.connect(self.toggle_break)
        self.session_button.clicked.connect(self.open_session_list)
        # Skip sits with Dial and Copy number (it is about this contact); Break and This
        # session in a row of their own, which the main window moves into its header so
        # the screen loses no height to them on a small laptop (`dock_session_buttons`).
        card_buttons = screen.card.buttons
        card_buttons.insertWidget(card_buttons.count() - 1, self.skip_button)
        self.session_buttons = QWidget()
        self.session_buttons.setObjectName("sessionButtons")
        row = QHBoxLayout(self.session_buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.break_button)
        row.addWidget(self.session_button)

        self.break_screen = BreakScreen()
        self.break_screen.hide()
        self.break_screen.resume_requested.connect(self.end_break)
        layout = screen.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, self.banner)
        layout.insertWidget(1, self.session_buttons)
        layout.addWidget(self.break_screen, 1)

        self._own_shortcuts = [
            self._shortcut(SKIP_KEY, self.skip),
            self._shortcut(BREAK_KEY, self.toggle_break),
            self._shortcut(SESSION_KEY, self.open_session_list),
        ]
        self.session_list: SessionListDialog | None = None

        model.contact_changed.connect(self._on_contact)
        model.script_changed.connect(self._on_script)
        self._on_contact(model.contact)

    def dock_session_buttons(self, row: QBoxLayout, index: int) -> None:
        """Move Take a break and This session into `row` (the window's header)."""
        layout = self.screen.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.removeWidget(self.session_buttons)
        row.insertWidget(index, self.session_buttons, 0, Qt.AlignmentFlag.AlignTop)

    def _shortcut(self, key: str, slot: Callable[[], object]) -> QShortcut:
        shortcut = QShortcut(QKeySequence(key), self.screen)
        shortcut.activated.connect(slot)
        return shortcut

    # --- the card ---
    @Slot(object)
    def _on_contact(self, contact: Contact | None) -> None:
        self.skip_button.setEnabled(contact is not None)
        if contact is None:
            return
        self.screen.card.extras.show_contact(
            contact, self.model.campaign.timezone, self.model.show_attributes()
        )
        correcting = self.model.correcting
        if correcting is not None and correcting.contact_id == contact.id:
            fill_form(self.screen.form, correcting)

    @Slot(object)
    def _on_script(self, _script: Script) -> None:
        if self.model.contact is not None:  # show_attributes may have changed
            self._on_contact(self.model.contact)

    # --- skip ---
    @Slot()
    def skip(self) -> None:
        if self.on_break or self.model.contact is None:
            return
        form = self.screen.form
        if (form.selected() is not None or form.notes_text()) and not self._confirm_skip():
            return
        self.model.skip()

    def _confirm_skip(self) -> bool:
        answer = QMessageBox.question(
            self.screen,
            self.tr("Skip this person?"),
            self.tr("What you entered for this call will not be saved. Skip anyway?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # --- break ---
    @Slot()
    def toggle_break(self) -> None:
        if self.on_break:
            self.end_break()
        else:
            self.start_break()

    def start_break(self) -> None:
        """Pause the timer and cover the screen; the engine keeps the leases alive."""
        if self.on_break:
            return
        self.on_break = True
        log.info("break started; contact=%s", self._contact_id())
        self.screen.timer.pause()
        self._set_calling_keys(False)
        self.screen.splitter.hide()
        for button in (self.skip_button, self.session_button):
            button.setEnabled(False)
        self.break_button.setText(self.tr("End &break"))
        self.break_screen.show()
        self.break_screen.resume.setFocus()

    @Slot()
    def end_break(self) -> None:
        """Back to the same contact, the timer running on from where it stopped."""
        if not self.on_break:
            return
        self.on_break = False
        log.info("break ended; contact=%s", self._contact_id())
        self.break_screen.hide()
        self.screen.splitter.show()
        self._set_calling_keys(True)
        self.screen.timer.resume()
        self.break_button.setText(self.tr("Take a &break"))
        self.session_button.setEnabled(True)
        self.skip_button.setEnabled(self.model.contact is not None)
        self.screen.card.dial.setFocus()

    def _contact_id(self) -> int | None:
        """The id (never the name) of the contact on screen, for the log."""
        contact = self.model.contact
        return contact.id if contact is not None else None

    def _set_calling_keys(self, enabled: bool) -> None:
        """On a break no calling key (Dial, save, outcome) may fire; ours stay."""
        for shortcut in self.screen.findChildren(QShortcut):
            if shortcut not in self._own_shortcuts:
                shortcut.setEnabled(enabled)

    # --- this session ---
    @Slot()
    def open_session_list(self) -> None:
        if self.on_break:
            return
        if self.session_list is None:
            self.session_list = SessionListDialog(self.screen)
            self.session_list.correct_requested.connect(self._correct)
        self.session_list.set_entries(
            self.model.session_log.entries(),
            self.model.outcome_labels(),
            self.model.attention_codes(),
        )
        self.session_list.show()
        self.session_list.raise_()
        self.session_list.activateWindow()
        self.session_list.table.setFocus()

    @Slot(str)
    def _correct(self, result_id: str) -> None:
        if self.model.begin_correction(result_id):
            self.screen.window().activateWindow()
            selected = self.screen.form.outcomes.selected()
            buttons = self.screen.form.outcomes.buttons
            # keyboard users land on the recorded outcome, ready to change it
            target = next((b for b in buttons if b.isChecked()), None) if selected else None
            (target or self.screen.card.dial).setFocus()
