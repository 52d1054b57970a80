"""Invites over real HTTP (issue 14): look up, accept, expiry, uses, approval, revoke,
one use per account under a race, throttled guessing; health's version handshake.

Invites are made through invites.py in the database (as the console does); each test
speaks from its own client address (X-Forwarded-For, trusted from 127.0.0.1), so the
throttle counts of one test never reach another. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select, update

from caller_server import downloads, invites
from caller_server.models import AuditEntry, Campaign, CampaignMember, Invite, Volunteer
from tests.support.invites import make_invite
from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    db_session,
    seed,
)

pytestmark = pytest.mark.timeout(180)
PASSWORD = "tangerine bicycle lamp"
PER_ADDRESS = 8
ENV = {
    "CALLER_SERVER_THROTTLE_PER_ADDRESS": str(PER_ADDRESS),
    "CALLER_SERVER_THROTTLE_MAX_WAIT_S": "30",
    "CALLER_SERVER_URL": "https://phonebank.example.org",
    "CALLER_SERVER_MIN_APP_VERSION": "0.1.0",
}
_addresses = (f"203.0.113.{n}" for n in itertools.count(1))
_names = itertools.count(1)


@pytest.fixture(scope="module")
def server(database: str) -> Iterator[LiveServer]:
    args = ["--forwarded-allow-ips", "127.0.0.1"]
    with LiveServer(database, env=ENV, via_cli=True, args=args) as live:
        yield live


@pytest.fixture
def data(database: str) -> Seeded:
    return seed(database, contacts=4, callers=1, open_to_all=False)


@pytest.fixture
def address() -> str:
    return next(_addresses)


def accept(
    server: LiveServer, code: str, address: str, username: str | None = None, **body: str
) -> requests.Response:
    payload = {
        "name": "Priya Newcomer",
        "username": username or f"newcomer{next(_names)}",
        "password": PASSWORD,
        **body,
    }
    return requests.post(
        f"{server.url}/api/v1/invites/{code}/accept",
        json=payload,
        headers={"X-Forwarded-For": address},
        timeout=60,
    )


def lookup(server: LiveServer, code: str, address: str) -> requests.Response:
    return requests.get(
        f"{server.url}/api/v1/invites/{code}", headers={"X-Forwarded-For": address}, timeout=30
    )


def test_an_invite_makes_a_member_who_signs_in_and_sees_only_that_campaign(
    server: LiveServer, data: Seeded, address: str
) -> None:
    other = seed(data.db_url, contacts=2, callers=0, open_to_all=False)
    code = make_invite(data.db_url, data.campaign_id)
    seen = lookup(server, code.lower().replace("-", ""), address)
    assert seen.status_code == 200, seen.text
    assert seen.json()["campaign_id"] == data.campaign_id
    reply = accept(server, code, address, username="  Priya.N ")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["campaign_id"] == data.campaign_id
    assert body["volunteer"]["username"] == "Priya.N"
    api = Api(server.url, body["token"])
    listed = {c["id"] for c in api.get("/campaigns").json()["campaigns"]}
    assert data.campaign_id in listed
    assert other.campaign_id not in listed
    assert api.lease(data.campaign_id, size=2)["contacts"]
    lease = {"size": 2, "request_id": "6f1c2b9e-7d1a-4c53-9c1e-1f0b2a3c4d5e"}
    refused = api.post(f"/campaigns/{other.campaign_id}/batches", json=lease)
    assert refused.status_code in (403, 404)
    with db_session(data.db_url) as s:
        invite = s.scalar(select(Invite).where(Invite.code == code))
        assert invite is not None
        assert invite.uses == 1
        vid = body["volunteer"]["id"]
        assert s.get(CampaignMember, (data.campaign_id, vid)) is not None
        actions = [
            e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.actor_id == vid))
        ]
        assert "invite_used" in actions
    # The same account signs in as usual afterwards, any case.
    assert Api.login(server.url, "priya.n", PASSWORD).token


@pytest.mark.parametrize("why", ["expired", "revoked", "used up", "closed", "unknown"])
def test_unusable_invites_all_look_the_same(
    server: LiveServer, data: Seeded, address: str, why: str
) -> None:
    code = make_invite(data.db_url, data.campaign_id, max_uses=1)
    with db_session(data.db_url) as s:
        invite = s.scalar(select(Invite).where(Invite.code == code))
        assert invite is not None
        now = dt.datetime.now(dt.UTC)
        if why == "expired":
            invite.expires_at = now - dt.timedelta(seconds=1)
        elif why == "revoked":
            invites.revoke(s, invite, None, now)
        elif why == "used up":
            invite.uses = 1
        elif why == "closed":
            s.execute(
                update(Campaign).where(Campaign.id == data.campaign_id).values(status="closed")
            )
        s.commit()
    if why == "unknown":
        code = "ZZZ-ZZZ" if code != "ZZZ-ZZZ" else "YYY-YYY"
    for reply in (lookup(server, code, address), accept(server, code, address)):
        assert reply.status_code == 404, reply.text
        assert reply.json()["error"] == {"code": "invite_gone", "message": invites.GONE}


def test_maximum_uses_then_gone(server: LiveServer, data: Seeded, address: str) -> None:
    code = make_invite(data.db_url, data.campaign_id, max_uses=2)
    assert accept(server, code, address).status_code == 200
    assert accept(server, code, address).status_code == 200
    assert accept(server, code, address).status_code == 404


def test_racing_for_the_last_use_makes_one_account(
    server: LiveServer, data: Seeded, address: str
) -> None:
    """A hostile caller fires the same one-use invite ten times at once (from ten
    addresses, so the throttle stays out of it)."""
    del address
    code = make_invite(data.db_url, data.campaign_id, max_uses=1)
    racers = [(n, next(_addresses)) for n in range(10)]

    def race(racer: tuple[int, str]) -> requests.Response:
        return accept(server, code, racer[1], f"racer{racer[0]}x{code}")

    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(race, racers))
    assert sorted(r.status_code for r in replies) == [200] + [404] * 9
    with db_session(data.db_url) as s:
        made = s.scalars(select(Volunteer).where(Volunteer.username.like(f"racer%x{code}"))).all()
        assert len(made) == 1
        invite = s.scalar(select(Invite).where(Invite.code == code))
        assert invite is not None
        assert invite.uses == 1


def test_the_same_account_twice_is_refused_and_keeps_the_use(
    server: LiveServer, data: Seeded, address: str
) -> None:
    code = make_invite(data.db_url, data.campaign_id, max_uses=3)
    assert accept(server, code, address, username="twice-me").status_code == 200
    again = accept(server, code, address, username="TWICE-ME")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "username_taken"
    with db_session(data.db_url) as s:
        invite = s.scalar(select(Invite).where(Invite.code == code))
        assert invite is not None
        assert invite.uses == 1


def test_the_password_policy_and_fields_are_checked_in_words(
    server: LiveServer, data: Seeded, address: str
) -> None:
    code = make_invite(data.db_url, data.campaign_id, max_uses=1)
    short = accept(server, code, address, password="short")
    assert short.status_code == 422
    assert short.json()["error"]["code"] == "invalid_password"
    assert "10 characters" in short.json()["error"]["message"]
    spaced = accept(server, code, address, username="two words")
    assert spaced.json()["error"]["code"] == "invalid_username"
    # Nothing was used up by the bad tries.
    assert accept(server, code, address).status_code == 200


def test_approval_makes_a_pending_account_until_an_organiser_approves(
    server: LiveServer, data: Seeded, address: str
) -> None:
    code = make_invite(data.db_url, data.campaign_id, needs_approval=True)
    reply = accept(server, code, address, username="waiting-one")
    assert reply.status_code == 202, reply.text
    assert reply.json()["pending"] is True
    assert "approve" in reply.json()["message"]
    signin = requests.post(
        server.url + "/api/v1/auth/login",
        json={"username": "waiting-one", "password": PASSWORD},
        headers={"X-Forwarded-For": address},
        timeout=60,
    )
    assert signin.status_code == 401
    with db_session(data.db_url) as s:
        waiting = invites.pending(s, data.campaign_id)
        assert [v.username for v in waiting] == ["waiting-one"]
        invites.decide(
            s, waiting[0], True, data.volunteer_ids[data.organiser], dt.datetime.now(dt.UTC)
        )
        s.commit()
        assert invites.pending(s, data.campaign_id) == []
    assert Api.login(server.url, "waiting-one", PASSWORD).token


def test_guessing_codes_is_throttled_per_address(server: LiveServer, data: Seeded) -> None:
    guesser, other = next(_addresses), next(_addresses)
    code = make_invite(data.db_url, data.campaign_id)
    statuses = [
        lookup(server, f"ZZZ-{n:03d}".replace("0", "Z"), guesser).status_code
        for n in range(PER_ADDRESS + 3)
    ]
    assert 404 in statuses
    assert statuses[-1] == 429
    refused = accept(server, code, guesser)
    assert refused.status_code == 429
    assert "wait" in refused.json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) >= 1
    # Another address, with the real code, is not held up.
    assert accept(server, code, other).status_code == 200


def test_health_gives_the_version_floor_and_download_page(server: LiveServer) -> None:
    body = requests.get(server.url + "/api/v1/health", timeout=30).json()
    assert body["min_app_version"] == "0.1.0"
    assert body["download_url"] == "https://phonebank.example.org" + downloads.DOWNLOAD_PATH
