"""When to call back: quick choices a key away, or a day and time of the volunteer's pick.

Choosing "Call back" focuses the first quick choice; its letter (H, E or T) or a click
saves the call at once, so a call-back is two keys. "Pick a time…" (P) opens a day
list and a time field. Every time is shown and entered on the campaign's clock with
its zone named ("Thu 19:30 London time"), and a time that is past or outside calling
hours is refused with a sentence saying why (`refusal_sentence`); the caller screen
does not save while there is one. The day list and the time field keep every
printable key, so digits typed there never reach the outcome shortcuts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt, QTime, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain import callbacks
from caller_app.domain.callbacks import QuickChoice, Refusal
from caller_app.domain.calling_hours import is_always, zone_label
from caller_app.ui.translations import short_date, short_month, short_weekday

Clock = Callable[[], dt.datetime]
DAYS_OFFERED = 14  # the day list: today and the next two weeks
QUICK_KEYS = {
    QuickChoice.IN_AN_HOUR: "H",
    QuickChoice.THIS_EVENING: "E",
    QuickChoice.TOMORROW_EVENING: "T",
}
PICK_KEY = "P"
_TYPING_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class KeepTypingKeys(QObject):
    """Claims every printable key (digits, letters, Space) for the watched field, so no
    single-key shortcut of the window fires while the volunteer types there."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            plain = not (event.modifiers() & ~_TYPING_MODIFIERS)
            text = event.text()
            if plain and text and text.isprintable():
                event.accept()
                return True
        return super().eventFilter(watched, event)


class EnterClicks(QObject):
    """Enter on a focused choice takes it (a plain button would leave Enter to the
    window, which would try to save a call-back with no time)."""

    KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kinds = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
        if (
            event.type() in kinds
            and isinstance(event, QKeyEvent)
            and event.key() in self.KEYS
            and not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
            and isinstance(watched, QPushButton)
        ):
            event.accept()
            if event.type() == QEvent.Type.KeyPress:
                watched.click()
            return True
        return super().eventFilter(watched, event)


class CallbackPicker(QWidget):
    chosen = Signal()  # a quick choice was taken: save the call now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Call back when"))
        self._hours = "00:00-24:00"
        self._tz = "Europe/London"
        self._clock: Clock = _now
        self._quick: dt.datetime | None = None  # the quick choice taken
        self._offers: dict[QuickChoice, callbacks.Offer] = {}

        heading = QLabel(self.tr("Call back when? A quick choice saves the call."))
        heading.setObjectName("subheading")
        heading.setWordWrap(True)
        self.buttons: dict[QuickChoice, QPushButton] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for index, choice in enumerate(QUICK_KEYS):
            button = QPushButton()
            button.setAutoDefault(False)
            button.setObjectName("quickChoice")
            button.clicked.connect(lambda _checked=False, c=choice: self.choose(c))
            self.buttons[choice] = button
            grid.addWidget(button, index // 2, index % 2)
        self.pick = QPushButton(self.tr("{key}  Pick a time…").format(key=PICK_KEY))
        self.pick.setAutoDefault(False)
        self.pick.setAccessibleName(self.tr("Pick a time"))
        self.pick.setToolTip(
            self.tr("Choose the day and time yourself ({key})").format(key=PICK_KEY)
        )
        self.pick.clicked.connect(self.pick_time)
        grid.addWidget(self.pick, 1, 1)

        self.custom = QWidget()
        self.day = QComboBox()
        self.day.setAccessibleName(self.tr("Call-back day"))
        self.time = QTimeEdit()
        self.time.setDisplayFormat("HH:mm")
        self.time.setAccessibleName(self.tr("Call-back time"))
        self.zone = QLabel()
        day_label = QLabel(self.tr("&Day:"))
        day_label.setBuddy(self.day)
        time_label = QLabel(self.tr("T&ime:"))
        time_label.setBuddy(self.time)
        row = QHBoxLayout(self.custom)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (day_label, self.day, time_label, self.time, self.zone):
            row.addWidget(widget)
        row.addStretch(1)
        self.custom.hide()
        self.feedback = QLabel()
        self.feedback.setObjectName("hint")
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)
        self.feedback.setAccessibleName(self.tr("Call-back time chosen"))
        self.day.currentIndexChanged.connect(self._update_feedback)
        self.time.timeChanged.connect(self._update_feedback)

        self._keep_keys = KeepTypingKeys(self)
        for field in (self.day, self.time, *self.time.findChildren(QLineEdit)):
            field.installEventFilter(self._keep_keys)
        self._enter_clicks = EnterClicks(self)
        for button in (*self.buttons.values(), self.pick):
            button.installEventFilter(self._enter_clicks)
        for choice, key in QUICK_KEYS.items():
            self._shortcut(key, partial(self.choose, choice))
        self._shortcut(PICK_KEY, self.pick_time)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addLayout(grid)
        layout.addWidget(self.custom)
        layout.addWidget(self.feedback)

    def _shortcut(self, key: str, slot: Callable[[], object]) -> None:
        """A bare letter that works only while the focus is inside the picker."""
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # --- set-up ---
    def set_campaign(self, hours: str, timezone: str, clock: Clock) -> None:
        """The campaign whose calling hours and clock the times are checked against."""
        self._hours, self._tz, self._clock = hours, timezone, clock
        self.zone.setText(self._zone_words())

    def focus_order(self) -> list[QWidget]:
        return [*self.buttons.values(), self.pick, self.day, self.time]

    def begin(self) -> None:
        """Call back was just chosen: fresh quick choices, nothing picked yet."""
        self._quick = None
        self.custom.hide()
        self.feedback.clear()
        self._refresh_offers()
        first = next((b for b in self.buttons.values() if b.isEnabled()), self.pick)
        first.setFocus()

    # --- choosing ---
    def choose(self, choice: QuickChoice) -> None:
        """Take a quick choice (its time as offered now) and ask for the save."""
        if not self.isVisible():
            return
        self._refresh_offers()
        offer = self._offers.get(choice)
        if offer is None or offer.at is None:
            self.feedback.setText(self.refusal_words(offer.refusal if offer else None, None))
            return
        self._quick = offer.at
        self.custom.hide()
        self.feedback.setText(self.tr("Call back {when}.").format(when=self.words(offer.at)))
        self.chosen.emit()

    def pick_time(self) -> None:
        """Show the day and time fields, set to the next evening still to come."""
        if not self.isVisible():
            return
        self._quick = None
        now = self._clock()
        today = now.astimezone(ZoneInfo(self._tz)).date()
        self.day.blockSignals(True)
        self.day.clear()
        for offset in range(DAYS_OFFERED):
            day = today + dt.timedelta(days=offset)
            self.day.addItem(self._day_words(offset, day), day)
        evening = self._offers.get(QuickChoice.THIS_EVENING)
        self.day.setCurrentIndex(0 if evening is not None and evening.at is not None else 1)
        self.day.blockSignals(False)
        minute = callbacks.evening_minute(self._hours)
        self.time.setTime(QTime(minute // 60, minute % 60))
        self.custom.show()
        self._update_feedback()
        self.day.setFocus()

    # --- what was picked ---
    def when(self) -> dt.datetime | None:
        """The call-back time (UTC): the quick choice taken, or the fields' day and time."""
        if self._quick is not None:
            return self._quick
        if self.custom.isHidden():
            return None
        day = self.day.currentData()
        if not isinstance(day, dt.date):
            return None
        time = self.time.time()
        return callbacks.local_time(day, time.hour() * 60 + time.minute(), self._tz)

    def refusal_sentence(self) -> str | None:
        """Why the time cannot be saved, in a sentence; None when it can."""
        when = self.when()
        if when is None:
            return self.tr(
                "Choose when to call back first: a quick choice, or Pick a time ({key})."
            ).format(key=PICK_KEY)
        why = callbacks.refusal(when, self._hours, self._tz, self._clock())
        return self.refusal_words(why, when) if why else None

    # --- words ---
    def words(self, when: dt.datetime) -> str:
        """ "Thu 19:30 London time"."""
        return self.tr("{when} {zone} time").format(
            when=callbacks.describe(
                when, self._tz, self._clock(), weekday=short_weekday, month=short_month
            ),
            zone=zone_label(self._tz),
        )

    def refusal_words(self, why: Refusal | None, when: dt.datetime | None) -> str:
        said = self.words(when) if when is not None else self.tr("That time")
        if why is Refusal.PAST:
            return self.tr("{when} has already passed. Choose a later time.").format(when=said)
        if why is Refusal.OUTSIDE_HOURS:
            return self.tr(
                "{when} is outside calling hours ({hours}). Choose a time within them."
            ).format(when=said, hours=self._hours_words())
        if why is Refusal.TOO_FAR:
            return self.tr("{when} is more than 90 days away. Choose a sooner time.").format(
                when=said
            )
        return self.tr("That choice is not available now.")

    def _zone_words(self) -> str:
        return self.tr("{zone} time").format(zone=zone_label(self._tz))

    def _hours_words(self) -> str:
        start, end = self._hours.split("-", 1)
        return self.tr("{start}–{end} {zone} time").format(
            start=start.strip(), end=end.strip(), zone=zone_label(self._tz)
        )

    def _day_words(self, offset: int, day: dt.date) -> str:
        date = short_date(day)
        if offset == 0:
            return self.tr("Today ({date})").format(date=date)
        if offset == 1:
            return self.tr("Tomorrow ({date})").format(date=date)
        return date

    def _refresh_offers(self) -> None:
        try:
            offers = callbacks.quick_choices(self._hours, self._tz, self._clock())
        except (ValueError, KeyError):  # malformed hours or an unknown zone: no quick choices
            offers = []
        self._offers = {o.choice: o for o in offers}
        labels = {
            QuickChoice.IN_AN_HOUR: self.tr("In 1 hour"),
            QuickChoice.THIS_EVENING: self.tr("This evening"),
            QuickChoice.TOMORROW_EVENING: self.tr("Tomorrow evening"),
        }
        for choice, button in self.buttons.items():
            offer = self._offers.get(choice)
            key, label = QUICK_KEYS[choice], labels[choice]
            if offer is not None and offer.at is not None:
                detail = self.words(offer.at)
            elif offer is not None and offer.refusal is Refusal.PAST:
                detail = self.tr("already over")
            else:
                detail = self.tr("outside calling hours")
            button.setText(f"{key}  {label} · {detail}")
            button.setAccessibleName(f"{label}, {detail}")
            button.setToolTip(
                self.tr("Saves the call with this call-back time ({key})").format(key=key)
            )
            button.setEnabled(offer is not None and offer.at is not None)
        self.zone.setText(self._zone_words())
        self.setToolTip("" if is_always(self._hours) else self._hours_words())

    def _update_feedback(self) -> None:
        if self.custom.isHidden():
            return
        when = self.when()
        sentence = self.refusal_sentence()
        if sentence is None and when is not None:
            sentence = self.tr("Call back {when}. Press Enter to save.").format(
                when=self.words(when)
            )
        self.feedback.setText(sentence or "")
