"""Sign-in, tokens, throttling and organiser-only endpoints, over real HTTP."""

from __future__ import annotations

import datetime as dt

import requests
from sqlalchemy import select, update

from caller_server.models import SigninThrottle, Token
from caller_server.signin_throttle import Keys
from tests.support.server import Api, LiveServer, Seeded, db_session


def _error(reply: requests.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return body["error"]["message"]


def test_health_needs_no_sign_in(live_server: LiveServer) -> None:
    reply = requests.get(live_server.url + "/api/v1/health", timeout=10)
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "ok"
    assert body["api"] == 1
    assert isinstance(body["version"], str)


def test_openapi_is_served(live_server: LiveServer) -> None:
    spec = requests.get(live_server.url + "/openapi.json", timeout=10).json()
    assert "/api/v1/results" in spec["paths"]
    result = spec["components"]["schemas"]["ResultIn"]["properties"]
    assert result["notes"]["maxLength"] == 4000


def test_login_returns_token_and_volunteer(live_server: LiveServer, seeded: Seeded) -> None:
    api = Api(live_server.url)
    reply = api.post(
        "/auth/login", json={"username": seeded.callers[0], "password": seeded.password}
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert len(body["token"]) >= 40
    assert body["expires_at"].endswith("Z")
    assert body["volunteer"] == {
        "id": seeded.volunteer_ids[seeded.callers[0]],
        "username": seeded.callers[0],
        "name": "Alex Caller",
        "role": "caller",
    }
    with db_session(seeded.db_url) as s:  # only the token's hash is stored
        assert s.scalar(select(Token).where(Token.token_hash == body["token"])) is None


def test_wrong_password_and_unknown_user_look_the_same(
    live_server: LiveServer, seeded: Seeded
) -> None:
    api = Api(live_server.url)
    m1 = _error(
        api.post("/auth/login", json={"username": seeded.callers[0], "password": "nope"}),
        401,
        "unauthorized",
    )
    m2 = _error(
        api.post("/auth/login", json={"username": "nobody-here", "password": "nope"}),
        401,
        "unauthorized",
    )
    assert m1 == m2


def test_endpoints_need_a_valid_token(live_server: LiveServer, seeded: Seeded) -> None:
    paths = [
        ("GET", "/campaigns"),
        ("GET", "/me"),
        ("GET", f"/campaigns/{seeded.campaign_id}/script"),
        ("POST", "/results"),
        ("GET", "/batches/1"),
        ("POST", "/auth/logout"),
    ]
    for token in (None, "not-a-token"):
        api = Api(live_server.url, token)
        for method, path in paths:
            _error(api.request(method, path, json={}), 401, "unauthorized")


def test_logout_revokes_the_token(live_server: LiveServer, caller: Api) -> None:
    assert caller.get("/me").status_code == 200
    assert caller.post("/auth/logout").status_code == 204
    _error(caller.get("/me"), 401, "unauthorized")


def test_expired_token_is_refused(live_server: LiveServer, seeded: Seeded, caller: Api) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with db_session(seeded.db_url) as s:
        vid = seeded.volunteer_ids[seeded.callers[0]]
        s.execute(update(Token).where(Token.volunteer_id == vid).values(expires_at=past))
        s.commit()
    _error(caller.get("/campaigns"), 401, "unauthorized")


def _login_from(api: Api, address: str, username: str, password: str) -> requests.Response:
    """A sign-in relayed by the trusted proxy on 127.0.0.1 for a client at `address`."""
    body = {"username": username, "password": password}
    return api.post("/auth/login", json=body, headers={"X-Forwarded-For": address})


def _push_wait(db_url: str, username: str, address: str, until: dt.datetime) -> None:
    """Move the (username, address) throttle's next allowed time (to skip real waiting)."""
    key = Keys.of(username, address).pair
    with db_session(db_url) as s:
        s.execute(
            update(SigninThrottle).where(SigninThrottle.key == key).values(next_allowed_at=until)
        )
        s.commit()


def test_throttling_slows_the_guesser_and_never_locks_the_owner_out(
    live_server: LiveServer, seeded: Seeded
) -> None:
    """Five wrong passwords from one address for one username, then that pair waits;
    the owner, signing in from their own address, is not held up at all."""
    api = Api(live_server.url)
    user, stranger, owner = seeded.callers[1], "203.0.113.7", "198.51.100.4"
    statuses = []
    for n in range(8):
        reply = _login_from(api, stranger, user, f"bad-{n}")
        statuses.append(reply.status_code)
        if reply.status_code == 429:
            break
    # Five wrong passwords are checked; the next one within a second must wait.
    assert statuses[:5] == [401] * 5, statuses
    assert statuses[-1] == 429, statuses
    message = _error(reply, 429, "throttled")
    wait = int(reply.headers["Retry-After"])
    assert 1 <= wait <= 300
    assert message.startswith("Too many tries. Please wait ")
    assert f"wait {wait} second" in message

    # The owner, from home, is let straight in.
    assert _login_from(api, owner, user, seeded.password).status_code == 200
    # And the stranger's pair stays throttled, even with the right password.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)
    _push_wait(seeded.db_url, user, stranger, later)
    refused = _login_from(api, stranger, user, seeded.password)
    _error(refused, 429, "throttled")
    assert 55 <= int(refused.headers["Retry-After"]) <= 60
    # Another username from the stranger's address is not affected (yet).
    assert _login_from(api, stranger, seeded.callers[0], seeded.password).status_code == 200
    # Once the wait is over, the right password works, and clears that pair's count.
    _push_wait(seeded.db_url, user, stranger, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert _login_from(api, stranger, user, seeded.password).status_code == 200
    with db_session(seeded.db_url) as s:
        assert s.get(SigninThrottle, Keys.of(user, stranger).pair) is None


def test_me_and_preferences(caller: Api, seeded: Seeded) -> None:
    me = caller.get("/me").json()
    assert me["username"] == seeded.callers[0]
    assert me["leaderboard_opt_in"] is False
    reply = caller.put("/me/preferences", json={"leaderboard_opt_in": True})
    assert reply.status_code == 200
    assert reply.json()["leaderboard_opt_in"] is True
    assert caller.get("/me").json()["leaderboard_opt_in"] is True
    _error(
        caller.put("/me/preferences", json={"leaderboard_opt_in": "yes"}), 422, "validation_error"
    )


def test_organiser_endpoints_are_forbidden_to_callers(
    caller: Api, caller2: Api, organiser: Api, seeded: Seeded
) -> None:
    cid = seeded.campaign_id
    victim = seeded.volunteer_ids[seeded.callers[1]]
    _error(caller.get(f"/campaigns/{cid}/results.csv"), 403, "forbidden")
    _error(caller.post(f"/admin/volunteers/{victim}/revoke"), 403, "forbidden")
    assert caller2.get("/me").status_code == 200  # the refused revoke changed nothing

    reply = organiser.get(f"/campaigns/{cid}/results.csv")
    assert reply.status_code == 200
    assert reply.text.startswith("result_id,contact_id,external_id")
    _error(organiser.post("/admin/volunteers/99999999/revoke"), 404, "not_found")
    assert organiser.post(f"/admin/volunteers/{victim}/revoke").status_code == 200
    _error(caller2.get("/me"), 401, "unauthorized")
    assert caller.get("/me").status_code == 200
