"""More about the contact on the card: their local time, the attributes the campaign
lists (`show_attributes`), and earlier attempts (outcome, date, note).

Every text from the server goes into a plain-text label, as on the rest of the card.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from caller_app.domain.contact_time import attribute_label, contact_time
from caller_app.domain.models import Attempt, Contact
from caller_app.ui.translations import short_date

REFRESH_MS = 30_000  # the local time follows the clock; a minute's precision is enough


def _plain(text: str = "", object_name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        label.setObjectName(object_name)
    return label


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ContactExtras(QWidget):
    def __init__(
        self, parent: QWidget | None = None, clock: Callable[[], dt.datetime] = _now
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self._phone = ""
        self._zone = ""
        self.local_time = _plain(object_name="localTime")
        self.local_time.setAccessibleName(self.tr("Their local time"))
        self.attributes = QWidget()
        self.attributes.setObjectName("contactAttributes")
        self.attributes.setAccessibleName(self.tr("About this contact"))
        self._attribute_form = QFormLayout(self.attributes)
        self._attribute_form.setContentsMargins(0, 0, 0, 0)
        self._rows: list[tuple[QLabel, QLabel]] = []
        self.attempts_heading = QLabel(self.tr("Earlier calls"))
        self.attempts_heading.setObjectName("subheading")
        self.attempts = _plain(object_name="earlierAttempts")
        self.attempts.setAccessibleName(self.tr("Earlier calls"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.local_time)
        layout.addWidget(self.attributes)
        layout.addWidget(self.attempts_heading)
        layout.addWidget(self.attempts)
        self._tick = QTimer(self)
        self._tick.setInterval(REFRESH_MS)
        self._tick.timeout.connect(self._show_time)

    def show_contact(
        self, contact: Contact, campaign_zone: str, show_attributes: Sequence[str] = ()
    ) -> None:
        self._phone, self._zone = contact.phone, campaign_zone
        self._show_time()
        self._tick.start()
        self._show_attributes(contact, show_attributes)
        self._show_attempts(contact.previous_attempts)

    def attribute_rows(self) -> list[tuple[str, str]]:
        """(label, value) as shown, for tests and screen readers."""
        return [(label.text(), value.text()) for label, value in self._rows]

    def _show_time(self) -> None:
        t = contact_time(self._phone, self._zone, self.clock()) if self._zone else None
        if t is None:
            self.local_time.setText(self.tr("Their local time: not known"))
        elif t.sure:
            self.local_time.setText(
                self.tr("Their local time: {time} ({place})").format(
                    time=t.local.strftime("%H:%M"), place=t.place
                )
            )
        else:
            self.local_time.setText(
                self.tr("Their local time: not known. Campaign time: {time} ({place})").format(
                    time=t.local.strftime("%H:%M"), place=t.place
                )
            )

    def _show_attributes(self, contact: Contact, names: Sequence[str]) -> None:
        while self._attribute_form.rowCount():
            self._attribute_form.removeRow(0)
        self._rows = []
        shown = 0
        for name in names:
            value = (contact.attributes or {}).get(name, "").strip()
            if not value:
                continue  # a contact lacking it simply does not show it
            label = _plain(self.tr("{label}:").format(label=attribute_label(name)))
            label.setObjectName("attributeLabel")
            shown_value = _plain(value, "attributeValue")
            self._attribute_form.addRow(label, shown_value)
            self._rows.append((label, shown_value))
            shown += 1
        self.attributes.setVisible(shown > 0)

    def _show_attempts(self, attempts: Sequence[Attempt]) -> None:
        lines = []
        for a in attempts:
            local = self._local(a.at)
            when = self.tr("{date}, {time}").format(
                date=short_date(local, two_digit_day=True), time=local.strftime("%H:%M")
            )
            line = self.tr("{when} · {outcome}").format(when=when, outcome=a.label or a.outcome)
            if a.notes.strip():
                line += self.tr(" · “{note}”").format(note=a.notes.strip())
            lines.append(f"• {line}")
        self.attempts.setText("\n".join(lines))
        self.attempts_heading.setVisible(bool(lines))
        self.attempts.setVisible(bool(lines))

    def _local(self, moment: dt.datetime) -> dt.datetime:
        try:
            return moment.astimezone(ZoneInfo(self._zone))
        except (ZoneInfoNotFoundError, ValueError):
            return moment.astimezone()
