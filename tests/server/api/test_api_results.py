"""Result upload: idempotency, conflicts, validation, late and double-call flags."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import socket
import threading
import uuid
from urllib.parse import urlsplit

from sqlalchemy import func, select

from caller_server.models import Batch, Contact, Result
from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    db_session,
    expire_lease,
    result_payload,
    seed_campaign,
    seed_contacts,
)


def _post(api: Api, results: list[dict]) -> dict:
    reply = api.post("/results", json={"results": results})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _fire_and_forget(server: LiveServer, token: str, results: list[dict]) -> None:
    """Send a POST and hang up without reading the reply (a laptop lid closing)."""
    body = json.dumps({"results": results}).encode()
    host = urlsplit(server.url)
    head = (
        f"POST /api/v1/results HTTP/1.1\r\nHost: {host.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host.hostname, host.port), timeout=10) as sock:
        sock.sendall(head + body)


def _count_results(db_url: str, campaign_id: int) -> int:
    with db_session(db_url) as s:
        return s.scalar(
            select(func.count()).select_from(Result).where(Result.campaign_id == campaign_id)
        )


def test_every_result_stored_once(
    live_server: LiveServer, caller: Api, organiser: Api, seeded: Seeded
) -> None:
    cid = seed_campaign(seeded.db_url)
    seed_contacts(seeded.db_url, cid, 30)
    batch = caller.lease(cid, 30)
    results = [
        result_payload(batch["batch_id"], c["id"], "not_home", notes=f"n{i}")
        for i, c in enumerate(batch["contacts"])
    ]
    ids = {r["id"] for r in results}

    _fire_and_forget(live_server, caller.token or "", results[:10])

    outcomes: list[dict] = []
    errors: list[BaseException] = []

    def send(order: list[dict]) -> None:
        try:
            api = Api(live_server.url, caller.token)
            for start in range(0, len(order), 7):
                outcomes.append(_post(api, order[start : start + 7]))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=send, args=(order,))
        for order in (results, list(reversed(results)), results[5:] + results[:5])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    accepted = [i for o in outcomes for i in o["accepted"]]
    assert all(not o["rejected"] for o in outcomes)
    assert len(accepted) == len(set(accepted))
    assert set(accepted) <= ids

    final = _post(caller, results)
    assert final["accepted"] == []
    assert sorted(final["duplicates"]) == sorted(ids)
    assert _count_results(seeded.db_url, cid) == 30
    with db_session(seeded.db_url) as s:  # the outcome was applied once per result
        attempts = s.scalars(select(Contact.attempts).where(Contact.campaign_id == cid)).all()
        assert attempts == [1] * 30
    export = organiser.get(f"/campaigns/{cid}/results.csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 30
    assert {r["result_id"] for r in rows} == ids


def test_same_id_with_other_payload_is_a_conflict(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    original = result_payload(
        batch["batch_id"],
        batch["contacts"][0]["id"],
        "answered",
        answers={"support": "yes"},
        notes="Keen",
    )
    assert _post(caller, [original])["accepted"] == [original["id"]]
    for change in (
        {"notes": "Changed"},
        {"outcome": "refused"},
        {"answers": {"support": "no"}},
        {"duration_s": 43},
    ):
        reply = _post(caller, [{**original, **change}])
        assert reply["accepted"] == []
        assert reply["rejected"][0]["code"] == "conflict"
        assert reply["rejected"][0]["id"] == original["id"]
    # An equivalent timestamp in another zone is the same payload.
    started = dt.datetime.fromisoformat(original["started_at"])
    other_zone = started.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    assert _post(caller, [{**original, "started_at": other_zone}])["duplicates"] == [original["id"]]
    with db_session(seeded.db_url) as s:
        row = s.get(Result, original["id"])
        assert row.notes == "Keen"
        assert row.answers == {"support": "yes"}


def test_invalid_results_are_rejected_and_change_nothing(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    bid, contact = batch["batch_id"], batch["contacts"][0]["id"]
    cases = {
        "invalid_outcome": result_payload(bid, contact, "exploded"),
        "invalid_answers": result_payload(bid, contact, "not_home", answers={"support": "yes"}),
        "missing_callback": result_payload(bid, contact, "call_back"),
    }
    bad_answers = [
        {"nope": "yes"},
        {"support": "maybe"},
        {"issues": ["housing", "moon"]},
        {"issues": "housing"},
        {"score": "9"},
    ]
    rejected_answers = [result_payload(bid, contact, "answered", answers=a) for a in bad_answers]
    bad_supersedes = result_payload(bid, contact, "answered", supersedes=str(uuid.uuid4()))
    never_leased = seed_contacts(seeded.db_url, seeded.campaign_id, 1)[0]
    not_leased = result_payload(bid, never_leased, "answered")
    unknown_contact = result_payload(bid, 987654321, "answered")
    payload = [*cases.values(), *rejected_answers, bad_supersedes, not_leased, unknown_contact]
    reply = _post(caller, payload)
    assert reply["accepted"] == []
    codes = {r["id"]: r["code"] for r in reply["rejected"]}
    for code, result in cases.items():
        assert codes[result["id"]] == code
    for result in rejected_answers:
        assert codes[result["id"]] == "invalid_answers"
    assert codes[bad_supersedes["id"]] == "invalid"
    assert codes[not_leased["id"]] == "not_leased"
    assert codes[unknown_contact["id"]] == "not_leased"
    assert all(r["message"] for r in reply["rejected"])
    assert _count_results(seeded.db_url, seeded.campaign_id) == 0
    with db_session(seeded.db_url) as s:
        row = s.get(Contact, contact)
        assert row.attempts == 0
        assert row.batch_id == bid


def test_valid_answers_of_every_kind(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    answers = {
        "support": "leaning",
        "issues": ["housing", "parks"],
        "score": "4",
        "comment": "Likes the new bus lane",
    }
    result = result_payload(
        batch["batch_id"], batch["contacts"][0]["id"], "answered", answers=answers
    )
    assert _post(caller, [result])["accepted"] == [result["id"]]
    with db_session(seeded.db_url) as s:
        assert s.get(Result, result["id"]).answers == answers


def test_late_result_is_kept_and_flagged(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 2)
    on_time, late = (c["id"] for c in batch["contacts"])
    r1 = result_payload(batch["batch_id"], on_time, "answered")
    assert _post(caller, [r1])["accepted"] == [r1["id"]]
    expire_lease(seeded.db_url, batch["batch_id"])
    r2 = result_payload(batch["batch_id"], late, "answered")
    assert _post(caller, [r2])["accepted"] == [r2["id"]]
    with db_session(seeded.db_url) as s:
        assert s.get(Result, r1["id"]).late is False
        assert s.get(Result, r2["id"]).late is True


def test_double_call_flags_the_later_result(caller: Api, caller2: Api, seeded: Seeded) -> None:
    first = caller.lease(seeded.campaign_id, 1)
    contact = first["contacts"][0]["id"]
    expire_lease(seeded.db_url, first["batch_id"])
    second = caller2.lease(seeded.campaign_id, 1)
    assert second["contacts"][0]["id"] == contact
    r2 = result_payload(second["batch_id"], contact, "answered")
    r1 = result_payload(first["batch_id"], contact, "answered")
    assert _post(caller2, [r2])["accepted"] == [r2["id"]]
    assert _post(caller, [r1])["accepted"] == [r1["id"]]
    with db_session(seeded.db_url) as s:
        kept = {r.id: r for r in s.scalars(select(Result).where(Result.contact_id == contact))}
        assert set(kept) == {r1["id"], r2["id"]}
        assert (kept[r2["id"]].double_call, kept[r2["id"]].late) == (False, False)
        assert (kept[r1["id"]].double_call, kept[r1["id"]].late) == (True, True)


def test_posting_results_renews_the_lease(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 3)
    expire_lease(seeded.db_url, batch["batch_id"], ago=dt.timedelta(minutes=-2))
    first = batch["contacts"][0]["id"]
    _post(caller, [result_payload(batch["batch_id"], first, "answered")])
    with db_session(seeded.db_url) as s:
        expires = s.get(Batch, batch["batch_id"]).expires_at.replace(tzinfo=dt.UTC)
        assert expires > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=40)
        rest = s.get(Contact, batch["contacts"][1]["id"]).lease_expires_at
        assert rest.replace(tzinfo=dt.UTC) == expires


def test_retry_past_max_attempts_is_done(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url, max_attempts=2)
    contact = seed_contacts(seeded.db_url, cid, 1)[0]
    for attempt in (1, 2):
        batch = caller.lease(cid, 1)
        assert batch["contacts"][0]["attempt"] == attempt
        _post(caller, [result_payload(batch["batch_id"], contact, "busy")])
        with db_session(seeded.db_url) as s:
            s.get(Contact, contact).next_call_after = None
            s.commit()
    with db_session(seeded.db_url) as s:
        assert s.get(Contact, contact).state == "done"
    assert caller.lease(cid, 1)["reason"] == "no_contacts"


def test_too_many_results_is_413_and_stores_nothing(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    one = batch["contacts"][0]["id"]
    results = [result_payload(batch["batch_id"], one, "answered") for _ in range(201)]
    reply = caller.post("/results", json={"results": results})
    assert reply.status_code == 413
    assert reply.json()["error"]["code"] == "payload_too_large"
    assert _count_results(seeded.db_url, seeded.campaign_id) == 0
    assert len(_post(caller, results[:200])["accepted"]) == 200
