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

from sqlalchemy import select
from sqlalchemy.orm import Session

from caller_server.models import ServerSetting
from caller_server.timeutil import as_utc

SETTING_NAME = "recovering_until"
DEFAULT_MINUTES = 30.0


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
