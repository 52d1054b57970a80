"""The sentence the caller screen shows when the server has no contact to give now.

"Everyone has been called" is only true when nobody waits for a retry: when some do,
the volunteer is told how many and when the first comes back, and whether calling
hours end before that ("Calling hours end at 21:00 London time"). Times are on the
campaign's clock with its zone named. Plain functions for the view model (no widget).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication

from caller_app.domain.calling_hours import CallingWindow, zone_label
from caller_app.domain.models import RetryWait
from caller_app.ui.translations import weekday_name


def at_words(moment: dt.datetime, timezone: str, now: dt.datetime) -> str:
    """ "at 19:42 London time", "tomorrow at 18:00 London time", "on Friday at ..."."""
    window = CallingWindow(False, False, None, None, timezone)
    try:
        local, today = window.local(moment), window.local(now).date()
        zone = zone_label(timezone)
    except (ValueError, KeyError):  # a zone this computer lacks: say it in ours
        local, today = moment.astimezone(), now.astimezone().date()
        zone = local.tzname() or ""
    time = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days <= 0:
        return QCoreApplication.translate("OutOfContacts", "at {time} {zone} time").format(
            time=time, zone=zone
        )
    if days == 1:
        return QCoreApplication.translate("OutOfContacts", "tomorrow at {time} {zone} time").format(
            time=time, zone=zone
        )
    return QCoreApplication.translate("OutOfContacts", "on {day} at {time} {zone} time").format(
        day=weekday_name(local), time=time, zone=zone
    )


def retry_words(retry: RetryWait, timezone: str, now: dt.datetime) -> str:
    """ "1 contact comes back for a retry at 19:42 London time." and the plural."""
    when = at_words(retry.at, timezone, now)
    if retry.count == 1:
        return QCoreApplication.translate(
            "OutOfContacts", "1 contact comes back for a retry {when}."
        ).format(when=when)
    return QCoreApplication.translate(
        "OutOfContacts", "{n} contacts wait for a retry; the first comes back {when}."
    ).format(n=retry.count, when=when)


def no_contacts_sentence(
    retry: object, window: CallingWindow | None, timezone: str, now: dt.datetime
) -> str:
    """Why the screen is empty when the server said `no_contacts`.

    `retry` is the lease's `RetryWait` (anything else: none waits); `window` the calling
    hours now (None when unknown or not checked)."""
    if not isinstance(retry, RetryWait):
        return QCoreApplication.translate(
            "OutOfContacts",
            "No more contacts for now: everyone on the list has been called. Thank you!",
        )
    closes = window.closes_at if window is not None and window.is_open else None
    if closes is not None and retry.at >= closes:
        ends = QCoreApplication.translate(
            "OutOfContacts", "Everyone has been called for tonight: calling hours end {when}."
        ).format(when=at_words(closes, timezone, now))
        return f"{ends} {retry_words(retry, timezone, now)}"
    called = QCoreApplication.translate("OutOfContacts", "Everyone has been called for now.")
    return f"{called} {retry_words(retry, timezone, now)}"
