"""Every documented limit, just over and exactly at it: a clear 4xx over, accepted at.

test_api_bad_input.py covers the 1 MiB body (declared and chunked), wrong types and
over-long notes/outcome/text answer; test_api_batches.py and test_api_results.py the
batch size and the 200-results cap. Here: each limit's message names what was too
big, the values exactly at a limit are accepted, and the limits the app never hits
(sign-in fields, release lists, answer counts, nesting) hold as well.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import func, select, update

from caller_server.models import Batch, Result
from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    db_session,
    expire_lease,
    result_payload,
    seed,
    seed_campaign,
    seed_contacts,
)

pytestmark = pytest.mark.timeout(120)


def _error(reply: requests.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text[:500]
    body = reply.json()
    assert body["error"]["code"] == code, body
    message = body["error"]["message"]
    assert isinstance(message, str)
    assert 0 < len(message) < 1000
    return message


def _results_count(db_url: str, campaign_id: int) -> int:
    with db_session(db_url) as s:
        return int(
            s.scalar(
                select(func.count()).select_from(Result).where(Result.campaign_id == campaign_id)
            )
            or 0
        )


def test_result_string_limits_name_the_field(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    good = result_payload(batch["batch_id"], batch["contacts"][0]["id"], "answered")
    over = [  # (what the message must name, the change)
        ("results.0.notes", {"notes": "n" * 4001}),
        ("results.0.outcome", {"outcome": "o" * 65}),
        ("results.0.answers.comment", {"answers": {"comment": "c" * 2001}}),
        ("results.0.answers", {"answers": {f"k{i}": "x" for i in range(101)}}),
        ("results.0.answers.kkkk", {"answers": {"k" * 65: "x"}}),  # the key itself
        ("results.0.answers.issues", {"answers": {"issues": ["housing"] * 101}}),
        ("results.0.answers.issues", {"answers": {"issues": ["h" * 501]}}),
        ("results.0.duration_s", {"duration_s": 7 * 24 * 3600 + 1}),
    ]
    for field, change in over:
        message = _error(
            caller.post("/results", json={"results": [{**good, **change}]}), 422, "validation_error"
        )
        assert field in message, (field, message)
        assert "at most" in message or "less than" in message, message
    assert _results_count(seeded.db_url, seeded.campaign_id) == 0


def test_values_exactly_at_the_limits_are_accepted(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    result = result_payload(
        batch["batch_id"],
        batch["contacts"][0]["id"],
        "answered",
        notes="n" * 4000,
        answers={"comment": "c" * 2000},
        duration_s=7 * 24 * 3600,
    )
    reply = caller.post("/results", json={"results": [result]})
    assert reply.status_code == 200, reply.text
    assert reply.json()["accepted"] == [result["id"]]


def test_batch_size_limit_says_so(caller: Api, seeded: Seeded) -> None:
    path = f"/campaigns/{seeded.campaign_id}/batches"
    for size in (51, 0, 10**6):
        message = _error(
            caller.post(path, json={"size": size, "request_id": str(uuid.uuid4())}),
            422,
            "validation_error",
        )
        assert "size" in message
        assert ("50" in message) or ("1" in message)
    assert len(caller.lease(seeded.campaign_id, 50)["contacts"]) == 10  # all there are


def test_results_per_request_limit_says_so(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    one = batch["contacts"][0]["id"]
    results = [result_payload(batch["batch_id"], one, "answered") for _ in range(201)]
    message = _error(caller.post("/results", json={"results": results}), 413, "payload_too_large")
    assert "200" in message
    assert _results_count(seeded.db_url, seeded.campaign_id) == 0


def test_body_size_limit_says_so(caller: Api) -> None:
    big = b'{"results": [], "pad": "' + b"x" * (1024 * 1024) + b'"}'
    message = _error(
        caller.post("/results", data=big, headers={"Content-Type": "application/json"}),
        413,
        "payload_too_large",
    )
    assert "1 MiB" in message


def test_sign_in_field_limits(live_server: LiveServer, seeded: Seeded) -> None:
    api = Api(live_server.url)
    for body, field in (
        ({"username": "u" * 101, "password": "x"}, "username"),
        ({"username": seeded.callers[0], "password": "p" * 1025}, "password"),
        ({"username": "", "password": "x"}, "username"),
    ):
        message = _error(api.post("/auth/login", json=body), 422, "validation_error")
        assert field in message
    # None of these counted as failed sign-ins: the right password still works.
    assert Api.login(live_server.url, seeded.callers[0], seeded.password).token


def test_release_list_limit(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 2)
    ids = [c["id"] for c in batch["contacts"]]
    message = _error(
        caller.post(f"/batches/{batch['batch_id']}/release", json={"contact_ids": ids * 501}),
        422,
        "validation_error",
    )
    assert "contact_ids" in message
    assert len(caller.get(f"/batches/{batch['batch_id']}").json()["contacts"]) == 2


@pytest.mark.parametrize("depth", [100, 10_000, 200_000])
def test_deeply_nested_json_is_a_4xx(caller: Api, seeded: Seeded, depth: int) -> None:
    """Nesting within the size limit must not crash the parser (RecursionError -> 500)."""
    batch = caller.lease(seeded.campaign_id, 1)
    good = result_payload(batch["batch_id"], batch["contacts"][0]["id"], "answered")
    nested = "[" * depth + "]" * depth
    for template in ('{"results": %s}', '{"results": [{"answers": {"comment": %s}}]}'):
        body = (template % nested).encode()
        reply = caller.post("/results", data=body, headers={"Content-Type": "application/json"})
        assert 400 <= reply.status_code < 500, (depth, reply.status_code, reply.text[:200])
        assert reply.json()["error"]["message"]
    deep_notes = {**good, "notes": {"a": [[[[[["x"]]]]]]}}
    _error(caller.post("/results", json={"results": [deep_notes]}), 422, "validation_error")
    assert caller.get("/me").status_code == 200


def test_long_urls_and_many_query_parameters(caller: Api) -> None:
    reply = caller.get("/batches/" + "9" * 5000)
    assert 400 <= reply.status_code < 500
    reply = caller.get("/campaigns?" + "&".join(f"q{i}=x" for i in range(2000)))
    assert reply.status_code == 200  # unknown query parameters are ignored
    assert caller.get("/me").status_code == 200


# --- one caller cannot take a whole campaign (issue 10, item 10) ---------------------------


def test_holding_limit_cuts_a_lease_to_what_fits(caller: Api, caller2: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url, batch_size=4, max_held_contacts=6)
    seed_contacts(seeded.db_url, cid, 20)
    campaign = {c["id"]: c for c in caller.get("/campaigns").json()["campaigns"]}[cid]
    assert campaign["max_held_contacts"] == 6
    first = caller.lease(cid, 4)
    assert len(first["contacts"]) == 4
    cut = caller.lease(cid, 4)
    assert len(cut["contacts"]) == 2  # cut to what fits under 6
    full = caller.lease(cid, 4)
    assert (full["batch_id"], full["contacts"], full["reason"]) == (None, [], "holding_limit")
    assert len(caller2.lease(cid, 4)["contacts"]) == 4  # a limit per volunteer
    # A finished contact, a released one and a lapsed lease no longer count.
    one = first["contacts"][0]["id"]
    assert (
        caller.post(
            "/results", json={"results": [result_payload(first["batch_id"], one, "answered")]}
        ).status_code
        == 200
    )
    caller.post(
        f"/batches/{first['batch_id']}/release", json={"contact_ids": [first["contacts"][1]["id"]]}
    )
    assert len(caller.lease(cid, 4)["contacts"]) == 2
    expire_lease(seeded.db_url, cut["batch_id"])
    assert len(caller.lease(cid, 4)["contacts"]) == 2


def test_the_default_holding_limit_is_two_batches(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(seeded.db_url, batch_size=5)
    seed_contacts(seeded.db_url, cid, 30)
    got = [len(caller.lease(cid, 5)["contacts"]) for _ in range(3)]
    assert got == [5, 5, 0]


@pytest.fixture
def throttled_server(server_db: str) -> Iterator[LiveServer]:
    """A second server on the session's database with the real limit, 3 a minute, in two
    processes: the count lives in the database, so both processes see it."""
    with LiveServer(server_db, workers=2, env={"CALLER_SERVER_LEASES_PER_MINUTE": "3"}) as server:
        yield server


def test_lease_requests_are_rate_limited(throttled_server: LiveServer) -> None:
    seeded = seed(
        throttled_server.db_url, contacts=40, callers=2, batch_size=2, max_held_contacts=50
    )
    api = Api.login(throttled_server.url, seeded.callers[0], seeded.password)
    other = Api.login(throttled_server.url, seeded.callers[1], seeded.password)
    path = f"/campaigns/{seeded.campaign_id}/batches"
    request_ids = [str(uuid.uuid4()) for _ in range(3)]
    firsts = [api.lease(seeded.campaign_id, 2, rid) for rid in request_ids]
    assert all(b["batch_id"] for b in firsts)
    refused = api.post(path, json={"size": 2, "request_id": str(uuid.uuid4())})
    message = _error(refused, 429, "throttled")
    assert "seconds" in message
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    # A repeated request id is never limited and returns the earlier batch.
    again = api.lease(seeded.campaign_id, 2, request_ids[0])
    assert again["batch_id"] == firsts[0]["batch_id"]
    # The limit is per volunteer.
    assert other.lease(seeded.campaign_id, 2)["batch_id"]
    # Once the oldest batch is a minute old, one more fits.
    with db_session(seeded.db_url) as s:
        s.execute(
            update(Batch)
            .where(Batch.id == firsts[0]["batch_id"])
            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=61))
        )
        s.commit()
    assert api.lease(seeded.campaign_id, 2)["batch_id"]
    _error(api.post(path, json={"size": 2, "request_id": str(uuid.uuid4())}), 429, "throttled")
    api.close()
    other.close()
