"""The app reads the fields issue 12 added: a lease's next retry, a campaign's status.

Both are optional, so an older server (without them) still works.
"""

from __future__ import annotations

import datetime as dt

import pytest

from caller_app.api import ProtocolError, parse
from caller_app.domain.models import RetryWait

EMPTY = {
    "batch_id": None,
    "campaign_id": 1,
    "lease_expires_at": None,
    "lease_expires_in_s": None,
    "contacts": [],
    "reason": "no_contacts",
    "opens_at": None,
}
CAMPAIGN = {
    "id": 1,
    "name": "N",
    "seat": "S",
    "candidate": "C",
    "timezone": "Europe/London",
    "calling_hours": "09:00-21:00",
    "calling_now": True,
    "opens_at": None,
    "target_contacts_per_hour": 20,
    "batch_size": 20,
    "max_attempts": 3,
    "lease_minutes": 45,
}


def test_an_empty_lease_carries_the_next_retry() -> None:
    lease = parse.lease({**EMPTY, "next_retry_at": "2026-11-26T19:42:00Z", "retries_waiting": 2})
    assert lease.next_retry == RetryWait(dt.datetime(2026, 11, 26, 19, 42, tzinfo=dt.UTC), 2)
    assert parse.lease(EMPTY).next_retry is None  # an older server
    assert parse.lease({**EMPTY, "next_retry_at": None, "retries_waiting": 0}).next_retry is None
    for bad in ({"retries_waiting": -1, "next_retry_at": "2026-11-26T19:42:00Z"},
                {"next_retry_at": "19:42"}, {"retries_waiting": "2"}):  # fmt: skip
        with pytest.raises(ProtocolError):
            parse.lease({**EMPTY, **bad})


def test_a_listed_campaign_carries_its_status() -> None:
    assert parse.campaign(CAMPAIGN).status == "active"  # an older server
    paused = parse.campaign({**CAMPAIGN, "status": "paused"})
    assert (paused.status, paused.can_start) == ("paused", False)
    assert parse.campaign({**CAMPAIGN, "status": "active"}).can_start
    with pytest.raises(ProtocolError):
        parse.campaign({**CAMPAIGN, "status": "sleeping"})
