"""Calling hours in a campaign's own time zone, as the app checks them.

The server checks hours only when it leases a batch, so a batch leased at 20:59 could
be called all night; the app checks them itself before offering each contact.

Hours are "HH:MM-HH:MM" local wall-clock time; "00:00-24:00" means always; a window
whose end is before its start runs past midnight ("18:00-02:00"); a window whose end
equals its start (other than always) never opens. A window is open at a moment when
the wall clock in the zone reads start <= time < end, the same rule as the server.
`opens_at`/`closes_at` are the first instants at which that rule changes its
answer, so they agree with `is_open` on daylight-saving days too: an opening inside
the hour skipped in spring happens at the jump itself.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAY = 24 * 60
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_SEARCH_DAYS = 3  # a window opens at least once a day: three days always find a change


def parse_hours(hours: str) -> tuple[int, int]:
    """Minutes after midnight of the window's start and end; ValueError if malformed."""
    m = _HOURS.match(hours.strip())
    if not m:
        raise ValueError(f"calling hours must look like 09:00-21:00, not {hours!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > DAY:
        raise ValueError(f"calling hours out of range: {hours!r}")
    return start, end


def is_always(hours: str) -> bool:
    return parse_hours(hours) == (0, DAY)


def _open_at_minute(start: int, end: int, minute: int) -> bool:
    if start == end:
        return False  # never open (always is 00:00-24:00, handled by the caller)
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # across midnight


def is_open(hours: str, tz: str, now: dt.datetime) -> bool:
    """Whether the aware moment `now` falls within `hours` in the IANA zone `tz`."""
    start, end = parse_hours(hours)
    if (start, end) == (0, DAY):
        return True
    local = now.astimezone(ZoneInfo(tz))
    return _open_at_minute(start, end, local.hour * 60 + local.minute)


def opens_at(hours: str, tz: str, now: dt.datetime) -> dt.datetime | None:
    """The next opening (UTC) after `now`; None when open now or never open."""
    if is_open(hours, tz, now):
        return None
    return _next_change(hours, tz, now, to_open=True)


def closes_at(hours: str, tz: str, now: dt.datetime) -> dt.datetime | None:
    """When the window open at `now` ends (UTC); None when closed now or always open."""
    if is_always(hours) or not is_open(hours, tz, now):
        return None
    return _next_change(hours, tz, now, to_open=False)


def zone_label(tz: str) -> str:
    """A friendly name for an IANA zone: "Europe/London" -> "London"."""
    return tz.rsplit("/", 1)[-1].replace("_", " ")


@dataclass(frozen=True)
class CallingWindow:
    """The state of a campaign's calling hours at one moment (all times UTC)."""

    is_open: bool
    always: bool
    opens_at: dt.datetime | None  # next opening when closed; None if it never opens
    closes_at: dt.datetime | None  # end of the current window when open and not always
    timezone: str

    @property
    def zone_label(self) -> str:
        return zone_label(self.timezone)

    def local(self, moment: dt.datetime) -> dt.datetime:
        """`moment` on the campaign's wall clock."""
        return moment.astimezone(ZoneInfo(self.timezone))


def window(hours: str, tz: str, now: dt.datetime) -> CallingWindow:
    """Everything the app says about calling hours at `now`, in one object.

    Raises ValueError for malformed hours and `ZoneInfoNotFoundError` (a KeyError) for
    an unknown zone; the caller decides whether that blocks calling.
    """
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    ZoneInfo(tz)  # an unknown zone fails here, even for "always"
    open_now = is_open(hours, tz, now)
    return CallingWindow(
        is_open=open_now,
        always=is_always(hours),
        opens_at=None if open_now else opens_at(hours, tz, now),
        closes_at=closes_at(hours, tz, now),
        timezone=tz,
    )


def _next_change(hours: str, tz: str, now: dt.datetime, *, to_open: bool) -> dt.datetime | None:
    """The first instant after `now` at which `is_open` becomes `to_open`.

    `is_open` can change only where the wall clock reaches a boundary (start or end)
    or jumps (a UTC-offset change), so those instants are the only candidates.
    """
    zone = ZoneInfo(tz)
    now_utc = now.astimezone(dt.UTC)
    start, end = parse_hours(hours)
    if start == end and (start, end) != (0, DAY):
        return None  # never open
    for moment in sorted(_candidates(zone, now_utc, (start, end))):
        if moment > now_utc and is_open(hours, tz, moment) == to_open:
            return moment
    return None


def _candidates(zone: ZoneInfo, now: dt.datetime, boundaries: tuple[int, int]) -> set[dt.datetime]:
    today = now.astimezone(zone).date()
    found: set[dt.datetime] = set()
    for offset in range(-1, _SEARCH_DAYS):
        day = today + dt.timedelta(days=offset)
        for minute in boundaries:
            # naive arithmetic: 24:00 is 00:00 of the next day
            wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
            for fold in (0, 1):
                moment = wall.replace(tzinfo=zone, fold=fold).astimezone(dt.UTC)
                # keep only real readings of the wall clock (a skipped time has none)
                if moment.astimezone(zone).replace(tzinfo=None) == wall:
                    found.add(moment)
    found.update(
        _offset_changes(zone, now - dt.timedelta(days=1), now + dt.timedelta(days=_SEARCH_DAYS))
    )
    return found


def _offset_changes(zone: ZoneInfo, since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """The instants (UTC, to the second) where the zone's UTC offset changes."""
    changes = []
    step = dt.timedelta(hours=1)
    t = since.replace(minute=0, second=0, microsecond=0)
    while t < until:
        if t.astimezone(zone).utcoffset() != (t + step).astimezone(zone).utcoffset():
            lo, hi = t, t + step  # offset(lo) != offset(hi): bisect to the second
            while hi - lo > dt.timedelta(seconds=1):
                mid = (lo + (hi - lo) / 2).replace(microsecond=0)
                if mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset():
                    lo = mid
                else:
                    hi = mid
            changes.append(hi)
        t += step
    return changes
