"""Leasing rules, renew, release and batch ownership, over real HTTP."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from caller_server.models import Batch, Contact, Suppression
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


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ids(batch: dict) -> list[int]:
    return [c["id"] for c in batch["contacts"]]


def _post(api: Api, *results: dict) -> dict:
    reply = api.post("/results", json={"results": list(results)})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_lease_shape_and_no_overlap(caller: Api, caller2: Api, seeded: Seeded) -> None:
    b1 = caller.lease(seeded.campaign_id, 4)
    b2 = caller2.lease(seeded.campaign_id, 4)
    assert b1["reason"] is None
    assert b1["opens_at"] is None
    assert b1["campaign_id"] == seeded.campaign_id
    assert _ts(b1["lease_expires_at"]) > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=40)
    contact = b1["contacts"][0]
    assert set(contact) == {
        "id",
        "first_name",
        "last_name",
        "phone",
        "ward",
        "attempt",
        "previous_notes",
        "previous_attempts",
        "attributes",
        "lease_proof",
        "household_size",
        "same_number",
    }
    assert 40 * 60 < b1["lease_expires_in_s"] <= 45 * 60
    assert len(contact["lease_proof"]) == 32
    assert contact["phone"].startswith("+44")
    assert contact["attempt"] == 1
    assert contact["previous_attempts"] == []
    assert contact["attributes"] == {"age_band": "30-45"}
    assert len(b1["contacts"]) == 4
    assert len(b2["contacts"]) == 4
    assert not set(_ids(b1)) & set(_ids(b2))
    # Only two left for anyone.
    assert len(caller.lease(seeded.campaign_id, 10)["contacts"]) == 2
    empty = caller2.lease(seeded.campaign_id, 10)
    assert empty["batch_id"] is None
    assert empty["contacts"] == []
    assert empty["reason"] == "no_contacts"


def test_same_request_id_returns_the_same_batch(caller: Api, caller2: Api, seeded: Seeded) -> None:
    request_id = str(uuid.uuid4())
    first = caller.lease(seeded.campaign_id, 3, request_id)
    again = caller.lease(seeded.campaign_id, 3, request_id)
    assert again["batch_id"] == first["batch_id"]
    assert _ids(again) == _ids(first)
    # The same request id from someone else is their own request.
    other = caller2.lease(seeded.campaign_id, 3, request_id)
    assert other["batch_id"] != first["batch_id"]
    assert not set(_ids(other)) & set(_ids(first))


def test_size_is_capped_at_50(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url, max_held_contacts=100)
    seed_contacts(seeded.db_url, cid, 60)
    assert len(caller.lease(cid, 50)["contacts"]) == 50
    for size in (51, 0, -1):
        reply = caller.post(
            f"/campaigns/{cid}/batches", json={"size": size, "request_id": str(uuid.uuid4())}
        )
        assert reply.status_code == 422
        assert reply.json()["error"]["code"] == "validation_error"


def test_done_and_retry_later_contacts_are_not_leased(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 10)
    contacts = batch["contacts"]
    bid = batch["batch_id"]
    outcomes = ["answered", "not_home", "busy", "voicemail", "refused", "moved", "deceased"]
    results = [result_payload(bid, c["id"], o) for c, o in zip(contacts, outcomes, strict=False)]
    callback = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    results.append(result_payload(bid, contacts[7]["id"], "call_back", callback_at=callback))
    assert len(_post(caller, *results)["accepted"]) == 8
    released = caller.post(f"/batches/{bid}/release", json={}).json()["released"]
    assert released == 2
    again = caller.lease(seeded.campaign_id, 10)
    assert sorted(_ids(again)) == sorted(c["id"] for c in contacts[8:])
    with db_session(seeded.db_url) as s:
        rows = {
            c.id: c
            for c in s.scalars(select(Contact).where(Contact.campaign_id == seeded.campaign_id))
        }
        now = dt.datetime.now(dt.UTC)
        for contact, outcome in zip(contacts, outcomes, strict=False):
            row = rows[contact["id"]]
            assert row.attempts == 1
            assert row.state == (
                "available" if outcome in ("not_home", "busy", "voicemail") else "done"
            )
        hours = {"not_home": 4, "busy": 1, "voicemail": 24}
        for contact, outcome in zip(contacts[1:4], outcomes[1:4], strict=True):
            due = rows[contact["id"]].next_call_after.replace(tzinfo=dt.UTC)
            assert abs(due - (now + dt.timedelta(hours=hours[outcome]))) < dt.timedelta(minutes=5)
        due = rows[contacts[7]["id"]].next_call_after.replace(tzinfo=dt.UTC)
        assert due == _ts(callback)


def test_suppressed_numbers_are_not_leased(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 2)
    wrong, dnc = batch["contacts"]
    _post(
        caller,
        result_payload(batch["batch_id"], wrong["id"], "wrong_number"),
        result_payload(batch["batch_id"], dnc["id"], "do_not_call"),
    )
    # A second campaign with the same two numbers: only the wrong number may be called there.
    other = seed_campaign(seeded.db_url)
    with db_session(seeded.db_url) as s:
        phones = {
            c.id: c.phone
            for c in s.scalars(select(Contact).where(Contact.id.in_([wrong["id"], dnc["id"]])))
        }
        sup = {
            (x.phone, x.campaign_id)
            for x in s.scalars(select(Suppression).where(Suppression.phone.in_(phones.values())))
        }
        assert sup == {(phones[wrong["id"]], seeded.campaign_id), (phones[dnc["id"]], None)}
        s.add_all(
            [
                Contact(campaign_id=other, first_name="Ada", last_name="Rook", phone=p)
                for p in phones.values()
            ]
        )
        s.commit()
    leased = caller.lease(other, 10)
    assert [c["phone"] for c in leased["contacts"]] == [phones[wrong["id"]]]


def test_outside_calling_hours_gives_an_empty_batch(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url, calling_hours=closed_hours_now())
    seed_contacts(seeded.db_url, cid, 3)
    batch = caller.lease(cid, 3)
    assert batch["batch_id"] is None
    assert batch["contacts"] == []
    assert batch["reason"] == "outside_calling_hours"
    assert _ts(batch["opens_at"]) > dt.datetime.now(dt.UTC)


def test_renew_extends_the_lease(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 2)
    expire_lease(seeded.db_url, batch["batch_id"], ago=dt.timedelta(minutes=-5))  # 5 min left
    reply = caller.post(f"/batches/{batch['batch_id']}/renew")
    assert reply.status_code == 200
    renewed = _ts(reply.json()["lease_expires_at"])
    assert renewed > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=40)
    with db_session(seeded.db_url) as s:
        for c in s.scalars(select(Contact).where(Contact.id.in_(_ids(batch)))):
            assert c.lease_expires_at.replace(tzinfo=dt.UTC) == renewed


def test_release_returns_contacts_without_result(caller: Api, caller2: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 10)
    bid, ids = batch["batch_id"], _ids(batch)
    _post(caller, result_payload(bid, ids[0], "not_home"))
    reply = caller.post(f"/batches/{bid}/release", json={"contact_ids": ids[1:3]})
    assert reply.json() == {"released": 2}
    assert sorted(_ids(caller.get(f"/batches/{bid}").json())) == sorted(ids[3:])
    assert sorted(_ids(caller2.lease(seeded.campaign_id, 10))) == sorted(ids[1:3])
    assert caller.post(f"/batches/{bid}/release").json() == {"released": 7}
    assert caller.get(f"/batches/{bid}").json()["contacts"] == []
    with db_session(seeded.db_url) as s:
        assert s.get(Batch, bid).released_at is not None


def test_expired_lease_can_be_leased_again(caller: Api, caller2: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 10)
    assert caller2.lease(seeded.campaign_id, 10)["contacts"] == []
    expire_lease(seeded.db_url, batch["batch_id"])
    again = caller2.lease(seeded.campaign_id, 10)
    assert sorted(_ids(again)) == sorted(_ids(batch))
    assert caller.get(f"/batches/{batch['batch_id']}").json()["contacts"] == []


def test_another_volunteers_batch_is_not_found(caller: Api, caller2: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 3)
    bid = batch["batch_id"]
    for method, path in (
        ("GET", f"/batches/{bid}"),
        ("POST", f"/batches/{bid}/renew"),
        ("POST", f"/batches/{bid}/release"),
        ("GET", "/batches/99999999"),
    ):
        reply = caller2.request(method, path)
        assert reply.status_code == 404, (method, path)
        assert reply.json()["error"]["code"] == "not_found"
    reply = _post(caller2, *(result_payload(bid, cid) for cid in _ids(batch)))
    assert reply["accepted"] == []
    assert {r["code"] for r in reply["rejected"]} == {"not_leased"}
    # Nothing changed: the batch is still whole and leased to its owner.
    assert _ids(caller.get(f"/batches/{bid}").json()) == _ids(batch)
    with db_session(seeded.db_url) as s:
        assert s.get(Batch, bid).released_at is None
        assert all(
            c.attempts == 0 for c in s.scalars(select(Contact).where(Contact.id.in_(_ids(batch))))
        )


def test_previous_notes_and_attempt_come_with_a_retry(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    contact = batch["contacts"][0]
    _post(caller, result_payload(batch["batch_id"], contact["id"], "busy", notes="Try later"))
    with db_session(seeded.db_url) as s:
        s.get(Contact, contact["id"]).next_call_after = None
        s.commit()
    again = caller.lease(seeded.campaign_id, 1)
    assert again["contacts"][0]["id"] == contact["id"]
    assert again["contacts"][0]["attempt"] == 2
    assert again["contacts"][0]["previous_notes"] == ["Try later"]
