"""Replies the real server never sends: captive portals, cut-off and garbled bodies.

A tiny http.server on loopback plays them (the only place a stand-in is used; the
client's normal behaviour is tested against the real server in test_api_client.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from caller_app.api import (
    ApiClient,
    Incompatible,
    ProtocolError,
    Rejected,
    ServerError,
    Throttled,
)
from caller_app.domain.models import Result

HEALTH = json.dumps({"status": "ok", "version": "0.1.0", "api": 1}).encode()
HTML = b"<html><body>Welcome to Station Wi-Fi. Please sign in.</body></html>"


class Scripted(ThreadingHTTPServer):
    """Answers each path with the next queued (status, headers, body); logs requests."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.replies: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.requests: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def reply(self, method: str, path: str, status: int, body: bytes | dict, **headers):
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        self.replies.setdefault(f"{method} /api/v1{path}", []).append((status, headers, body))

    def count(self, method: str, path: str) -> int:
        return self.requests.count((method, f"/api/v1{path}"))


class Handler(BaseHTTPRequestHandler):
    server: Scripted

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests.append((self.command, self.path))
        key = f"{self.command} {self.path}"
        if self.path == "/api/v1/health" and key not in self.server.replies:
            status, headers, body = 200, {"Content-Type": "application/json"}, HEALTH
        else:
            queue = self.server.replies.get(key) or [(404, {}, b"")]
            status, headers, body = queue.pop(0) if len(queue) > 1 else queue[0]
        self.send_response(status)
        declared = headers.pop("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", declared)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if declared != str(len(body)):
            self.close_connection = True

    do_GET = do_POST = _answer


@pytest.fixture
def fake() -> Iterator[Scripted]:
    server = Scripted()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def api(fake: Scripted) -> ApiClient:
    return ApiClient(fake.url, token="t", timeout=(2, 2), max_reply_bytes=64 * 1024)


def campaign(**over) -> dict:
    c = {
        "id": 1,
        "name": "N",
        "seat": "S",
        "candidate": "C",
        "timezone": "Europe/London",
        "calling_hours": "09:00-21:00",
        "calling_now": True,
        "opens_at": None,
        "target_contacts_per_hour": 20,
        "batch_size": 20,
        "max_attempts": 3,
        "lease_minutes": 45,
    }
    return {**c, **over}


def test_a_captive_portal_page_is_a_protocol_error(fake, api) -> None:
    fake.reply("GET", "/campaigns", 200, HTML, **{"Content-Type": "text/html"})
    with pytest.raises(ProtocolError, match="Wi-Fi"):
        api.campaigns()


def test_a_portal_answering_health_too_is_caught(fake) -> None:
    fake.reply("GET", "/health", 200, HTML, **{"Content-Type": "text/html"})
    with pytest.raises(ProtocolError):
        ApiClient(fake.url).login("u", "p")
    assert fake.count("POST", "/auth/login") == 0  # the password never went out


@pytest.mark.parametrize(
    "body",
    [
        b'{"campaigns": [{"id": 1, "na',  # truncated
        b"\xff\xfe not utf-8",
        b"[" * 100_000 + b"]" * 100_000,  # too deep to parse
        b"null",
    ],
    ids=["truncated", "not-utf8", "deep", "null"],
)
def test_garbled_json_is_a_protocol_error(fake, api, body) -> None:
    fake.reply("GET", "/campaigns", 200, body, **{"Content-Type": "application/json"})
    with pytest.raises(ProtocolError):
        api.campaigns()


def test_a_body_cut_short_of_its_length_is_not_a_success(fake, api) -> None:
    body = json.dumps({"campaigns": [campaign()]}).encode()
    fake.reply(
        "GET",
        "/campaigns",
        200,
        body[:20],
        **{"Content-Type": "application/json", "Content-Length": str(len(body))},
    )
    with pytest.raises((ProtocolError,)) as err:
        api.campaigns()
    assert err.value.transient


@pytest.mark.parametrize(
    "bad",
    [
        {"campaigns": [campaign(id="1")]},
        {"campaigns": [campaign(calling_now=1)]},
        {"campaigns": [campaign(batch_size=True)]},
        {"campaigns": [campaign(opens_at="tomorrow")]},
        {"campaigns": [campaign(opens_at="2026-11-26T18:00:00")]},  # no offset
        {"campaigns": [{"id": 1}]},
        {"campaigns": {"id": 1}},
        {"nothing": []},
    ],
)
def test_wrong_types_are_a_protocol_error(fake, api, bad) -> None:
    fake.reply("GET", "/campaigns", 200, bad)
    with pytest.raises(ProtocolError):
        api.campaigns()


def test_an_oversized_reply_is_refused(fake, api) -> None:
    big = json.dumps({"campaigns": [campaign(name="x" * 100_000)]}).encode()
    fake.reply("GET", "/campaigns", 200, big, **{"Content-Type": "application/json"})
    with pytest.raises(ProtocolError, match="too large"):
        api.campaigns()


def test_upload_reply_of_the_wrong_shape_is_not_a_success(fake, api) -> None:
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    r = Result("8d4c5b1e-0000-4000-8000-000000000001", 1, 1, 1, "answered", now, 1, now)
    fake.reply("POST", "/results", 200, {"accepted": r.id, "duplicates": [], "rejected": []})
    with pytest.raises(ProtocolError):
        api.post_results([r])


def test_redirects_are_not_followed(fake, api) -> None:
    other = Scripted()
    threading.Thread(target=other.serve_forever, args=(0.05,), daemon=True).start()
    try:
        fake.reply("GET", "/campaigns", 302, b"", Location=f"{other.url}/api/v1/campaigns")
        with pytest.raises(ProtocolError, match="another address"):
            api.campaigns()
        assert other.requests == []  # the token never reached the other host
    finally:
        other.shutdown()
        other.server_close()


def test_get_is_retried_but_post_is_not(fake, api) -> None:
    fake.reply("GET", "/campaigns", 503, b"")
    fake.reply("GET", "/campaigns", 200, {"campaigns": [campaign()]})
    assert [c.id for c in api.campaigns()] == [1]
    assert fake.count("GET", "/campaigns") == 2
    fake.reply("POST", "/batches/4/renew", 503, b"")
    with pytest.raises(ServerError):
        api.renew(4)
    assert fake.count("POST", "/batches/4/renew") == 1  # the sync engine retries POSTs


def test_throttled_carries_retry_after(fake, api) -> None:
    err = {"error": {"code": "throttled", "message": "Slow down, please."}}
    fake.reply("POST", "/batches/4/renew", 429, err, **{"Retry-After": "17"})
    with pytest.raises(Throttled) as info:
        api.renew(4)
    assert info.value.retry_after == 17
    assert str(info.value) == "Slow down, please."


def test_error_bodies_that_are_not_json_get_our_own_words(fake, api) -> None:
    fake.reply("POST", "/batches/4/renew", 404, HTML, **{"Content-Type": "text/html"})
    with pytest.raises(Rejected) as info:
        api.renew(4)
    assert info.value.status == 404
    assert "<html" not in str(info.value)


def test_another_api_version_is_incompatible(fake) -> None:
    fake.reply("GET", "/health", 200, {"status": "ok", "version": "9", "api": 2})
    with pytest.raises(Incompatible, match="version") as info:
        ApiClient(fake.url, token="t").campaigns()
    assert not info.value.transient


# --- the lease contract (docs/api.md): lease proofs, seconds left, renewals, the check ----

CONTACT = {
    "id": 21,
    "first_name": "Ada",
    "last_name": "Quill",
    "phone": "+442079460020",
    "ward": "North",
    "attempt": 1,
    "previous_notes": [],
    "attributes": {},
    "lease_proof": "cHJvb2Y",
}
BATCH = {
    "batch_id": 4,
    "campaign_id": 1,
    "lease_expires_at": "2026-11-26T18:45:00Z",
    "lease_expires_in_s": 2700,
    "contacts": [CONTACT],
    "reason": None,
    "opens_at": None,
}


def test_a_lease_carries_seconds_left_and_each_contact_its_proof(fake, api) -> None:
    fake.reply("POST", "/campaigns/1/batches", 200, BATCH)
    lease = api.lease(1, 5, "r-1")
    assert lease.lease_expires_in_s == 2700
    assert lease.contacts[0].lease_proof == "cHJvb2Y"
    import datetime as dt

    received = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)  # our clock, not the server's
    assert lease.lease_end(received) == received + dt.timedelta(seconds=2700)


def test_seconds_left_are_optional_and_lease_proof_is_not(fake, api) -> None:
    import datetime as dt

    far = {**BATCH, "lease_expires_in_s": 10**15, "lease_expires_at": "9999-12-31T00:00:00Z"}
    no_proof = {k: v for k, v in CONTACT.items() if k != "lease_proof"}
    for reply in ({**BATCH, "lease_expires_in_s": None}, far, {**BATCH, "contacts": [no_proof]}):
        fake.reply("POST", "/campaigns/1/batches", 200, reply)  # answered in this order
    lease = api.lease(1, 5, "r-1")
    received = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
    assert lease.lease_end(received) == lease.lease_expires_at  # the fallback
    # a year-9999 lease is held a day at most
    assert api.lease(1, 5, "r-2").lease_end(received) == received + dt.timedelta(days=1)
    with pytest.raises(ProtocolError, match="lease_proof"):
        api.lease(1, 5, "r-3")


def test_holding_limit_is_a_reason_and_max_held_contacts_has_a_default(fake, api) -> None:
    empty = {
        **BATCH,
        "batch_id": None,
        "lease_expires_at": None,
        "lease_expires_in_s": None,
        "contacts": [],
        "reason": "holding_limit",
    }
    fake.reply("POST", "/campaigns/1/batches", 200, empty)
    assert api.lease(1, 5, "r-1").reason == "holding_limit"
    fake.reply(
        "GET", "/campaigns", 200, {"campaigns": [campaign(), campaign(id=2, max_held_contacts=7)]}
    )
    fake.reply("GET", "/campaigns", 200, {"campaigns": [campaign(max_held_contacts="7")]})
    first, second = api.campaigns()
    assert (first.max_held_contacts, first.held_limit) == (40, 40)  # 2 x batch_size
    assert second.held_limit == 7
    with pytest.raises(ProtocolError):
        api.campaigns()


def test_a_renewal_lists_the_contacts_still_held(fake, api) -> None:
    reply = {
        "batch_id": 4,
        "lease_expires_at": "2026-11-26T18:45:00Z",
        "lease_expires_in_s": 600,
        "contact_ids": [21, 23],
    }
    bads = (
        {**reply, "contact_ids": None},
        {**reply, "contact_ids": ["21"]},
        {k: v for k, v in reply.items() if k != "contact_ids"},
    )
    for body in (reply, *bads):
        fake.reply("POST", "/batches/4/renew", 200, body)
    renewal = api.renew(4)
    assert (renewal.batch_id, renewal.lease_expires_in_s, renewal.contact_ids) == (4, 600, (21, 23))
    for _ in bads:
        with pytest.raises(ProtocolError):
            api.renew(4)


def test_the_results_check_returns_the_missing_ids(fake, api) -> None:
    fake.reply("POST", "/results/check", 200, {"missing": ["a"]})
    fake.reply("POST", "/results/check", 200, {"missing": "a"})
    assert api.check_results(["a", "b"]) == ("a",)
    with pytest.raises(ProtocolError):
        api.check_results(["a"])
    with pytest.raises(ValueError, match="at most 1000"):
        api.check_results(["x"] * 1001)


def test_earlier_attempts_are_read_strictly_and_bounded(fake, api) -> None:
    import datetime as dt

    attempt = {"outcome": "busy", "label": "Busy", "at": "2026-11-24T18:05:00Z", "notes": "x"}
    many = {**CONTACT, "previous_attempts": [attempt] * 9}
    bad = {**CONTACT, "previous_attempts": [{**attempt, "at": "yesterday"}]}
    for contact in (many, bad):
        fake.reply("POST", "/campaigns/1/batches", 200, {**BATCH, "contacts": [contact]})
    attempts = api.lease(1, 5, "r-1").contacts[0].previous_attempts
    assert len(attempts) == 5  # the contract's bound, whatever a server sends
    assert attempts[0].label == "Busy"
    assert attempts[0].at == dt.datetime(2026, 11, 24, 18, 5, tzinfo=dt.UTC)
    with pytest.raises(ProtocolError, match="at is not a timestamp"):
        api.lease(1, 5, "r-2")


def test_a_skip_reply_says_whether_the_contact_went_back(fake, api) -> None:
    fake.reply("POST", "/batches/4/skip", 200, {"skipped": True})
    fake.reply("POST", "/batches/4/skip", 200, {"skipped": "yes"})
    assert api.skip(4, 11, "6f1c7f5e-0a7e-4a59-9f7e-2b0f3b1d2c11") is True
    with pytest.raises(ProtocolError):
        api.skip(4, 11, "6f1c7f5e-0a7e-4a59-9f7e-2b0f3b1d2c11")


def _tally(**over) -> dict:  # type: ignore[no-untyped-def]
    return {
        "campaign_id": 1,
        "team": {"calls": 9, "reached": 4, "volunteers_active": 3},
        "mine": {"calls": 2, "reached": 1},
        "campaign_status": "active",
        **over,
    }


def _one_result() -> Result:
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    return Result("8d4c5b1e-0000-4000-8000-000000000001", 1, 1, 1, "answered", now, 1, now)


def test_upload_reply_tallies_are_read_and_an_older_servers_absence_is_none(fake, api) -> None:
    r = _one_result()
    fake.reply("POST", "/results", 200, {"accepted": [r.id], "duplicates": [], "rejected": []})
    body = {"accepted": [r.id], "duplicates": [], "rejected": [], "tallies": [_tally()]}
    fake.reply("POST", "/results", 200, body)
    assert api.post_results([r]).tallies is None  # an older server: the app polls instead
    reply = api.post_results([r])
    tally = reply.tally(1)
    assert tally is not None
    assert (tally.calls, tally.reached, tally.volunteers_active) == (9, 4, 3)
    assert (tally.my_calls, tally.my_reached, tally.campaign_status) == (2, 1, "active")
    assert reply.tally(2) is None


@pytest.mark.parametrize(
    "tallies",
    [
        {"campaign_id": 1},  # not a list
        [_tally(campaign_id="1")],
        [_tally(campaign_id=-1)],
        [_tally(team={"calls": -1, "reached": 0, "volunteers_active": 0})],
        [_tally(team={"calls": 1, "reached": 0})],
        [_tally(mine={"calls": 1.0, "reached": 0})],
        [_tally(mine={"calls": True, "reached": 0})],
        [_tally(mine={"calls": 2, "reached": -3})],
        [_tally(campaign_status="exploded")],
        [_tally(team=[])],
        ["tally"],
    ],
)
def test_upload_reply_with_bad_tallies_is_a_protocol_error(fake, api, tallies) -> None:
    r = _one_result()
    body = {"accepted": [r.id], "duplicates": [], "rejected": [], "tallies": tallies}
    fake.reply("POST", "/results", 200, body)
    with pytest.raises(ProtocolError):
        api.post_results([r])
