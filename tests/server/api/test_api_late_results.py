"""Late, released, corrected and restored results (issue 10, items 2, 7, 8, 9, 11).

Late results never change someone else's work; a result for a released contact is
refused; each result is corrected at most once and counted once; a server restored
from a backup takes back results that carry a valid lease proof.
"""

from __future__ import annotations

import csv
import io
import threading
import uuid

from sqlalchemy import delete, select, update

from caller_server.models import Batch, BatchContact, Campaign, Contact, Result, Suppression
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


def _post(api: Api, *results: dict) -> dict:
    reply = api.post("/results", json={"results": list(results)})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _codes(reply: dict) -> dict[str, str]:
    return {r["id"]: r["code"] for r in reply["rejected"]}


def _one_contact(seeded: Seeded, **campaign: object) -> tuple[int, int]:
    cid = seed_campaign(seeded.db_url, **campaign)
    return cid, seed_contacts(seeded.db_url, cid, 1)[0]


def _contact(db_url: str, contact_id: int) -> Contact:
    with db_session(db_url) as s:
        row = s.get(Contact, contact_id)
        s.expunge(row)
        return row


def _result(db_url: str, result_id: str) -> Result:
    with db_session(db_url) as s:
        row = s.get(Result, result_id)
        s.expunge(row)
        return row


def _handed_over(caller: Api, caller2: Api, seeded: Seeded) -> tuple[int, int, dict, dict]:
    """V's lease lapses and W leases the same contact: (campaign, contact, V's, W's)."""
    cid, contact = _one_contact(seeded)
    mine = caller.lease(cid, 1)
    expire_lease(seeded.db_url, mine["batch_id"])
    theirs = caller2.lease(cid, 1)
    assert [c["id"] for c in theirs["contacts"]] == [contact]
    return cid, contact, mine, theirs


def test_a_late_result_never_reopens_a_done_contact(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    """The reviewer's case: W records `refused`, V's late `busy` made it available."""
    cid, contact, mine, theirs = _handed_over(caller, caller2, seeded)
    refused = result_payload(theirs["batch_id"], contact, "refused")
    assert _post(caller2, refused)["accepted"] == [refused["id"]]
    busy = result_payload(mine["batch_id"], contact, "busy")
    assert _post(caller, busy)["accepted"] == [busy["id"]]  # kept, and counted
    row = _contact(seeded.db_url, contact)
    assert (row.state, row.attempts, row.last_result_id) == ("done", 1, refused["id"])
    assert row.next_call_after is None
    assert _result(seeded.db_url, busy["id"]).late is True
    progress = caller.get(f"/campaigns/{cid}/progress").json()
    assert progress["team"]["calls"] == 2  # a late result still counts as a call
    assert caller2.lease(cid, 1)["reason"] == "no_contacts"


def test_a_late_result_leaves_another_volunteers_lease_alone(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    _cid, contact, mine, theirs = _handed_over(caller, caller2, seeded)
    for lapsed in (False, True):  # W's lease live, then lapsed: W still holds it
        if lapsed:
            expire_lease(seeded.db_url, theirs["batch_id"])
        late = result_payload(mine["batch_id"], contact, "busy")
        assert _post(caller, late)["accepted"] == [late["id"]]
        row = _contact(seeded.db_url, contact)
        assert (row.batch_id, row.state, row.attempts) == (theirs["batch_id"], "leased", 0)
        assert row.next_call_after is None
    # W's own result still moves it.
    assert _post(caller2, result_payload(theirs["batch_id"], contact, "answered"))["accepted"]
    assert _contact(seeded.db_url, contact).state == "done"


def test_a_late_result_moves_a_contact_nobody_touched(caller: Api, seeded: Seeded) -> None:
    cid, contact = _one_contact(seeded)
    batch = caller.lease(cid, 1)
    expire_lease(seeded.db_url, batch["batch_id"])
    busy = result_payload(batch["batch_id"], contact, "busy")
    assert _post(caller, busy)["accepted"] == [busy["id"]]
    row = _contact(seeded.db_url, contact)
    assert (row.state, row.attempts, row.batch_id) == ("available", 1, None)
    assert row.next_call_after is not None
    assert _result(seeded.db_url, busy["id"]).late is True


def test_only_a_correction_of_the_finishing_result_reopens_a_contact(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    cid, contact = _one_contact(seeded)
    batch = caller.lease(cid, 1)
    answered = result_payload(batch["batch_id"], contact, "answered")
    _post(caller, answered)
    fixed = result_payload(batch["batch_id"], contact, "busy", supersedes=answered["id"])
    assert _post(caller, fixed)["accepted"] == [fixed["id"]]
    row = _contact(seeded.db_url, contact)
    assert (row.state, row.attempts, row.last_result_id) == ("available", 1, fixed["id"])
    # W finishes it; V correcting V's own older result no longer reopens it.
    with db_session(seeded.db_url) as s:
        s.get(Contact, contact).next_call_after = None
        s.commit()
    theirs = caller2.lease(cid, 1)
    refused = result_payload(theirs["batch_id"], contact, "refused")
    _post(caller2, refused)
    again = result_payload(batch["batch_id"], contact, "not_home", supersedes=fixed["id"])
    assert _post(caller, again)["accepted"] == [again["id"]]
    row = _contact(seeded.db_url, contact)
    assert (row.state, row.last_result_id) == ("done", refused["id"])


def test_a_result_is_corrected_once_and_counted_once(
    caller: Api, organiser: Api, seeded: Seeded
) -> None:
    cid, contact = _one_contact(seeded)
    batch = caller.lease(cid, 1)
    first = result_payload(batch["batch_id"], contact, "not_home")
    fix1 = result_payload(batch["batch_id"], contact, "busy", supersedes=first["id"])
    fix2 = result_payload(batch["batch_id"], contact, "voicemail", supersedes=first["id"])
    reply = _post(caller, first, fix1, fix2)
    assert reply["accepted"] == [first["id"], fix1["id"]]
    assert _codes(reply) == {fix2["id"]: "already_corrected"}
    # Sent alone later: the same answer; a re-send of the accepted correction is a duplicate.
    assert _codes(_post(caller, fix2)) == {fix2["id"]: "already_corrected"}
    assert _post(caller, fix1)["duplicates"] == [fix1["id"]]
    chained = result_payload(batch["batch_id"], contact, "voicemail", supersedes=fix1["id"])
    assert _post(caller, chained)["accepted"] == [chained["id"]]
    progress = caller.get(f"/campaigns/{cid}/progress").json()
    assert progress["mine"]["calls"] == 1
    export = organiser.get(f"/campaigns/{cid}/results.csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["result_id"] for r in rows] == [chained["id"]]  # one row per call
    assert _contact(seeded.db_url, contact).attempts == 1


def test_racing_corrections_of_one_result_store_one(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url, max_held_contacts=100)
    contacts = seed_contacts(seeded.db_url, cid, 8)
    batch = caller.lease(cid, 8)
    firsts = [result_payload(batch["batch_id"], c, "not_home") for c in contacts]
    _post(caller, *firsts)
    replies: list[dict] = []
    barrier = threading.Barrier(2)

    def send(outcome: str) -> None:
        api = Api(caller.base.removesuffix("/api/v1"), caller.token)
        fixes = [
            result_payload(batch["batch_id"], f["contact_id"], outcome, supersedes=f["id"])
            for f in firsts
        ]
        barrier.wait(10)
        replies.append(_post(api, *fixes))

    threads = [threading.Thread(target=send, args=(o,)) for o in ("busy", "voicemail")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(replies) == 2
    accepted = sum(len(r["accepted"]) for r in replies)
    refused = [code for r in replies for code in _codes(r).values()]
    assert accepted == 8
    assert refused == ["already_corrected"] * 8
    with db_session(seeded.db_url) as s:
        fixes = s.scalars(
            select(Result).where(Result.campaign_id == cid, Result.supersedes.is_not(None))
        ).all()
        assert len(fixes) == 8


def test_a_result_for_a_released_contact_is_not_leased(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 2)
    released, kept = (c["id"] for c in batch["contacts"])
    reply = caller.post(f"/batches/{batch['batch_id']}/release", json={"contact_ids": [released]})
    assert reply.json() == {"released": 1}
    dnc = result_payload(batch["batch_id"], released, "do_not_call")
    assert _codes(_post(caller, dnc)) == {dnc["id"]: "not_leased"}
    row = _contact(seeded.db_url, released)
    with db_session(seeded.db_url) as s:
        assert s.scalar(select(Suppression).where(Suppression.phone == row.phone)) is None
    assert (row.state, row.attempts) == ("available", 0)
    ok = result_payload(batch["batch_id"], kept, "answered")
    assert _post(caller, ok)["accepted"] == [ok["id"]]


def test_a_suppression_records_its_result_and_a_correction_lifts_it(
    caller: Api, seeded: Seeded
) -> None:
    batch = caller.lease(seeded.campaign_id, 2)
    dnc_contact, cli_contact = (c["id"] for c in batch["contacts"])
    dnc = result_payload(batch["batch_id"], dnc_contact, "do_not_call")
    _post(caller, dnc)
    phone = _contact(seeded.db_url, dnc_contact).phone
    with db_session(seeded.db_url) as s:
        row = s.scalar(select(Suppression).where(Suppression.phone == phone))
        assert (row.campaign_id, row.result_id) == (None, dnc["id"])
        # An organiser's own suppression (CLI import) has no result.
        other = s.get(Contact, cli_contact).phone
        s.add(Suppression(phone=other, campaign_id=None, reason="import"))
        s.commit()
    fixed = result_payload(batch["batch_id"], dnc_contact, "answered", supersedes=dnc["id"])
    assert _post(caller, fixed)["accepted"] == [fixed["id"]]
    with db_session(seeded.db_url) as s:
        assert s.scalar(select(Suppression).where(Suppression.phone == phone)) is None
        assert s.scalar(select(Suppression).where(Suppression.phone == other)) is not None
    # Corrected back to do_not_call: suppressed again, now by the correction.
    again = result_payload(batch["batch_id"], dnc_contact, "do_not_call", supersedes=fixed["id"])
    _post(caller, again)
    with db_session(seeded.db_url) as s:
        row = s.scalar(select(Suppression).where(Suppression.phone == phone))
        assert row.result_id == again["id"]


def test_results_check_names_what_the_server_lacks(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    theirs = caller2.lease(seeded.campaign_id, 1)
    mine = result_payload(batch["batch_id"], batch["contacts"][0]["id"], "answered")
    other = result_payload(theirs["batch_id"], theirs["contacts"][0]["id"], "answered")
    _post(caller, mine)
    _post(caller2, other)
    unknown = str(uuid.uuid4())
    reply = caller.post("/results/check", json={"ids": [mine["id"], unknown, other["id"]]})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"missing": [unknown, other["id"]]}
    assert caller.post("/results/check", json={"ids": []}).json() == {"missing": []}
    upper = caller.post("/results/check", json={"ids": [mine["id"].upper()]})
    assert upper.json() == {"missing": []}
    for bad in ({"ids": ["nope"]}, {"ids": [1]}, {"ids": [str(uuid.uuid4())] * 1001}, {}):
        refused = caller.post("/results/check", json=bad)
        assert refused.status_code in (413, 422), refused.text
    assert (
        Api(caller.base.removesuffix("/api/v1"))
        .post("/results/check", json={"ids": []})
        .status_code
        == 401
    )


def _forget_lease(db_url: str, batch_id: int, contact_id: int) -> None:
    """As a restore from a backup older than the lease: no batch, contact free again."""
    with db_session(db_url) as s:
        s.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(batch_id=None, lease_expires_at=None, state="available")
        )
        s.execute(delete(BatchContact).where(BatchContact.batch_id == batch_id))
        s.execute(delete(Batch).where(Batch.id == batch_id))
        s.commit()


def test_a_restored_server_takes_results_with_a_valid_lease_proof(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url)
    contacts = seed_contacts(seeded.db_url, cid, 3)
    batch = caller.lease(cid, 3)
    proofs = {c["id"]: c["lease_proof"] for c in batch["contacts"]}
    bid = batch["batch_id"]
    for contact in contacts:
        _forget_lease(seeded.db_url, bid, contact)
    theirs = caller2.lease(cid, 1)  # since the restore, W holds the first contact
    held, free, spare = contacts
    assert [c["id"] for c in theirs["contacts"]] == [held]
    good = result_payload(bid, free, "answered", lease_proof=proofs[free])
    on_held = result_payload(bid, held, "answered", lease_proof=proofs[held])
    no_proof = result_payload(bid, free, "busy")
    forged = result_payload(bid, free, "busy", lease_proof="0" * 32)
    wrong_contact = result_payload(bid, free, "busy", lease_proof=proofs[held])
    reply = _post(caller, good, on_held, no_proof, forged, wrong_contact)
    assert sorted(reply["accepted"]) == sorted([good["id"], on_held["id"]])
    assert _codes(reply) == {
        no_proof["id"]: "not_leased",
        forged["id"]: "not_leased",
        wrong_contact["id"]: "not_leased",
    }
    stored = _result(seeded.db_url, good["id"])
    assert (stored.late, stored.batch_id) == (True, None)
    assert _contact(seeded.db_url, free).state == "done"
    row = _contact(seeded.db_url, held)  # held by W: untouched
    assert (row.state, row.batch_id, row.attempts) == ("leased", theirs["batch_id"], 0)
    # Another volunteer cannot use V's proof.
    stolen = result_payload(bid, spare, "answered", lease_proof=proofs[spare])
    assert _codes(_post(caller2, stolen)) == {stolen["id"]: "not_leased"}
    assert _contact(seeded.db_url, spare).state == "available"


def test_results_outside_calling_hours_are_kept_and_flagged(
    caller: Api, organiser: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url)
    contacts = seed_contacts(seeded.db_url, cid, 2)
    batch = caller.lease(cid, 2)
    inside = result_payload(batch["batch_id"], contacts[0], "answered")
    _post(caller, inside)
    with db_session(seeded.db_url) as s:
        s.execute(
            update(Campaign).where(Campaign.id == cid).values(calling_hours=closed_hours_now())
        )
        s.commit()
    outside = result_payload(batch["batch_id"], contacts[1], "answered")
    assert _post(caller, outside)["accepted"] == [outside["id"]]  # never refused
    assert _result(seeded.db_url, inside["id"]).outside_hours is False
    assert _result(seeded.db_url, outside["id"]).outside_hours is True
    rows = {
        r["result_id"]: r
        for r in csv.DictReader(io.StringIO(organiser.get(f"/campaigns/{cid}/results.csv").text))
    }
    assert (rows[inside["id"]]["outside_hours"], rows[outside["id"]]["outside_hours"]) == (
        "false",
        "true",
    )
