"""Malformed requests get a clear error in the one error shape, and change nothing."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from caller_server.models import Batch, Result
from tests.support.server import Api, LiveServer, Seeded, db_session, result_payload

MIB = 1024 * 1024


def _error(reply, status: int, code: str) -> str:  # type: ignore[no-untyped-def]
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]["message"]


def _counts(db_url: str) -> tuple[int, int]:
    with db_session(db_url) as s:
        return (s.scalar(select(func.count()).select_from(Result)),
                s.scalar(select(func.count()).select_from(Batch)))


def test_wrong_json_types_are_422(caller: Api, seeded: Seeded) -> None:
    before = _counts(seeded.db_url)
    batches = f"/campaigns/{seeded.campaign_id}/batches"
    for body in ({"size": "5", "request_id": str(uuid.uuid4())},
                 {"size": 5.0, "request_id": str(uuid.uuid4())},
                 {"size": True, "request_id": str(uuid.uuid4())},
                 {"size": 5, "request_id": 12345},
                 {"size": 5, "request_id": "not-a-uuid"},
                 {"size": 5}, [], "text", None):
        _error(caller.post(batches, json=body), 422, "validation_error")
    good = result_payload(1, seeded.contact_ids[0])
    for change in ({"duration_s": "30"}, {"duration_s": -1}, {"contact_id": "1"},
                   {"started_at": "2026-11-26T18:00:00"},  # no offset
                   {"started_at": 1764180000}, {"started_at": "yesterday"},
                   {"answers": {"support": 5}}, {"answers": ["yes"]}, {"notes": None},
                   {"notes": "x" * 4001}, {"outcome": "o" * 65}, {"id": "nope"},
                   {"answers": {"comment": "x" * 2001}}):
        reply = caller.post("/results", json={"results": [{**good, **change}]})
        message = _error(reply, 422, "validation_error")
        assert "results" in message, message
    _error(caller.post("/results", json={"results": {}}), 422, "validation_error")
    assert _counts(seeded.db_url) == before


def test_invalid_json_is_422(caller: Api) -> None:
    reply = caller.post("/results", data=b'{"results": [', headers={
        "Content-Type": "application/json"})
    assert "JSON" in _error(reply, 422, "validation_error")


def test_oversized_bodies_are_413(live_server: LiveServer, caller: Api, seeded: Seeded) -> None:
    before = _counts(seeded.db_url)
    big = b'{"results": [], "pad": "' + b"x" * (MIB + 10) + b'"}'
    _error(caller.post("/results", data=big, headers={"Content-Type": "application/json"}),
           413, "payload_too_large")

    def chunks():  # no Content-Length: chunked transfer encoding
        yield b'{"results": [], "pad": "'
        for _ in range(20):
            yield b"y" * (64 * 1024)
        yield b'"}'

    reply = caller.post("/results", data=chunks(), headers={"Content-Type": "application/json"})
    _error(reply, 413, "payload_too_large")
    # Just under the limit is parsed normally.
    fits = b'{"results": [], "pad": "' + b"z" * (MIB - 100) + b'"}'
    reply = caller.post("/results", data=fits, headers={"Content-Type": "application/json"})
    assert reply.status_code == 200, reply.text
    assert _counts(seeded.db_url) == before
    assert caller.get("/me").status_code == 200  # the server is fine afterwards


def test_unknown_routes_and_ids(caller: Api) -> None:
    _error(caller.get("/no/such/thing"), 404, "not_found")
    _error(caller.get("/batches/424242"), 404, "not_found")
    _error(caller.get("/batches/not-a-number"), 422, "validation_error")
    _error(caller.request("DELETE", "/campaigns"), 405, "method_not_allowed")
    # Ids beyond a 32-bit column are refused up front (PostgreSQL would fail on them).
    _error(caller.get(f"/batches/{2**40}"), 422, "validation_error")
    _error(caller.post("/results", json={"results": [result_payload(2**40, 2**40)]}),
           422, "validation_error")
    _error(caller.post("/results", data=b"\xff\xfe{", headers={
        "Content-Type": "application/json"}), 422, "validation_error")


def test_server_log_holds_no_personal_data(live_server: LiveServer, caller: Api,
                                           seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 3)
    secret_note = "Lives at 12 Secret Lane"
    results = [result_payload(batch["batch_id"], c["id"], "answered", notes=secret_note)
               for c in batch["contacts"]]
    caller.post("/results", json={"results": results})
    caller.post("/results", json={"results": [{**results[0], "notes": "changed"}]})
    log = live_server.log_text()
    assert "POST /api/v1/results" in log
    for c in batch["contacts"]:
        assert c["phone"] not in log
        assert c["phone"][3:] not in log
        assert c["last_name"] not in log
    assert secret_note not in log
    assert caller.token not in log
    assert seeded.password not in log
