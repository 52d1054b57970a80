"""Every documented limit, just over and exactly at it: a clear 4xx over, accepted at.

test_api_bad_input.py covers the 1 MiB body (declared and chunked), wrong types and
over-long notes/outcome/text answer; test_api_batches.py and test_api_results.py the
batch size and the 200-results cap. Here: each limit's message names what was too
big, the values exactly at a limit are accepted, and the limits the app never hits
(sign-in fields, release lists, answer counts, nesting) hold as well.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import func, select

from caller_server.models import Result
from tests.support.server import Api, LiveServer, Seeded, db_session, result_payload

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
        return int(s.scalar(select(func.count()).select_from(Result)
                            .where(Result.campaign_id == campaign_id)) or 0)


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
        message = _error(caller.post("/results", json={"results": [{**good, **change}]}),
                         422, "validation_error")
        assert field in message, (field, message)
        assert "at most" in message or "less than" in message, message
    assert _results_count(seeded.db_url, seeded.campaign_id) == 0


def test_values_exactly_at_the_limits_are_accepted(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    result = result_payload(batch["batch_id"], batch["contacts"][0]["id"], "answered",
                            notes="n" * 4000, answers={"comment": "c" * 2000},
                            duration_s=7 * 24 * 3600)
    reply = caller.post("/results", json={"results": [result]})
    assert reply.status_code == 200, reply.text
    assert reply.json()["accepted"] == [result["id"]]


def test_batch_size_limit_says_so(caller: Api, seeded: Seeded) -> None:
    path = f"/campaigns/{seeded.campaign_id}/batches"
    for size in (51, 0, 10**6):
        message = _error(caller.post(path, json={"size": size, "request_id": str(uuid.uuid4())}),
                         422, "validation_error")
        assert "size" in message
        assert ("50" in message) or ("1" in message)
    assert len(caller.lease(seeded.campaign_id, 50)["contacts"]) == 10  # all there are


def test_results_per_request_limit_says_so(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    one = batch["contacts"][0]["id"]
    results = [result_payload(batch["batch_id"], one, "answered") for _ in range(201)]
    message = _error(caller.post("/results", json={"results": results}), 413,
                     "payload_too_large")
    assert "200" in message
    assert _results_count(seeded.db_url, seeded.campaign_id) == 0


def test_body_size_limit_says_so(caller: Api) -> None:
    big = b'{"results": [], "pad": "' + b"x" * (1024 * 1024) + b'"}'
    message = _error(caller.post("/results", data=big,
                                 headers={"Content-Type": "application/json"}),
                     413, "payload_too_large")
    assert "1 MiB" in message


def test_sign_in_field_limits(live_server: LiveServer, seeded: Seeded) -> None:
    api = Api(live_server.url)
    for body, field in (({"username": "u" * 101, "password": "x"}, "username"),
                        ({"username": seeded.callers[0], "password": "p" * 1025}, "password"),
                        ({"username": "", "password": "x"}, "username")):
        message = _error(api.post("/auth/login", json=body), 422, "validation_error")
        assert field in message
    # None of these counted as failed sign-ins: the right password still works.
    assert Api.login(live_server.url, seeded.callers[0], seeded.password).token


def test_release_list_limit(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 2)
    ids = [c["id"] for c in batch["contacts"]]
    message = _error(caller.post(f"/batches/{batch['batch_id']}/release",
                                 json={"contact_ids": ids * 501}), 422, "validation_error")
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
