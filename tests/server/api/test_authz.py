"""Authorization boundaries, token lifetime and login throttling, over real HTTP.

test_api_auth.py and test_api_batches.py cover the basics (another volunteer's batch
is a 404, organiser endpoints are a 403, logout and organiser revocation). Here:
contacts never leased to a volunteer stay invisible and untouchable by every route,
tokens really expire with time, revocation is per token or per volunteer, and
throttling holds under a concurrent burst of wrong passwords.

Token lifetime and the longest sign-in wait are shortened for one server of this
module with CALLER_SERVER_TOKEN_LIFETIME_S and CALLER_SERVER_THROTTLE_MAX_WAIT_S.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select, update

from caller_server.models import Batch, Contact, Result, Volunteer
from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    db_session,
    fresh_database,
    result_payload,
    seed,
)

pytestmark = pytest.mark.timeout(120)

TOKEN_LIFETIME_S = 5
THROTTLE_MAX_WAIT_S = 10


def _error(reply: requests.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]["message"]


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- contacts that were never leased to you ----------------------------------------------


def test_other_volunteers_contacts_never_reach_you(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    """B sees A's contacts through no route: not by batch id, not by any reply body."""
    mine = caller.lease(seeded.campaign_id, 4)
    theirs = caller2.lease(seeded.campaign_id, 2)
    phones = [c["phone"] for c in mine["contacts"]]
    seen: list[str] = []
    for bid in range(max(1, mine["batch_id"] - 3), mine["batch_id"] + 4):
        reply = caller2.get(f"/batches/{bid}")
        if bid == theirs["batch_id"]:
            assert reply.status_code == 200
        else:
            _error(reply, 404, "not_found")
        seen.append(reply.text)
    for path in (
        "/campaigns",
        f"/campaigns/{seeded.campaign_id}/script",
        f"/campaigns/{seeded.campaign_id}/progress",
        "/me",
    ):
        reply = caller2.get(path)
        assert reply.status_code == 200, path
        seen.append(reply.text)
    text = "\n".join(seen)
    assert len(phones) == 4
    assert not any(phone in text for phone in phones)


def test_cannot_post_results_for_contacts_of_another_batch(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    """Naming your own batch with someone else's contact (or none at all) is not_leased."""
    mine = caller.lease(seeded.campaign_id, 3)
    theirs = caller2.lease(seeded.campaign_id, 3)
    never = next(
        c
        for c in seeded.contact_ids
        if c not in {x["id"] for x in mine["contacts"] + theirs["contacts"]}
    )
    attempts = [
        result_payload(theirs["batch_id"], c["id"], "refused", notes="not mine")
        for c in mine["contacts"]
    ]
    attempts.append(result_payload(theirs["batch_id"], never, "refused"))
    reply = caller2.post("/results", json={"results": attempts})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["accepted"] == []
    assert body["duplicates"] == []
    assert Counter(r["code"] for r in body["rejected"]) == {"not_leased": len(attempts)}
    with db_session(seeded.db_url) as s:
        assert s.scalar(select(Result.id).where(Result.campaign_id == seeded.campaign_id)) is None
        for c in mine["contacts"]:
            row = s.get(Contact, c["id"])
            assert (row.batch_id, row.attempts) == (mine["batch_id"], 0)


def test_cannot_release_or_renew_someone_elses_contacts(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    """Listing A's contact ids in a release of B's own batch frees none of them."""
    mine = caller.lease(seeded.campaign_id, 3)
    theirs = caller2.lease(seeded.campaign_id, 3)
    ids = [c["id"] for c in mine["contacts"]]
    reply = caller2.post(f"/batches/{theirs['batch_id']}/release", json={"contact_ids": ids})
    assert reply.json() == {"released": 0}
    assert [c["id"] for c in caller.get(f"/batches/{mine['batch_id']}").json()["contacts"]] == ids
    before = caller.get(f"/batches/{mine['batch_id']}").json()["lease_expires_at"]
    _error(caller2.post(f"/batches/{mine['batch_id']}/renew"), 404, "not_found")
    _error(
        caller2.post(f"/batches/{mine['batch_id']}/release", json={"contact_ids": ids}),
        404,
        "not_found",
    )
    with db_session(seeded.db_url) as s:
        batch = s.get(Batch, mine["batch_id"])
        assert batch.released_at is None
        assert batch.expires_at.replace(tzinfo=dt.UTC) == _ts(before)
        assert all(s.get(Contact, i).batch_id == mine["batch_id"] for i in ids)


def test_callers_cannot_export_any_campaign(caller: Api, seeded: Seeded) -> None:
    for cid in (seeded.campaign_id, 1, 2**31 - 1):
        _error(caller.get(f"/campaigns/{cid}/results.csv"), 403, "forbidden")
    for vid in (seeded.volunteer_ids[seeded.callers[0]], 2**31 - 1):
        _error(caller.post(f"/admin/volunteers/{vid}/revoke"), 403, "forbidden")
    assert caller.get("/me").status_code == 200


# --- revocation ---------------------------------------------------------------------------


def test_logout_revokes_only_that_token(live_server: LiveServer, seeded: Seeded) -> None:
    laptop = Api.login(live_server.url, seeded.callers[0], seeded.password)
    phone = Api.login(live_server.url, seeded.callers[0], seeded.password)
    assert laptop.post("/auth/logout").status_code == 204
    _error(laptop.get("/me"), 401, "unauthorized")
    _error(laptop.post("/auth/logout"), 401, "unauthorized")  # no second use, even to log out
    assert phone.get("/me").status_code == 200


def test_organiser_revoke_ends_every_session_of_that_volunteer(
    live_server: LiveServer, seeded: Seeded, organiser: Api
) -> None:
    user = seeded.callers[1]
    sessions = [Api.login(live_server.url, user, seeded.password) for _ in range(3)]
    batch = sessions[0].lease(seeded.campaign_id, 2)
    reply = organiser.post(f"/admin/volunteers/{seeded.volunteer_ids[user]}/revoke")
    assert reply.json() == {"volunteer_id": seeded.volunteer_ids[user], "revoked": 3}
    for api in sessions:
        _error(api.get("/me"), 401, "unauthorized")
        _error(api.get(f"/batches/{batch['batch_id']}"), 401, "unauthorized")
        reply = api.post(
            "/results",
            json={"results": [result_payload(batch["batch_id"], batch["contacts"][0]["id"])]},
        )
        _error(reply, 401, "unauthorized")
    # Signing in again works and finds the batch still leased to them.
    again = Api.login(live_server.url, user, seeded.password)
    assert len(again.get(f"/batches/{batch['batch_id']}").json()["contacts"]) == 2


# --- a server with a short token lifetime and throttle window ------------------------------


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def short_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Seeded]]:
    """SQLite with one process; PostgreSQL with `serve --workers 2` (two processes race)."""
    env = {
        "CALLER_SERVER_TOKEN_LIFETIME_S": str(TOKEN_LIFETIME_S),
        "CALLER_SERVER_THROTTLE_MAX_WAIT_S": str(THROTTLE_MAX_WAIT_S),
    }
    workers = 2 if request.param == "postgres" else 1
    with fresh_database(request.param, tmp_path_factory.mktemp("authz")) as url:
        data = seed(url, contacts=6, callers=3)
        with LiveServer(url, env=env, workers=workers, via_cli=workers > 1) as server:
            yield server, data


def test_tokens_expire(short_server: tuple[LiveServer, Seeded]) -> None:
    server, data = short_server
    api = Api(server.url)
    before = dt.datetime.now(dt.UTC)
    reply = api.post("/auth/login", json={"username": data.callers[0], "password": data.password})
    assert reply.status_code == 200, reply.text
    expires = _ts(reply.json()["expires_at"])
    assert before < expires <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=TOKEN_LIFETIME_S)
    token = reply.json()["token"]
    signed_in = Api(server.url, token)
    assert signed_in.get("/me").status_code == 200
    time.sleep(max(0.0, (expires - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)
    message = _error(signed_in.get("/me"), 401, "unauthorized")
    assert "sign in" in message.lower()
    _error(signed_in.get("/campaigns"), 401, "unauthorized")


def _burst(url: str, username: str, password: str, count: int) -> list[requests.Response]:
    """`count` sign-ins released at the same moment, as a password-guessing script sends."""
    barrier = threading.Barrier(count)
    replies: list[requests.Response] = []
    lock = threading.Lock()

    def one() -> None:
        body = json.dumps({"username": username, "password": password})
        barrier.wait(30)
        reply = requests.post(
            url + "/api/v1/auth/login",
            data=body,
            timeout=60,
            headers={"Content-Type": "application/json"},
        )
        with lock:
            replies.append(reply)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert len(replies) == count
    return replies


def _check_throttled(reply: requests.Response) -> int:
    message = _error(reply, 429, "throttled")
    wait = int(reply.headers["Retry-After"])
    assert 1 <= wait <= THROTTLE_MAX_WAIT_S
    assert str(wait) in message
    return wait


def test_throttling_holds_under_a_burst(short_server: tuple[LiveServer, Seeded]) -> None:
    """30 wrong passwords at once: at most five are checked, the rest are 429s.

    (Each attempt is counted before its password is checked, so a burst sees itself;
    throttled attempts are not failures themselves, so the count stays at five.)
    """
    server, data = short_server
    replies = _burst(server.url, data.callers[1], "guess-1234", 30)
    statuses = Counter(r.status_code for r in replies)
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[401] <= 5, statuses
    assert statuses[429] >= 25, statuses
    for reply in replies:
        if reply.status_code == 429:
            _check_throttled(reply)


def _wait_now(login: str, user: str) -> int:
    """The wait a wrong password is told about now (a probe that got through counted
    one more failure, so keep probing until one is refused)."""
    for n in range(5):
        reply = requests.post(login, json={"username": user, "password": f"probe-{n}"}, timeout=30)
        if reply.status_code == 429:
            return _check_throttled(reply)
        _error(reply, 401, "unauthorized")
    raise AssertionError("never throttled")


def test_delays_grow_and_the_right_password_works_after_the_stated_wait(
    short_server: tuple[LiveServer, Seeded],
) -> None:
    server, data = short_server
    user = data.callers[0]
    login = server.url + "/api/v1/auth/login"
    for n in range(5):
        wrong = {"username": user, "password": f"guess-{n}"}
        _error(requests.post(login, json=wrong, timeout=30), 401, "unauthorized")
    # Each failure past the allowance doubles the wait: 1 s, 2 s, 4 s...
    waits = [_wait_now(login, user)]
    for n in range(2):
        time.sleep(waits[-1] + 0.2)
        wrong = {"username": user, "password": f"again-{n}"}
        _error(requests.post(login, json=wrong, timeout=30), 401, "unauthorized")
        waits.append(_wait_now(login, user))
    assert waits[0] < waits[1] < waits[2], waits
    assert waits[2] >= 4, waits
    # A burst with the right password, then one more: all refused while waiting.
    burst = [_check_throttled(r) for r in _burst(server.url, user, data.password, 10)]
    right = {"username": user, "password": data.password}
    wait = _check_throttled(requests.post(login, json=right, timeout=30))
    assert wait <= min(burst)
    time.sleep(wait + 0.2)
    reply = requests.post(login, json=right, timeout=30)
    assert reply.status_code == 200, reply.text
    # The success cleared the count: one more mistake is a plain 401, not a 429.
    wrong = {"username": user, "password": "guess-5678"}
    _error(requests.post(login, json=wrong, timeout=30), 401, "unauthorized")


def test_a_burst_on_one_username_leaves_others_alone(
    short_server: tuple[LiveServer, Seeded],
) -> None:
    server, data = short_server
    _burst(server.url, data.callers[2], "wrong", 12)
    api = Api.login(server.url, data.callers[0], data.password)
    assert api.get("/me").status_code == 200


# --- campaign routes read the token and the campaign in one query --------------------------


def _campaign_routes(api: Api, cid: int) -> list[requests.Response]:
    body = {"size": 1, "request_id": str(uuid.uuid4())}
    return [
        api.get(f"/campaigns/{cid}/progress"),
        api.get(f"/campaigns/{cid}/script"),
        api.post(f"/campaigns/{cid}/batches", json=body),
    ]


def test_campaign_routes_stop_a_revoked_or_disabled_sign_in_at_the_next_request(
    live_server: LiveServer, seeded: Seeded, organiser: Api
) -> None:
    cid, user = seeded.campaign_id, seeded.callers[1]
    vid = seeded.volunteer_ids[user]
    api = Api.login(live_server.url, user, seeded.password)
    assert [r.status_code for r in _campaign_routes(api, cid)] == [200, 200, 200]
    assert organiser.post(f"/admin/volunteers/{vid}/revoke").status_code == 200
    for reply in [*_campaign_routes(api, cid), *_campaign_routes(api, 987654)]:
        _error(reply, 401, "unauthorized")  # signed out first, whatever the campaign

    api = Api.login(live_server.url, user, seeded.password)
    assert [r.status_code for r in _campaign_routes(api, cid)] == [200, 200, 200]
    with db_session(seeded.db_url) as s:  # disabled with its tokens left live
        s.execute(
            update(Volunteer).where(Volunteer.id == vid).values(disabled_at=dt.datetime.now(dt.UTC))
        )
        s.commit()
    try:
        for reply in _campaign_routes(api, cid):
            _error(reply, 401, "unauthorized")
    finally:
        with db_session(seeded.db_url) as s:
            s.execute(update(Volunteer).where(Volunteer.id == vid).values(disabled_at=None))
            s.commit()
    assert [r.status_code for r in _campaign_routes(api, cid)] == [200, 200, 200]


def test_campaign_routes_hide_unknown_closed_and_members_only_campaigns(
    live_server: LiveServer, seeded: Seeded, caller: Api, organiser: Api
) -> None:
    for reply in _campaign_routes(caller, 987654):
        _error(reply, 404, "not_found")
    private = seed(live_server.db_url, contacts=2, callers=0, open_to_all=False)
    for reply in _campaign_routes(caller, private.campaign_id):
        _error(reply, 404, "not_found")  # not a member: as if it did not exist
    assert [r.status_code for r in _campaign_routes(organiser, private.campaign_id)] == [
        200,
        200,
        200,
    ]  # organisers see every campaign
    closed = seed(live_server.db_url, contacts=2, callers=0, status="closed")
    progress, script, lease = _campaign_routes(caller, closed.campaign_id)
    _error(progress, 404, "not_found")
    _error(script, 404, "not_found")
    assert (lease.status_code, lease.json()["reason"]) == (200, "closed")  # says why
