"""Call-back times: the quick choices a volunteer is offered, and which times are refused.

Everything is on the campaign's own wall clock (its IANA zone), because "this evening"
means the contact's evening, not the volunteer's laptop's. "Evening" is taken from
the campaign's calling hours: 19:00 (when most people are home) moved inside the
window, so a call-back is never booked for a time nobody may call. A time is refused
when it is past, outside calling hours, or absurdly far ahead; the reason comes back
as a value and the UI turns it into a sentence.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from caller_app.domain import calling_hours

EVENING = 19 * 60  # minutes after midnight: when most people are home
LAST_SLOT = 30  # minutes before the window closes: the latest evening we book
IN_AN_HOUR = dt.timedelta(hours=1)
ROUND_TO_MINUTES = 5  # "in 1 hour" lands on a round time (14:35, not 14:33:17)
FURTHEST = dt.timedelta(days=90)  # further than this is surely a slip of the finger


class QuickChoice(enum.Enum):
    IN_AN_HOUR = "in_an_hour"
    THIS_EVENING = "this_evening"
    TOMORROW_EVENING = "tomorrow_evening"


class Refusal(enum.Enum):
    PAST = "past"
    OUTSIDE_HOURS = "outside_hours"
    TOO_FAR = "too_far"


@dataclass(frozen=True)
class Offer:
    """One quick choice: its time (UTC), or None with the reason it cannot be offered."""

    choice: QuickChoice
    at: dt.datetime | None
    refusal: Refusal | None = None


def evening_minute(hours: str) -> int:
    """The evening time (minutes after midnight) for a window: 19:00 moved inside it.

    A window that closes before 19:30 gets its last half hour (or its start, if it is
    shorter); one that opens after 19:00 gets its opening time."""
    start, end = calling_hours.parse_hours(hours)
    if (start, end) == (0, calling_hours.DAY) or start == end:
        return EVENING
    if start < end:
        return min(max(EVENING, start), max(start, end - LAST_SLOT))
    return EVENING if start <= EVENING else start  # across midnight ("18:00-02:00")


def local_time(day: dt.date, minute: int, tz: str) -> dt.datetime:
    """`day` at `minute` on the zone's wall clock, as UTC. A wall time skipped by a
    spring-forward change reads as the clock would have had it not jumped (01:30 on
    the London spring day is 02:30 BST); a repeated one is its first occurrence."""
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return wall.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def refusal(when: dt.datetime, hours: str, tz: str, now: dt.datetime) -> Refusal | None:
    """Why `when` cannot be a call-back time, or None when it can."""
    if when.tzinfo is None or now.tzinfo is None:
        raise ValueError("times must carry a time zone")
    if when <= now:
        return Refusal.PAST
    if when - now > FURTHEST:
        return Refusal.TOO_FAR
    if not calling_hours.is_open(hours, tz, when):
        return Refusal.OUTSIDE_HOURS
    return None


def _in_an_hour(now: dt.datetime) -> dt.datetime:
    later = (now + IN_AN_HOUR).astimezone(dt.UTC).replace(second=0, microsecond=0)
    extra = -later.minute % ROUND_TO_MINUTES
    if extra == 0 and later < now + IN_AN_HOUR:
        extra = ROUND_TO_MINUTES
    return later + dt.timedelta(minutes=extra)


def quick_choices(hours: str, tz: str, now: dt.datetime) -> list[Offer]:
    """The quick choices at `now`, in the order shown; each refused one says why."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    minute = evening_minute(hours)
    times = {
        QuickChoice.IN_AN_HOUR: _in_an_hour(now),
        QuickChoice.THIS_EVENING: local_time(today, minute, tz),
        QuickChoice.TOMORROW_EVENING: local_time(today + dt.timedelta(days=1), minute, tz),
    }
    offers = []
    for choice, at in times.items():
        why = refusal(at, hours, tz, now)
        offers.append(Offer(choice, None if why else at, why))
    return offers


def _english_weekday(day: dt.date) -> str:
    return day.strftime("%a")


def _english_month(day: dt.date) -> str:
    return day.strftime("%b")


def describe(
    when: dt.datetime,
    tz: str,
    now: dt.datetime,
    *,
    weekday: Callable[[dt.date], str] = _english_weekday,
    month: Callable[[dt.date], str] = _english_month,
) -> str:
    """`when` on the campaign's clock: "Thu 19:30", with the date when a week or more
    away ("Thu 10 Dec 19:30"). The UI adds the zone's name, and passes `weekday` and
    `month` to name them in the volunteer's language (this layer has no translator)."""
    local = when.astimezone(ZoneInfo(tz))
    days = (local.date() - now.astimezone(ZoneInfo(tz)).date()).days
    time = local.strftime("%H:%M")
    if 0 <= days < 7:
        return f"{weekday(local)} {time}"
    return f"{weekday(local)} {local.day} {month(local)} {time}"
