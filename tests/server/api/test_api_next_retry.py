"""An empty lease says when the next retry comes back (`next_retry_at`, `retries_waiting`).

So the app can tell "everyone has been called" from "2 contacts come back at 19:42"
(issue 12). Runs on SQLite and on PostgreSQL through the shared server fixtures.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from caller_server import calling_hours
from tests.support.server import Api, Seeded, result_payload, seed_campaign, seed_contacts

LONDON = ZoneInfo("Europe/London")


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _post(api: Api, *results: dict) -> None:
    reply = api.post("/results", json={"results": list(results)})
    assert reply.status_code == 200, reply.text
    assert len(reply.json()["accepted"]) == len(results), reply.text


def test_empty_lease_names_the_first_retry_and_counts_those_waiting(
    caller: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 4)
    batch = caller.lease(cid, 10)
    bid, contacts = batch["batch_id"], batch["contacts"]
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=30)
    _post(
        caller,
        result_payload(bid, contacts[0]["id"], "answered"),
        result_payload(bid, contacts[1]["id"], "refused"),
        result_payload(bid, contacts[2]["id"], "not_home"),  # back in 4 hours
        result_payload(bid, contacts[3]["id"], "call_back", callback_at=soon.isoformat()),
    )
    empty = caller.lease(cid, 10)
    assert empty["batch_id"] is None
    assert empty["reason"] == "no_contacts"
    assert empty["retries_waiting"] == 2
    assert _ts(empty["next_retry_at"]) == soon  # the call-back comes first


def test_everyone_called_means_no_retry(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 2)
    batch = caller.lease(cid, 10)
    _post(caller, *(result_payload(batch["batch_id"], c["id"]) for c in batch["contacts"]))
    empty = caller.lease(cid, 10)
    assert (empty["reason"], empty["next_retry_at"], empty["retries_waiting"]) == (
        "no_contacts",
        None,
        0,
    )


def test_a_retry_outside_calling_hours_comes_back_when_they_open(
    caller: Api, seeded: Seeded
) -> None:
    now = dt.datetime.now(LONDON)
    start = (now - dt.timedelta(hours=1)).strftime("%H:00")
    end = (now + dt.timedelta(hours=2)).strftime("%H:00")
    hours = f"{start}-{end}"  # open now (across midnight where it must be)
    cid = seed_campaign(seeded.db_url, calling_hours=hours)
    seed_contacts(seeded.db_url, cid, 1)
    batch = caller.lease(cid, 10)
    assert batch["batch_id"] is not None, batch
    asked = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)).replace(microsecond=0)
    _post(
        caller,
        result_payload(
            batch["batch_id"],
            batch["contacts"][0]["id"],
            "call_back",
            callback_at=asked.isoformat(),
        ),
    )
    empty = caller.lease(cid, 10)
    assert empty["reason"] == "no_contacts"
    assert empty["retries_waiting"] == 1
    expected = calling_hours.next_opening(hours, "Europe/London", asked)
    assert expected is not None
    assert _ts(empty["next_retry_at"]) == expected
