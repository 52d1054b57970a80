"""After a restore from backup (`caller-server restored`): no new leases for a while,
so that the apps send back the results the backup lacks before anyone is handed those
people again; renewals and uploads carry on meanwhile."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from caller_server.models import Contact
from caller_server.timeutil import as_utc
from tests.support.cli import cli
from tests.support.server import (
    Api,
    Seeded,
    db_session,
    expire_lease,
    result_payload,
    seed_campaign,
    seed_contacts,
)


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_restored_pauses_leasing_but_not_uploads(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 6)
    held = caller.lease(cid, 3)
    assert held["batch_id"] is not None

    proc = cli(seeded.db_url, "restored", "--minutes", "0.05")  # three seconds
    assert proc.returncode == 0, proc.stderr
    assert "no contacts will be leased until" in proc.stdout

    paused = caller.lease(cid, 3)
    assert paused["batch_id"] is None
    assert paused["contacts"] == []
    assert paused["reason"] == "recovering"
    opens = _ts(paused["opens_at"])
    assert dt.datetime.now(dt.UTC) < opens <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)

    # The volunteer keeps working what they hold: renew and upload both go through.
    renewed = caller.post(f"/batches/{held['batch_id']}/renew").json()
    assert sorted(renewed["contact_ids"]) == sorted(c["id"] for c in held["contacts"])
    assert _ts(renewed["recovering_until"]) == opens  # so apps that lease nothing hear it
    first = held["contacts"][0]
    body = result_payload(held["batch_id"], first["id"], "not_home")
    reply = caller.post("/results", json={"results": [body]}).json()
    assert reply["accepted"] == [body["id"]]

    time.sleep(max(0.0, (opens - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    assert caller.post(f"/batches/{held['batch_id']}/renew").json()["recovering_until"] is None
    resumed = caller.lease(cid, 3)
    assert resumed["reason"] is None
    assert len(resumed["contacts"]) == 3


def test_restored_refuses_a_silly_window(seeded: Seeded) -> None:
    for minutes in ("0", "-5", "2000", "soon"):
        proc = cli(seeded.db_url, "restored", "--minutes", minutes)
        assert proc.returncode == 2, (minutes, proc.stdout)
        assert "minutes must be above 0" in proc.stderr


def test_the_default_window_outlasts_the_longest_lease(seeded: Seeded) -> None:
    """Every lease the backup forgot ends inside the window, even an app's that is not
    running to hear of it: so nobody it may still be calling goes to a second volunteer."""
    seed_campaign(seeded.db_url, lease_minutes=55)  # longer than the 30-minute default
    before = dt.datetime.now(dt.UTC)
    proc = cli(seeded.db_url, "restored")
    try:
        assert proc.returncode == 0, proc.stderr
        assert "warning" not in proc.stderr
        until = dt.datetime.strptime(proc.stdout.split("until ")[1][:8], "%H:%M:%S").time()
        opened = dt.datetime.combine(before.date(), until, tzinfo=dt.UTC)
        if opened < before:
            opened += dt.timedelta(days=1)  # past midnight UTC
        assert dt.timedelta(minutes=55) < opened - before <= dt.timedelta(minutes=57)
    finally:  # the shared database leases again for the tests after this one
        assert cli(seeded.db_url, "restored", "--minutes", "0.01").returncode == 0
        time.sleep(1)


def test_a_window_shorter_than_a_lease_is_warned_about(seeded: Seeded) -> None:
    seed_campaign(seeded.db_url, lease_minutes=45)
    proc = cli(seeded.db_url, "restored", "--minutes", "0.01")
    time.sleep(1)
    assert proc.returncode == 0, proc.stderr
    assert "warning: 0.01 minutes is shorter than the longest lease" in proc.stderr


def test_a_lease_that_lapsed_is_not_revived_until_the_window_closes(
    caller: Api, seeded: Seeded
) -> None:
    """The backup may have forgotten that someone else was handed these people after
    the lease lapsed, and they may still be calling them: neither a renewal nor an
    upload's renewal brings the lapsed lease back while the server is recovering."""
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 3)
    held = caller.lease(cid, 3)
    batch_id, ids = held["batch_id"], sorted(c["id"] for c in held["contacts"])
    expire_lease(seeded.db_url, batch_id)  # the laptop slept past it
    proc = cli(seeded.db_url, "restored", "--minutes", "0.05")  # three seconds
    assert proc.returncode == 0, proc.stderr
    opens = _ts(caller.post(f"/batches/{batch_id}/renew").json()["recovering_until"])

    renewed = caller.post(f"/batches/{batch_id}/renew").json()
    assert renewed["contact_ids"] == []
    body = result_payload(batch_id, ids[0], "not_home")  # called before the lid closed
    reply = caller.post("/results", json={"results": [body]}).json()
    assert reply["accepted"] == [body["id"]]
    with db_session(seeded.db_url) as s:
        leases = s.scalars(select(Contact.lease_expires_at).where(Contact.id.in_(ids[1:])))
        assert all(as_utc(at) < dt.datetime.now(dt.UTC) for at in leases)  # still lapsed

    time.sleep(max(0.0, (opens - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    revived = caller.post(f"/batches/{batch_id}/renew").json()  # nobody took them since
    assert revived["recovering_until"] is None
    assert revived["contact_ids"] == ids[1:]


def test_a_lease_still_running_is_renewed_through_the_window(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 2)
    held = caller.lease(cid, 2)
    assert cli(seeded.db_url, "restored", "--minutes", "0.05").returncode == 0
    renewed = caller.post(f"/batches/{held['batch_id']}/renew").json()
    assert renewed["recovering_until"] is not None
    assert sorted(renewed["contact_ids"]) == sorted(c["id"] for c in held["contacts"])
    time.sleep(3.2)  # the shared database leases again for the tests after this one
