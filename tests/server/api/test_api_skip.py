"""Skip (issue 12): pass on a held contact without an outcome.

The contact goes back to the pool at once (not a call, attempts unchanged), is not
leased to the same volunteer again for a while, and only a contact one holds can be
skipped. A skip sent again is answered as the first time; a skip racing the end of
its lease changes nothing another volunteer holds; at most SKIPS_PER_HOUR an hour.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from caller_server.contract import SKIPS_PER_HOUR
from caller_server.models import Contact, Result, Skip
from tests.support.server import (
    Api,
    Seeded,
    db_session,
    expire_lease,
    result_payload,
    seed_campaign,
    seed_contacts,
    set_campaign_status,
)


def _ids(batch: dict) -> list[int]:
    return [c["id"] for c in batch["contacts"]]


def _skip(api: Api, batch_id: int, contact_id: int, skip_id: str | None = None):
    return api.post(
        f"/batches/{batch_id}/skip",
        json={"id": skip_id or str(uuid.uuid4()), "contact_id": contact_id},
    )


def _contact(db_url: str, contact_id: int) -> Contact:
    with db_session(db_url) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        session.expunge(contact)
        return contact


def test_a_skip_returns_the_contact_to_the_pool_without_a_call(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 2)
    batch = caller.lease(cid, 2)
    first, second = _ids(batch)

    reply = _skip(caller, batch["batch_id"], first)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"skipped": True}

    contact = _contact(seeded.db_url, first)
    assert (contact.state, contact.batch_id, contact.attempts) == ("available", None, 0)
    with db_session(seeded.db_url) as session:
        assert session.scalars(select(Result).where(Result.contact_id == first)).all() == []
    # the other contact is still ours, and a renewal no longer lists the skipped one
    renewed = caller.post(f"/batches/{batch['batch_id']}/renew").json()
    assert renewed["contact_ids"] == [second]
    # another volunteer gets it at once, as its first attempt
    taken = caller2.lease(cid, 5)
    assert [(c["id"], c["attempt"]) for c in taken["contacts"]] == [(first, 1)]
    # a result for the skipped contact under the old lease is refused
    late = caller.post("/results", json={"results": [result_payload(batch["batch_id"], first)]})
    assert late.json()["rejected"][0]["code"] == "not_leased"


def test_a_skipped_contact_is_not_handed_back_to_the_same_volunteer(
    caller: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 1)
    batch = caller.lease(cid, 1)
    (only,) = _ids(batch)
    assert _skip(caller, batch["batch_id"], only).json() == {"skipped": True}
    again = caller.lease(cid, 5)
    assert again["batch_id"] is None
    assert again["reason"] == "no_contacts"


def test_a_skip_sent_twice_counts_once(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 2)
    batch = caller.lease(cid, 2)
    first, second = _ids(batch)
    skip_id = str(uuid.uuid4())
    assert _skip(caller, batch["batch_id"], first, skip_id).json() == {"skipped": True}
    assert _skip(caller, batch["batch_id"], first, skip_id).json() == {"skipped": True}
    with db_session(seeded.db_url) as session:
        assert len(session.scalars(select(Skip).where(Skip.contact_id == first)).all()) == 1
    # the same id for another contact is a conflict, not a second skip
    reply = _skip(caller, batch["batch_id"], second, skip_id)
    assert reply.status_code == 409, reply.text
    assert reply.json()["error"]["code"] == "conflict"
    assert _contact(seeded.db_url, second).batch_id == batch["batch_id"]


def test_nobody_can_skip_a_contact_they_do_not_hold(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 2)
    mine = caller.lease(cid, 1)
    theirs = caller2.lease(cid, 1)
    (their_contact,) = _ids(theirs)
    # their batch: looks like no batch at all
    reply = _skip(caller, theirs["batch_id"], their_contact)
    assert reply.status_code == 404, reply.text
    # my batch, their contact: not in this batch
    reply = _skip(caller, mine["batch_id"], their_contact)
    assert reply.status_code == 404, reply.text
    assert reply.json()["error"]["code"] == "not_found"
    assert _contact(seeded.db_url, their_contact).batch_id == theirs["batch_id"]
    # malformed: a contact id that is not an id, a skip id that is not a UUID
    bad = caller.post(f"/batches/{mine['batch_id']}/skip", json={"id": "x", "contact_id": 1})
    assert bad.status_code == 422
    bad = caller.post(
        f"/batches/{mine['batch_id']}/skip", json={"id": str(uuid.uuid4()), "contact_id": "1"}
    )
    assert bad.status_code == 422


def test_a_skip_racing_the_end_of_its_lease_leaves_the_new_holder_alone(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 2)
    batch = caller.lease(cid, 2)
    first, second = _ids(batch)
    expire_lease(seeded.db_url, batch["batch_id"])
    taken = caller2.lease(cid, 1)
    assert _ids(taken) == [first]
    # the skip arrives after the lease went to someone else: nothing changes
    reply = _skip(caller, batch["batch_id"], first)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"skipped": False}
    assert _contact(seeded.db_url, first).batch_id == taken["batch_id"]
    # lapsed but nobody took it: it simply goes back to the pool
    assert _skip(caller, batch["batch_id"], second).json() == {"skipped": True}
    assert _contact(seeded.db_url, second).state == "available"


def test_skips_are_capped_per_hour(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url, batch_size=SKIPS_PER_HOUR + 2)
    seed_contacts(seeded.db_url, cid, SKIPS_PER_HOUR + 2)
    batch = caller.lease(cid, SKIPS_PER_HOUR + 2)
    ids = _ids(batch)
    for contact_id in ids[:SKIPS_PER_HOUR]:
        assert _skip(caller, batch["batch_id"], contact_id).status_code == 200
    reply = _skip(caller, batch["batch_id"], ids[SKIPS_PER_HOUR])
    assert reply.status_code == 429, reply.text
    assert int(reply.headers["Retry-After"]) > 0
    assert "skips in one hour" in reply.json()["error"]["message"]
    # refused: the contact is still held, and the refusal was not counted as a skip
    assert _contact(seeded.db_url, ids[SKIPS_PER_HOUR]).batch_id == batch["batch_id"]
    with db_session(seeded.db_url) as session:
        assert session.scalar(select(Skip).where(Skip.contact_id == ids[SKIPS_PER_HOUR])) is None


def test_the_lease_reply_carries_earlier_attempts(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url, max_attempts=10)
    seed_contacts(seeded.db_url, cid, 1)
    for n in range(7):
        batch = (caller if n % 2 == 0 else caller2).lease(cid, 1)
        assert batch["batch_id"] is not None, batch
        (contact_id,) = _ids(batch)
        api = caller if n % 2 == 0 else caller2
        body = result_payload(batch["batch_id"], contact_id, "not_home", notes=f"try {n + 1}")
        body["started_at"] = f"2026-11-2{n}T18:00:00+00:00"
        reply = api.post("/results", json={"results": [body]})
        assert reply.json()["accepted"], reply.text
        if n == 6:  # the last one is corrected: only the correction shows
            fix = result_payload(
                batch["batch_id"], contact_id, "busy", notes="engaged", supersedes=body["id"]
            )
            fix["started_at"] = body["started_at"]
            assert api.post("/results", json={"results": [fix]}).json()["accepted"]
        with db_session(seeded.db_url) as session:  # due again at once
            contact = session.get(Contact, contact_id)
            assert contact is not None
            contact.next_call_after = None
            session.commit()
    leased = caller.lease(cid, 1)["contacts"][0]
    attempts = leased["previous_attempts"]
    assert len(attempts) == 5  # bounded, newest first
    assert attempts[0] == {
        "outcome": "busy",
        "label": "Busy / engaged",
        "at": "2026-11-26T18:00:00Z",
        "notes": "engaged",
    }
    assert [a["notes"] for a in attempts[1:]] == ["try 6", "try 5", "try 4", "try 3"]
    assert {a["label"] for a in attempts[1:]} == {"Not home"}


def test_the_script_names_the_attributes_to_show(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(
        seeded.db_url,
        script={
            "intro": "Hello {first_name}",
            "questions": [],
            "show_attributes": ["age_band", "polling_district"],
        },
    )
    script = caller.get(f"/campaigns/{cid}/script").json()
    assert script["show_attributes"] == ["age_band", "polling_district"]
    assert caller.get(f"/campaigns/{seeded.campaign_id}/script").json()["show_attributes"] == []


def test_a_skip_in_a_paused_campaign_still_hands_the_contact_back(
    caller: Api, seeded: Seeded
) -> None:
    """Paused: the volunteer holds on to their contacts, and may still pass on one."""
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 2)
    batch = caller.lease(cid, 2)
    first, second = _ids(batch)
    set_campaign_status(seeded.db_url, cid, "paused")
    assert _skip(caller, batch["batch_id"], first).json() == {"skipped": True}
    assert _contact(seeded.db_url, first).state == "available"
    assert _contact(seeded.db_url, second).batch_id == batch["batch_id"]


def test_a_skip_after_the_campaign_closed_changes_nothing(caller: Api, seeded: Seeded) -> None:
    """The close already put every leased contact back; a skip sent late (the app was
    offline) is answered, changes nothing, and is not counted as a release twice."""
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 1)
    batch = caller.lease(cid, 1)
    (only,) = _ids(batch)
    set_campaign_status(seeded.db_url, cid, "closed")
    reply = _skip(caller, batch["batch_id"], only)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"skipped": False}
    contact = _contact(seeded.db_url, only)
    assert (contact.state, contact.batch_id, contact.attempts) == ("available", None, 0)
