"""What the caller screen shows between contacts, and when Dial cannot dial.

Kept apart from `caller_screen.py` so the screen only calls in here: when contacts run
out nothing of the last one may stay on screen (a stale script or a highlighted
outcome reads as "this person is still to be called").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from caller_app.ui.formatting import national_phone

if TYPE_CHECKING:
    from caller_app.ui.caller_screen import CallerScreen


def clear_screen(screen: CallerScreen) -> None:
    """Empty the card, the script and the form: no contact is being called."""
    screen.form.reset()  # no outcome chosen, no answers, no notes, no call-back picker
    screen.script.script_view.clear()
    screen.script.setCurrentIndex(0)
    card = screen.card
    for label in (card.name, card.phone, card.details, card.household, card.previous_notes):
        label.clear()
    card.household.hide()
    card.notes_heading.hide()
    card.previous_notes.hide()
    card.set_seconds(0)
    screen.contact_stack.setCurrentWidget(screen.empty)


def no_phone_app(phone: str) -> str:
    """Dial found nothing to open `tel:` links: say so, and that the number was copied."""
    return QCoreApplication.translate(
        "CallerScreen",
        "No phone app on this computer can dial, so the number {number} was copied. "
        "Dial it on your phone, or paste it into your calling app.",
    ).format(number=national_phone(phone))
