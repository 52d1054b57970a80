"""Sign-in that cannot be used against its owner (issue 14), over real HTTP.

Each backend gets two `caller-server serve` processes on one database: one trusting
the test's own address (127.0.0.1) as a proxy, so X-Forwarded-For names the client,
and one trusting only 192.0.2.1, so the header is ignored. The per-address allowance
is shrunk to SPRAY (env CALLER_SERVER_THROTTLE_PER_ADDRESS) to keep the tests short.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from argon2 import PasswordHasher
from sqlalchemy import select, update

from caller_app.api.client import ApiClient
from caller_app.api.errors import Rejected, Throttled
from caller_server import hashing
from caller_server.models import Volunteer
from tests.support.server import (
    LiveServer,
    Seeded,
    db_session,
    seed,
)

pytestmark = pytest.mark.timeout(180)

SPRAY = 8
ENV = {"CALLER_SERVER_THROTTLE_PER_ADDRESS": str(SPRAY), "CALLER_SERVER_THROTTLE_MAX_WAIT_S": "30"}


@pytest.fixture(scope="module")
def trusting(database: str) -> Iterator[LiveServer]:
    """Behind a proxy on 127.0.0.1 (two worker processes on PostgreSQL)."""
    workers = 2 if database.startswith("postgresql") else 1
    args = ["--forwarded-allow-ips", "127.0.0.1"]
    with LiveServer(database, env=ENV, via_cli=True, workers=workers, args=args) as server:
        yield server


@pytest.fixture(scope="module")
def untrusting(database: str) -> Iterator[LiveServer]:
    """Trusts only a proxy at 192.0.2.1 (set by env), so our X-Forwarded-For is ignored."""
    env = {**ENV, "CALLER_SERVER_FORWARDED_ALLOW_IPS": "192.0.2.1"}
    with LiveServer(database, env=env, via_cli=True) as server:
        yield server


@pytest.fixture
def data(database: str) -> Seeded:
    return seed(database, contacts=2, callers=2)


def _login(server: LiveServer, username: str, password: str, address: str) -> requests.Response:
    return requests.post(
        server.url + "/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=60,
    )


def _guess_until_throttled(
    server: LiveServer, usernames: list[str], address: str
) -> tuple[int, requests.Response]:
    """Wrong passwords for `usernames` in turn until one is refused: (401s, the 429)."""
    for n, username in enumerate(usernames):
        reply = _login(server, username, f"guess-{n}", address)
        if reply.status_code == 429:
            return n, reply
        assert reply.status_code == 401, reply.text
    raise AssertionError(f"{len(usernames)} wrong passwords and never throttled")


def test_the_owner_is_not_locked_out_by_a_strangers_guesses(
    trusting: LiveServer, data: Seeded
) -> None:
    owner = data.callers[0]
    failures, refused = _guess_until_throttled(trusting, [owner] * 10, "203.0.113.10")
    assert 5 <= failures <= 7  # five free, then waits (a slow machine may let one more by)
    assert refused.json()["error"]["code"] == "throttled"
    # The stranger keeps hammering; the owner, from their own address, walks in.
    for _ in range(5):
        assert _login(trusting, owner, "still-guessing", "203.0.113.10").status_code == 429
    reply = _login(trusting, owner, data.password, "198.51.100.20")
    assert reply.status_code == 200, reply.text


def test_spraying_many_usernames_from_one_address_is_limited(
    trusting: LiveServer, data: Seeded
) -> None:
    """One guess each at many usernames: the per-address count stops it, though no
    single username reached its own allowance."""
    sprayer = "203.0.113.30"
    names = [f"someone-{n}" for n in range(SPRAY + 4)]
    failures, refused = _guess_until_throttled(trusting, names, sprayer)
    assert SPRAY <= failures <= SPRAY + 2
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 30
    assert f"Please wait {wait} second" in refused.json()["error"]["message"]
    # Even a real volunteer's right password from that address waits...
    assert _login(trusting, data.callers[1], data.password, sprayer).status_code == 429
    # ...while the same volunteer elsewhere is let in.
    assert _login(trusting, data.callers[1], data.password, "198.51.100.31").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    trusting: LiveServer, data: Seeded
) -> None:
    user = data.callers[1]
    _guess_until_throttled(trusting, [user] * 10, "203.0.113.40")
    # The proxy relays another client: a different (username, address), so let in.
    assert _login(trusting, user, data.password, "203.0.113.41").status_code == 200


def test_from_an_untrusted_peer_the_forwarded_header_is_ignored(
    untrusting: LiveServer, data: Seeded
) -> None:
    """Rotating X-Forwarded-For does not escape: the address is the real peer's."""
    user = data.callers[0]
    addresses = [f"203.0.113.{50 + n}" for n in range(10)]
    failures = 0
    for n, address in enumerate(addresses):
        reply = _login(untrusting, user, f"guess-{n}", address)
        if reply.status_code == 429:
            break
        failures += 1
    assert 5 <= failures <= 7, "each forged address got a fresh allowance"
    assert _login(untrusting, user, data.password, "203.0.113.99").status_code == 429


def test_a_weaker_hash_is_upgraded_at_the_next_sign_in(trusting: LiveServer, data: Seeded) -> None:
    user = data.callers[1]
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(data.password)
    assert hashing.needs_rehash(weak)
    with db_session(data.db_url) as s:
        s.execute(update(Volunteer).where(Volunteer.username == user).values(password_hash=weak))
        s.commit()
    assert _login(trusting, user, data.password, "198.51.100.60").status_code == 200
    with db_session(data.db_url) as s:
        stored = s.scalar(select(Volunteer.password_hash).where(Volunteer.username == user))
    assert stored is not None
    assert stored != weak
    assert not hashing.needs_rehash(stored)
    assert f"m={hashing.MEMORY_COST_KIB},t={hashing.TIME_COST},p=1" in stored
    assert hashing.verify_password(stored, data.password)
    assert not hashing.verify_password(stored, "not the password")
    # And the upgraded hash signs in again.
    assert _login(trusting, user, data.password, "198.51.100.60").status_code == 200


def test_the_app_says_how_long_to_wait_in_words(untrusting: LiveServer, data: Seeded) -> None:
    """The desktop app's client turns the 429 into the sentence the sign-in shows."""
    user = data.callers[1]
    client = ApiClient(untrusting.url)
    try:
        caught: Throttled | None = None
        statuses: list[int | None] = []
        for n in range(10):
            try:
                client.login(user, f"wrong-{n}")
            except Throttled as exc:
                caught = exc
                break
            except Rejected as exc:  # a wrong password
                statuses.append(exc.status)
        assert set(statuses) == {401}, statuses
        assert caught is not None
        assert 1 <= caught.retry_after <= 30
        wait = int(caught.retry_after)
        unit = "second" if wait == 1 else "seconds"
        assert str(caught) == f"Too many tries. Please wait {wait} {unit}, then try again."
    finally:
        client.close()
