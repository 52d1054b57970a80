"""The recovery window after a restore from backup.

A restored database has forgotten the calls made since the backup: those contacts
look fresh again, while the volunteers' apps still hold their results. For a while
after `caller-server restored` no new contacts are leased (the reply's reason is
`recovering`, with `opens_at`); the apps, told so, check which of their results the
server lacks and send them again, so the forgotten calls are back before anybody is
handed those people a second time. Uploads, renewals and releases carry on as usual.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caller_server.models import Campaign, ServerSetting
from caller_server.timeutil import as_utc

SETTING_NAME = "recovering_until"
DEFAULT_MINUTES = 30.0
CLOCK_MARGIN_MINUTES = 1.0  # volunteers' clocks may run a little behind the server's


def shortest_safe_minutes(session: Session) -> float:
    """The shortest window that closes the restore edge: the longest lease, plus a margin.

    The backup forgot the leases granted after it was taken; every one of them ends
    within `lease_minutes` of the restore (a renewal before the restore only moved its
    end up to that). While the window is open nobody is leased anything, so a window at
    least this long means no contact the backup forgot is handed to a second volunteer
    while the first may still be calling it, even if the first app is not running.
    """
    longest = session.scalar(select(func.max(Campaign.lease_minutes))) or 0
    return float(longest) + CLOCK_MARGIN_MINUTES


def default_minutes(session: Session) -> float:
    """Half an hour for the apps to come back online, and never less than safe."""
    return max(DEFAULT_MINUTES, shortest_safe_minutes(session))


def start(session: Session, now: dt.datetime, minutes: float = DEFAULT_MINUTES) -> dt.datetime:
    """Open a recovery window of `minutes` from `now` (caller commits); returns its end."""
    until = now + dt.timedelta(minutes=minutes)
    setting = session.get(ServerSetting, SETTING_NAME)
    if setting is None:
        session.add(ServerSetting(key=SETTING_NAME, value=until.isoformat()))
    else:
        setting.value = until.isoformat()
    session.flush()
    return until


def until(session: Session, now: dt.datetime) -> dt.datetime | None:
    """The end of the recovery window while one is open, else None."""
    value = session.scalar(select(ServerSetting.value).where(ServerSetting.key == SETTING_NAME))
    if value is None:
        return None
    end = as_utc(dt.datetime.fromisoformat(value))
    return end if end > now else None
