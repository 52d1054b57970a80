"""The caller screen: who to call, what to say, what happened.

Two columns, left to right in the order of a call: the contact card, the script and
session progress; the outcome form (`responsive.py` fits them to the window). All state
lives in the view model; this widget lays things out, maps keys to actions and shows
what the model says.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import Contact, Script, SessionStats, TeamProgress
from caller_app.ui.call_form import CallForm
from caller_app.ui.caller_extras import CallerExtras
from caller_app.ui.contact_card import CallTimer, ContactCard
from caller_app.ui.empty_screen import clear_screen, no_phone_app
from caller_app.ui.key_router import KeyRouter
from caller_app.ui.keymap import Action, outcome_keys
from caller_app.ui.progress_panel import ProgressPanel
from caller_app.ui.responsive import ResponsiveLayout, let_wrap
from caller_app.ui.script_panel import ScriptPanel
from caller_app.ui.shortcut_sheet import ShortcutSheet
from caller_app.ui.viewmodels import CallerViewModel


class CallerScreen(QWidget):
    def __init__(self, model: CallerViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.timer = CallTimer(self, model.now)

        self.card = ContactCard()
        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAccessibleName(self.tr("No contact"))
        self.contact_stack = QStackedWidget()
        self.contact_stack.addWidget(self.card)
        self.contact_stack.addWidget(self.empty)
        self.progress = ProgressPanel(model.campaign.target_contacts_per_hour)
        self.script = ScriptPanel()
        self.form = CallForm()
        campaign = model.campaign
        self.form.set_campaign(campaign.calling_hours, campaign.timezone, model.now)
        self.message = QLabel()
        self.message.setObjectName("notice")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAccessibleName(self.tr("Last action"))

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.contact_stack)
        left_layout.addWidget(self.script, 1)
        left_layout.addWidget(self.progress)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.form, 1)
        right_layout.addWidget(self.message)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("callerSplitter")
        self.splitter.setChildrenCollapsible(False)
        for widget, stretch in ((left, 5), (right, 6)):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(self.splitter.count() - 1, stretch)
        self.splitter.setSizes([500, 600])
        # Short windows move side panels into tabs beside the script (responsive.py).
        self.responsive = ResponsiveLayout(left, self.script)
        self.responsive.keep_readable(self.script.script_view)
        self.responsive.size_in_lines(self.form.notes, 5, compact_lines=3)
        self.responsive.tuck(self.progress, self.tr("Your session"))
        self.responsive.compact_changed.connect(self.form.outcomes.set_compact)
        let_wrap(self.form.hint)  # wraps rather than widen the form on small screens
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(self.splitter)

        self.card.dial_requested.connect(self.dial)
        self.card.copy_requested.connect(self.copy_number)
        self.form.save_requested.connect(self.save)
        self.form.undo_requested.connect(self.undo)
        self.timer.ticked.connect(self.card.set_seconds)
        self.sheet: ShortcutSheet | None = None
        # Every key of the key model (caller_app.ui.keymap), decided by where the focus is.
        self.keys = KeyRouter(
            self,
            {
                Action.OUTCOME: self.form.outcomes.choose_index,
                Action.ANSWER: lambda n: self.form.survey.answer_focused(
                    n, QApplication.focusWidget()
                ),
                Action.DIAL: self.dial,
                Action.COPY: self.copy_number,
                Action.SAVE: self.save,
                Action.UNDO: self.undo,
                Action.NOTES: lambda: self.form.notes.setFocus(Qt.FocusReason.ShortcutFocusReason),
                Action.OUTCOMES: self.form.outcomes.focus_choice,
                Action.HELP: self.show_keys,
            },
        )
        self.form.outcomes.selected_changed.connect(self._outcome_chosen)

        model.script_changed.connect(self.set_script)
        model.contact_changed.connect(self.show_contact)
        model.stats_changed.connect(self.set_stats)
        model.team_changed.connect(self.set_team)
        model.out_of_contacts.connect(self.show_empty)
        model.notice.connect(self.message.setText)
        model.hours_changed.connect(self.progress.set_hours)
        self.progress.set_hours(model.hours_text())
        self.progress.leaderboard_toggled.connect(model.set_leaderboard_opt_in)
        model.status_changed.connect(self.progress.set_status)  # a stale tally says so
        self.form.outcomes.selected_changed.connect(self._report_unsaved)
        self.form.notes.textChanged.connect(self._report_unsaved)
        self._apply_focus_order()
        if model.script is not None:
            self.set_script(model.script)
        self.show_contact(model.contact)
        self.extras = CallerExtras(self)  # skip, break, this session, practice banner

    def _shortcut(
        self, key: str | QKeySequence.StandardKey, slot: Callable[[], object]
    ) -> QShortcut:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.activated.connect(slot)
        return shortcut

    # --- what the model says ---
    def focus_order(self) -> list[QWidget]:
        """Tab order in the order of a call: contact, form, then the reading matter."""
        return [
            self.card.dial,
            self.card.copy,
            *self.form.focus_order(),
            self.script.tabBar(),
            self.script.script_view,
            self.script.crib_view,
            self.script.bio_view,
            self.progress.leaderboard_opt_in,
        ]

    def _apply_focus_order(self) -> None:
        order = self.focus_order()
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    @Slot(object)
    def set_script(self, script: Script) -> None:
        self.script.set_script(script)
        self.form.set_script(script)
        self._apply_focus_order()
        if self.card.contact is not None:
            self.script.show_intro(self.model.placeholder_values(self.card.contact))

    @Slot(object)
    def show_contact(self, contact: Contact | None) -> None:
        if contact is None:
            self.card.contact = None
            self.timer.reset()
            clear_screen(self)  # nothing of the last contact is left on screen
            self.form.setEnabled(False)
            self.show_empty(self.model.empty_reason())
            return
        self.card.show_contact(
            contact, self.model.campaign.max_attempts, self.model.same_number(contact)
        )
        self.contact_stack.setCurrentWidget(self.card)
        self.script.show_intro(self.model.placeholder_values(contact))
        self.form.reset()
        self.form.setEnabled(True)
        self.timer.reset()  # the call starts at Dial (or the first outcome chosen)
        self.card.dial.setFocus()

    @Slot(str)
    def show_empty(self, reason: str) -> None:
        if self.card.contact is not None:
            return  # more contacts came in meanwhile
        self.empty.setText(reason)
        self.contact_stack.setCurrentWidget(self.empty)
        self.form.setEnabled(False)

    @Slot(object)
    def set_stats(self, stats: SessionStats) -> None:
        self.progress.set_stats(stats)

    @Slot(object)
    def set_team(self, team: TeamProgress) -> None:
        self.progress.set_team(team)

    # --- what the volunteer does ---
    @Slot()
    def dial(self) -> None:
        contact = self.card.contact
        if contact is None:
            return
        self.timer.start()
        if not QDesktopServices.openUrl(QUrl(f"tel:{contact.phone}")):
            QGuiApplication.clipboard().setText(contact.phone)  # dial it by hand instead
            self.message.setText(no_phone_app(contact.phone))

    @Slot(object)
    def _outcome_chosen(self, outcome: object) -> None:
        """Without Dial, the call counts from the first outcome chosen."""
        if outcome is not None and self.card.contact is not None:
            self.timer.start()

    @Slot()
    def copy_number(self) -> None:
        contact = self.card.contact
        if contact is not None:
            QGuiApplication.clipboard().setText(contact.phone)
            self.message.setText(self.tr("Number copied."))

    @Slot()
    def show_keys(self) -> None:
        """The shortcut sheet (F1, or ? when not typing); one at a time."""
        if self.sheet is None:
            self.sheet = ShortcutSheet(self)
        self.sheet.show()
        self.sheet.raise_()
        self.sheet.activateWindow()

    @Slot()
    def save(self) -> None:
        contact = self.card.contact
        outcome = self.form.selected()
        if contact is None:
            return
        if outcome is None:
            self.message.setText(
                self.tr("Choose an outcome first ({keys}).").format(
                    keys=outcome_keys(len(self.form.outcomes.buttons))
                )
            )
            return
        refusal = self.form.callback_refusal()
        if refusal is not None:
            self.message.setText(refusal)  # nothing is saved until the time is possible
            return
        self.timer.start()  # no-op once the call has started
        self.timer.stop()
        self.model.record(
            contact,
            outcome.code,
            answers=self.form.answers(),
            notes=self.form.notes_text(),
            callback_at=self.form.callback_at(),
            started_at=self.timer.started_at or self.model.now(),
            duration_s=self.timer.seconds(),
        )

    @Slot()
    def undo(self) -> None:
        self.model.undo()

    def _report_unsaved(self, *_: object) -> None:
        """Tell the model whether this call has work not yet saved (asked at the end)."""
        self.model.set_unsaved_work(self.form.has_unsaved_work())
