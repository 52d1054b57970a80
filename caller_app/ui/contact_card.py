"""The contact being called: name, phone, ward, attempt, earlier notes, Dial and Copy.

Every text from the server goes into a plain-text label, so a name like
`<img src=x onerror=...>` is shown as the characters it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import Contact
from caller_app.ui.contact_extras import ContactExtras
from caller_app.ui.formatting import clock, national_phone
from caller_app.ui.resources import icon


def plain_label(text: str = "", object_name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        label.setObjectName(object_name)
    return label


class CallTimer(QObject):
    """How long the call has lasted: from Dial (or the first outcome chosen, when the
    volunteer dialled some other way) until the save, on the app's clock, less any
    break (pause/resume).

    Not from when the contact appeared: reading the card is not talk time, and the
    stored `duration_s` is this number."""

    ticked = Signal(int)

    def __init__(
        self, parent: QObject | None = None, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        super().__init__(parent)
        self._clock: Callable[[], dt.datetime] = clock or (lambda: dt.datetime.now(dt.UTC))
        self.started_at: dt.datetime | None = None  # None until the call starts
        self._ended_at: dt.datetime | None = None
        self._paused_at: dt.datetime | None = None  # on a break since
        self._paused = dt.timedelta()  # breaks taken during this call
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(lambda: self.ticked.emit(self.seconds()))

    @property
    def running(self) -> bool:
        return self.started_at is not None and self._ended_at is None

    def reset(self) -> None:
        """A new contact: no call yet (0:00, not counting)."""
        self._tick.stop()
        self.started_at = self._ended_at = self._paused_at = None
        self._paused = dt.timedelta()
        self.ticked.emit(0)

    def start(self) -> None:
        """The call starts now, unless it already has (a second Dial keeps counting)."""
        if self.started_at is not None and self._ended_at is None:
            return
        self.started_at, self._ended_at = self._clock(), None
        self._paused_at, self._paused = None, dt.timedelta()
        self._tick.start()
        self.ticked.emit(0)

    def stop(self) -> None:
        """The call ended: `seconds()` stays at its length."""
        self._tick.stop()
        if self.started_at is not None and self._ended_at is None:
            self._ended_at = self._clock()

    def pause(self) -> None:
        """A break: the clock stops counting until resume()."""
        if self._paused_at is None:
            self._paused_at = self._clock()
            self._tick.stop()

    def resume(self) -> None:
        if self._paused_at is None:
            return
        if self.running:
            self._paused += self._clock() - self._paused_at
            self._tick.start()
        self._paused_at = None
        self.ticked.emit(self.seconds())

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def seconds(self) -> int:
        if self.started_at is None:
            return 0
        end = self._ended_at or self._paused_at or self._clock()
        return max(0, int((end - self.started_at - self._paused).total_seconds()))


class ContactCard(QFrame):
    dial_requested = Signal()
    copy_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("Contact"))
        self.contact: Contact | None = None

        self.name = plain_label(object_name="contactName")
        self.name.setAccessibleName(self.tr("Name"))
        self.phone = plain_label(object_name="contactPhone")
        self.phone.setAccessibleName(self.tr("Phone number"))
        self.details = plain_label(object_name="contactDetails")
        self.details.setAccessibleName(self.tr("Ward and attempt"))
        self.timer_label = QLabel("0:00")
        self.timer_label.setObjectName("timer")
        self.timer_label.setAccessibleName(self.tr("Call timer"))
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

        # No "&" mnemonic: Alt+D is the key model's (caller_app.ui.keymap), so it fires once.
        self.dial = QPushButton(icon("dial"), self.tr("Dial"))
        self.dial.setObjectName("dial")
        self.dial.setToolTip(self.tr("Call with your phone app (D, or Alt+D)"))
        self.dial.setAccessibleName(self.tr("Dial"))
        self.dial.setAccessibleDescription(
            self.tr("Opens the number in your phone app and starts the call timer")
        )
        self.dial.clicked.connect(self.dial_requested)
        self.copy = QPushButton(icon("copy"), self.tr("Copy number"))
        self.copy.setToolTip(self.tr("Copy the number to the clipboard (Ctrl+Shift+C)"))
        self.copy.setAccessibleName(self.tr("Copy number"))
        self.copy.setAccessibleDescription(self.tr("Copies the phone number to the clipboard"))
        self.copy.clicked.connect(self.copy_requested)
        for button in (self.dial, self.copy):
            button.setAutoDefault(False)

        self.household = plain_label(object_name="household")
        self.household.setAccessibleName(self.tr("Same number"))
        self.notes_heading = QLabel(self.tr("Notes from earlier calls"))
        self.notes_heading.setObjectName("subheading")
        self.previous_notes = plain_label(object_name="previousNotes")
        self.previous_notes.setAccessibleName(self.tr("Notes from earlier calls"))
        # local time, the campaign's attributes, earlier attempts (CallerScreen fills it)
        self.extras = ContactExtras()

        top = QHBoxLayout()
        who = QVBoxLayout()
        who.addWidget(self.name)
        who.addWidget(self.phone)
        who.addWidget(self.details)
        who.addWidget(self.household)
        top.addLayout(who, 1)
        top.addWidget(self.timer_label)
        # the row of things to do with this contact (CallerExtras adds Skip to it)
        self.buttons = buttons = QHBoxLayout()
        buttons.addWidget(self.dial)
        buttons.addWidget(self.copy)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(self.extras)
        layout.addWidget(self.notes_heading)
        layout.addWidget(self.previous_notes)

    def show_contact(
        self, contact: Contact, max_attempts: int | None = None, same_number: Sequence[str] = ()
    ) -> None:
        """`same_number`: first names of others on this phone, to ask for them too."""
        self.contact = contact
        self.name.setText(contact.full_name or self.tr("(no name)"))
        self.phone.setText(national_phone(contact.phone))
        if max_attempts:
            attempt = self.tr("attempt {n} of {m}").format(n=contact.attempt, m=max_attempts)
        else:
            attempt = self.tr("attempt {n}").format(n=contact.attempt)
        ward = contact.ward or self.tr("ward not known")
        self.details.setText(f"{ward} · {attempt}")
        if same_number:
            self.household.setText(
                self.tr("Same number as {names}: ask for them too.").format(
                    names=", ".join(same_number)
                )
            )
        self.household.setVisible(bool(same_number))
        # Earlier attempts carry their notes (ContactExtras); older servers send only notes.
        notes = (
            [] if contact.previous_attempts else [n for n in contact.previous_notes if n.strip()]
        )
        self.previous_notes.setText("\n".join(f"• {n}" for n in notes))
        self.notes_heading.setVisible(bool(notes))
        self.previous_notes.setVisible(bool(notes))

    def set_seconds(self, seconds: int) -> None:
        self.timer_label.setText(clock(seconds))
