"""A sign-in storm past what the server can hash in time is turned away at once, with a
Retry-After and words the app shows, and the refused sign-ins count as no failure."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from caller_server.models import SigninThrottle
from caller_server.signin_throttle import Keys
from tests.support.server import LiveServer, create_schema, db_session, dispose_engine, seed

pytestmark = pytest.mark.timeout(120)

# One hashing thread (two gate slots) and almost no queue: the third sign-in at once
# would wait, so it is turned away.
ENV = {"CALLER_SERVER_HASH_THREADS": "1", "CALLER_SERVER_SIGNIN_MAX_WAIT_S": "0.001"}
AT_ONCE = 16


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('busy') / Path('server.sqlite3')}"
    create_schema(url)
    with LiveServer(url, env=ENV, via_cli=True) as live:
        yield live
    dispose_engine(url)


def test_a_storm_beyond_the_queue_is_turned_away_with_retry_after(server: LiveServer) -> None:
    data = seed(server.db_url, contacts=1, callers=1)
    user = data.callers[0]
    addresses = [f"198.51.100.{n + 1}" for n in range(AT_ONCE)]
    replies: dict[str, requests.Response] = {}
    start = threading.Barrier(AT_ONCE)

    def sign_in(address: str) -> None:
        start.wait()
        replies[address] = requests.post(
            server.url + "/api/v1/auth/login",
            json={"username": user, "password": data.password},
            headers={"X-Forwarded-For": address},
            timeout=60,
        )

    threads = [threading.Thread(target=sign_in, args=(a,)) for a in addresses]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(r.status_code for r in replies.values())
    assert set(statuses) == {200, 429}, statuses
    busy = [a for a, r in replies.items() if r.status_code == 429]
    for address in busy:
        reply = replies[address]
        assert reply.json()["error"]["code"] == "busy"
        wait = int(reply.headers["Retry-After"])
        assert wait >= 1
        message = reply.json()["error"]["message"]
        assert "signing in many volunteers" in message
        assert f"try again in {wait} second" in message
    # Turned away before the throttle: no failure was counted for those addresses.
    keys = [Keys.of(user, a).address for a in busy]
    with db_session(server.db_url) as s:
        counted = s.scalar(
            select(func.count()).select_from(SigninThrottle).where(SigninThrottle.key.in_(keys))
        )
    assert counted == 0
    # The storm over, everyone gets in.
    again = requests.post(
        server.url + "/api/v1/auth/login",
        json={"username": user, "password": data.password},
        headers={"X-Forwarded-For": busy[0]},
        timeout=60,
    )
    assert again.status_code == 200, again.text
