"""Malformed requests get a clear error in the one error shape, and change nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from caller_server.models import Batch, Result
from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    db_session,
    result_payload,
    seed_volunteer,
    seeded_sqlite_server,
)

MIB = 1024 * 1024


def _error(reply, status: int, code: str) -> str:  # type: ignore[no-untyped-def]
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]["message"]


def _counts(db_url: str) -> tuple[int, int]:
    with db_session(db_url) as s:
        return (
            s.scalar(select(func.count()).select_from(Result)),
            s.scalar(select(func.count()).select_from(Batch)),
        )


def test_wrong_json_types_are_422(caller: Api, seeded: Seeded) -> None:
    before = _counts(seeded.db_url)
    batches = f"/campaigns/{seeded.campaign_id}/batches"
    for body in (
        {"size": "5", "request_id": str(uuid.uuid4())},
        {"size": 5.0, "request_id": str(uuid.uuid4())},
        {"size": True, "request_id": str(uuid.uuid4())},
        {"size": 5, "request_id": 12345},
        {"size": 5, "request_id": "not-a-uuid"},
        {"size": 5},
        [],
        "text",
        None,
    ):
        _error(caller.post(batches, json=body), 422, "validation_error")
    good = result_payload(1, seeded.contact_ids[0])
    for change in (
        {"duration_s": "30"},
        {"duration_s": -1},
        {"contact_id": "1"},
        {"started_at": "2026-11-26T18:00:00"},  # no offset
        {"started_at": 1764180000},
        {"started_at": "yesterday"},
        {"answers": {"support": 5}},
        {"answers": ["yes"]},
        {"notes": None},
        {"notes": "x" * 4001},
        {"outcome": "o" * 65},
        {"id": "nope"},
        {"answers": {"comment": "x" * 2001}},
    ):
        reply = caller.post("/results", json={"results": [{**good, **change}]})
        message = _error(reply, 422, "validation_error")
        assert "results" in message, message
    _error(caller.post("/results", json={"results": {}}), 422, "validation_error")
    assert _counts(seeded.db_url) == before


def test_invalid_json_is_422(caller: Api) -> None:
    reply = caller.post(
        "/results", data=b'{"results": [', headers={"Content-Type": "application/json"}
    )
    assert "JSON" in _error(reply, 422, "validation_error")


def test_oversized_bodies_are_413(live_server: LiveServer, caller: Api, seeded: Seeded) -> None:
    before = _counts(seeded.db_url)
    big = b'{"results": [], "pad": "' + b"x" * (MIB + 10) + b'"}'
    _error(
        caller.post("/results", data=big, headers={"Content-Type": "application/json"}),
        413,
        "payload_too_large",
    )

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
    _error(
        caller.post("/results", json={"results": [result_payload(2**40, 2**40)]}),
        422,
        "validation_error",
    )
    _error(
        caller.post("/results", data=b"\xff\xfe{", headers={"Content-Type": "application/json"}),
        422,
        "validation_error",
    )


def test_server_log_holds_no_personal_data(
    live_server: LiveServer, caller: Api, seeded: Seeded
) -> None:
    batch = caller.lease(seeded.campaign_id, 3)
    secret_note = "Lives at 12 Secret Lane"
    results = [
        result_payload(batch["batch_id"], c["id"], "answered", notes=secret_note)
        for c in batch["contacts"]
    ]
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


# --- control characters, lone surrogates and extreme times (issue 10, item 12) -------------

BAD_TEXT = ["a\x00b", "\x00", "x\x1fy", "del\x7f", "lone \ud800", "\udfff", "tab\there"]
EXTREME_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "1999-12-31T23:59:59Z",
    "2100-01-01T00:00:00Z",
    "2100-01-01T13:00:00+12:00",
]


def test_sign_in_with_control_characters_is_422(live_server: LiveServer) -> None:
    """No sign-in needed to reach this one: it gave a 500 on PostgreSQL (NUL)."""
    api = Api(live_server.url)
    for bad in BAD_TEXT:
        for field in ("username", "password"):
            body = {"username": "someone", "password": "secret", field: bad}
            message = _error(api.post("/auth/login", json=body), 422, "validation_error")
            assert field in message, message
    api.close()


def test_result_text_and_times_out_of_bounds_are_422(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    good = result_payload(batch["batch_id"], batch["contacts"][0]["id"], "answered")
    before = _counts(seeded.db_url)
    changes: list[tuple[str, dict]] = []
    for bad in BAD_TEXT:
        changes += [
            ("outcome", {"outcome": bad}),
            ("answers.comment", {"answers": {"comment": bad}}),
            ("answers", {"answers": {bad: "x"}}),
            ("answers.issues", {"answers": {"issues": [bad]}}),
            ("lease_proof", {"lease_proof": bad}),
        ]
        if bad != "tab\there":
            changes.append(("notes", {"notes": bad}))
    for stamp in EXTREME_TIMES:
        changes += [(f, {f: stamp}) for f in ("started_at", "recorded_at", "callback_at")]
    for field, change in changes:
        reply = caller.post("/results", json={"results": [{**good, **change}]})
        message = _error(reply, 422, "validation_error")
        assert f"results.0.{field}" in message, (change, message)
    assert _counts(seeded.db_url) == before
    # Notes may hold tab and newline; times at the edges of the range are fine.
    edge = {
        **good,
        "notes": "line one\n\tline two",
        "started_at": "2000-01-01T00:00:00Z",
        "recorded_at": "2099-12-31T23:59:59Z",
    }
    assert caller.post("/results", json={"results": [edge]}).json()["accepted"] == [edge["id"]]


def test_check_and_release_bodies_are_strict(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    for body in ({"ids": ["\x00"]}, {"ids": ["\ud800"]}, {"ids": [str(uuid.uuid4()) + "\x00"]}):
        _error(caller.post("/results/check", json=body), 422, "validation_error")
    _error(
        caller.post(f"/batches/{batch['batch_id']}/release", json={"contact_ids": ["\x00"]}),
        422,
        "validation_error",
    )


_nasty_char = st.sampled_from(
    ["\x00", "\x01", "\x1f", "\x7f", "\ud800", "\udc00", "\udfff", "\t", "\n", "\r"]
)
_nasty_text = st.builds(
    lambda a, b, c: a + b + c, st.text(max_size=5), _nasty_char, st.text(max_size=5)
)
_offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
_any_time = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=_offsets
)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    text=_nasty_text,
    when=_any_time,
    field=st.sampled_from(
        [
            "outcome",
            "notes",
            "answers",
            "answer_key",
            "lease_proof",
            "started_at",
            "recorded_at",
            "callback_at",
            "username",
            "password",
        ]
    ),
)
def test_fuzzed_text_and_times_never_give_a_5xx(
    fuzz_api: tuple[Api, Api, dict], text: str, when: dt.datetime, field: str
) -> None:
    anonymous, caller, good = fuzz_api
    stamp = when.isoformat()
    if field in ("username", "password"):
        body = {"username": "nobody", "password": "pw", field: text}
        reply = anonymous.post("/auth/login", json=body)
        assert reply.status_code == 422, reply.text
        return
    changes = {"answers": {"answers": {"comment": text}}, "answer_key": {"answers": {text: "x"}}}
    change = changes.get(field, {field: stamp if field.endswith("_at") else text})
    reply = caller.post("/results", json={"results": [{**good, "id": str(uuid.uuid4()), **change}]})
    assert reply.status_code < 500, reply.text
    if field.endswith("_at"):
        utc = when.astimezone(dt.UTC) if dt.MINYEAR < when.year < dt.MAXYEAR else None
        inside = utc is not None and dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= utc < dt.datetime(
            2100, 1, 1, tzinfo=dt.UTC
        )
        assert (reply.status_code == 200) == inside, (stamp, reply.text)
    else:  # every generated text holds a character only notes may hold (tab, newline)
        allowed = "\t\n" if field == "notes" else ""
        clean = all(
            (" " <= c != "\x7f" or c in allowed) and not "\ud800" <= c <= "\udfff" for c in text
        )
        assert reply.status_code == (200 if clean else 422), (field, repr(text), reply.text)


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, Api, dict]]:
    """A server of its own for the fuzzing (hypothesis runs the test body many times)."""
    with seeded_sqlite_server(tmp_path_factory.mktemp("fuzz-input"), contacts=5) as (server, data):
        username = "fuzzer"
        seed_volunteer(data.db_url, username, password=data.password)
        caller = Api.login(server.url, username, data.password)
        batch = caller.lease(data.campaign_id, 1)
        good = result_payload(batch["batch_id"], batch["contacts"][0]["id"], "answered")
        anonymous = Api(server.url)
        yield anonymous, caller, good
        anonymous.close()
        caller.close()
