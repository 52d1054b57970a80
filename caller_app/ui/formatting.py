"""Small text helpers the widgets share: phone numbers, durations, counts."""

from __future__ import annotations

import phonenumbers


def national_phone(e164: str) -> str:
    """`+442079460123` -> `020 7946 0123`; an unparsable number is shown as it came."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def clock(seconds: int) -> str:
    """A call timer: `m:ss` (`h:mm:ss` from an hour on)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


# Before this much calling time a rate is noise ("520 calls/hour" after 69 s).
RATE_AFTER_S = 300


def per_hour(count: int, elapsed_s: float) -> str:
    """Calls per hour once five minutes have passed; a dash before (no wild early numbers)."""
    if elapsed_s < RATE_AFTER_S:
        return "–"
    return f"{count * 3600 / elapsed_s:.0f}"
