"""Calling hours in a campaign's own time zone.

Hours are "HH:MM-HH:MM" local time; "00:00-24:00" means always. A window whose end
is before its start runs past midnight ("18:00-02:00").
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def parse_hours(hours: str) -> tuple[int, int]:
    """Minutes after midnight of the window's start and end; ValueError if malformed."""
    m = _HOURS.match(hours.strip())
    if not m:
        raise ValueError(f"calling hours must look like 09:00-21:00, not {hours!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60:
        raise ValueError(f"calling hours out of range: {hours!r}")
    return start, end


def is_always(hours: str) -> bool:
    start, end = parse_hours(hours)
    return start == 0 and end == 24 * 60


def _minute_of_day(local: dt.datetime) -> int:
    return local.hour * 60 + local.minute


def is_open(hours: str, tz: str, now: dt.datetime) -> bool:
    """Whether `now` (aware) falls within the calling hours in zone `tz`."""
    start, end = parse_hours(hours)
    if start == end:
        return start == 0 and end == 24 * 60
    minute = _minute_of_day(now.astimezone(ZoneInfo(tz)))
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # window across midnight


def next_opening(hours: str, tz: str, now: dt.datetime) -> dt.datetime | None:
    """The next time calling opens (UTC), or None when open now or never closed."""
    if is_always(hours) or is_open(hours, tz, now):
        return None
    start, _ = parse_hours(hours)
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    for days in range(0, 3):
        day = local.date() + dt.timedelta(days=days)
        opening = dt.datetime.combine(
            day, dt.time(start // 60, start % 60), tzinfo=zone
        ).astimezone(dt.UTC)
        if opening > now:
            return opening
    return None  # unreachable for a well-formed window


def closes_at(hours: str, tz: str, now: dt.datetime) -> dt.datetime | None:
    """When the window open at `now` ends (UTC): a lease never runs past it.

    None when calling never closes ("00:00-24:00") or is closed at `now`.
    """
    if is_always(hours) or not is_open(hours, tz, now):
        return None
    start, end = parse_hours(hours)
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = local.date()
    if start > end and _minute_of_day(local) >= start:
        day += dt.timedelta(days=1)  # a window across midnight ends tomorrow
    if end == 24 * 60:
        day, end = day + dt.timedelta(days=1), 0
    closing = dt.datetime.combine(day, dt.time(end // 60, end % 60), tzinfo=zone)
    return closing.astimezone(dt.UTC)
