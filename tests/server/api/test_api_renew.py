"""Renewing a lease (issue 10, item 1 and 9): the reply names the contacts still held,
a lapsed lease is revived only for contacts nobody else leased since, and neither a
lease nor a renewal runs past the end of tonight's calling hours."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from caller_server.models import Batch, Campaign, Contact, Suppression
from tests.support.hours import closed_hours_now
from tests.support.server import (
    Api,
    Seeded,
    db_session,
    expire_lease,
    result_payload,
    seed_campaign,
    seed_contacts,
)


def _ids(batch: dict) -> list[int]:
    return [c["id"] for c in batch["contacts"]]


def _renew(api: Api, batch_id: int) -> dict:
    reply = api.post(f"/batches/{batch_id}/renew")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {
        "batch_id", "lease_expires_at", "lease_expires_in_s", "contact_ids", "recovering_until",
        "campaign_status",
    }  # fmt: skip
    assert body["recovering_until"] is None  # no restore in these tests
    assert body["campaign_status"] == "active"
    return body


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _closing_in(minutes: int) -> str:
    """UTC calling hours that opened two hours ago and close `minutes` from now."""
    now = dt.datetime.now(dt.UTC)
    start, end = now - dt.timedelta(hours=2), now + dt.timedelta(minutes=minutes)
    return f"{start:%H:%M}-{end:%H:%M}"


def test_renew_after_the_contacts_went_elsewhere_holds_none(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    """The reviewer's case: 200 although every contact had been re-leased."""
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 3)
    batch = caller.lease(cid, 3)
    expire_lease(seeded.db_url, batch["batch_id"])
    taken = caller2.lease(cid, 3)
    assert sorted(_ids(taken)) == sorted(_ids(batch))
    body = _renew(caller, batch["batch_id"])
    assert body["contact_ids"] == []
    # Nothing was taken back from the other volunteer.
    assert sorted(_ids(caller2.get(f"/batches/{taken['batch_id']}").json())) == sorted(_ids(batch))


def test_renew_revives_a_lapsed_lease_for_contacts_still_free(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 3)
    batch = caller.lease(cid, 3)
    done, stolen, kept = _ids(batch)
    reply = caller.post(
        "/results", json={"results": [result_payload(batch["batch_id"], done, "answered")]}
    )
    assert reply.json()["accepted"]
    expire_lease(seeded.db_url, batch["batch_id"])
    assert _ids(caller2.lease(cid, 1)) == [stolen]
    body = _renew(caller, batch["batch_id"])
    assert body["contact_ids"] == [kept]
    assert 44 * 60 < body["lease_expires_in_s"] <= 45 * 60
    expires = _ts(body["lease_expires_at"])
    with db_session(seeded.db_url) as s:
        row = s.get(Contact, kept)
        assert (row.batch_id, row.state) == (batch["batch_id"], "leased")
        assert row.lease_expires_at.replace(tzinfo=dt.UTC) == expires
        assert s.get(Contact, stolen).batch_id != batch["batch_id"]
    assert caller2.lease(cid, 3)["reason"] == "no_contacts"  # the revived one is held
    assert _ids(caller.get(f"/batches/{batch['batch_id']}").json()) == [kept]


def test_renew_lets_go_of_suppressed_contacts(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 2)
    gone, kept = _ids(batch)
    with db_session(seeded.db_url) as s:
        s.add(Suppression(phone=s.get(Contact, gone).phone, campaign_id=None, reason="cli"))
        s.commit()
    assert _renew(caller, batch["batch_id"])["contact_ids"] == [kept]
    with db_session(seeded.db_url) as s:
        assert s.get(Contact, gone).batch_id is None


def test_lease_and_renew_stop_at_the_end_of_calling_hours(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url, timezone="UTC", calling_hours=_closing_in(20))
    seed_contacts(seeded.db_url, cid, 2)
    batch = caller.lease(cid, 2)
    assert 17 * 60 < batch["lease_expires_in_s"] <= 20 * 60  # not the 45 minutes
    closes = _ts(batch["lease_expires_at"])
    assert closes <= dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)
    body = _renew(caller, batch["batch_id"])
    assert _ts(body["lease_expires_at"]) == closes
    assert sorted(body["contact_ids"]) == sorted(_ids(batch))


def test_renew_outside_calling_hours_does_not_extend(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 2)
    batch = caller.lease(cid, 2)
    expire_lease(seeded.db_url, batch["batch_id"], ago=dt.timedelta(minutes=-5))
    with db_session(seeded.db_url) as s:
        s.execute(
            update(Campaign).where(Campaign.id == cid).values(calling_hours=closed_hours_now())
        )
        s.commit()
        before = s.get(Batch, batch["batch_id"]).expires_at.replace(tzinfo=dt.UTC)
    body = _renew(caller, batch["batch_id"])  # never refused, just not extended
    assert body["lease_expires_in_s"] <= 5 * 60
    assert abs(_ts(body["lease_expires_at"]) - before) < dt.timedelta(seconds=1)
    assert sorted(body["contact_ids"]) == sorted(_ids(batch))
    with db_session(seeded.db_url) as s:
        for row in s.scalars(select(Contact).where(Contact.id.in_(_ids(batch)))):
            assert abs(row.lease_expires_at.replace(tzinfo=dt.UTC) - before) < dt.timedelta(
                seconds=1
            )


def test_renew_of_a_released_batch_is_a_conflict(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    assert caller.post(f"/batches/{batch['batch_id']}/release").json() == {"released": 1}
    reply = caller.post(f"/batches/{batch['batch_id']}/renew")
    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "conflict"
