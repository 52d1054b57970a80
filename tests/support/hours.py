"""Calling hours that are certainly closed now, for tests of the closed-hours rules."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def closed_hours_now() -> str:
    """A one-hour window that is certainly not now in London."""
    hour = (dt.datetime.now(ZoneInfo("Europe/London")).hour + 2) % 24
    end = "24:00" if hour == 23 else f"{hour + 1:02d}:00"
    return f"{hour:02d}:00-{end}"
