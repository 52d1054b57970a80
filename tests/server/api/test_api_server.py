"""The ways the server runs: EmbeddedServer in-process, and LiveServer restarts."""

from __future__ import annotations

import requests

from caller_server.server import EmbeddedServer
from tests.support.server import Api, LiveServer, create_schema, seed


def test_embedded_server_serves_on_a_free_loopback_port(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'practice.sqlite3'}"
    create_schema(url)
    data = seed(url, contacts=3, callers=1)
    server = EmbeddedServer(url).start()
    try:
        assert server.port > 0
        assert server.url.startswith("http://127.0.0.1:")
        api = Api.login(server.url, data.callers[0], data.password)
        assert len(api.lease(data.campaign_id, 3)["contacts"]) == 3
    finally:
        server.stop()
    try:
        requests.get(server.url + "/api/v1/health", timeout=2)
        raise AssertionError("the server still answers after stop()")
    except requests.ConnectionError:
        pass


def test_restart_keeps_port_data_and_tokens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'restart.sqlite3'}"
    create_schema(url)
    data = seed(url, contacts=4, callers=1)
    with LiveServer(url) as server:
        api = Api.login(server.url, data.callers[0], data.password)
        batch = api.lease(data.campaign_id, 2)
        port = server.port
        server.restart()
        assert server.port == port
        again = api.get(f"/batches/{batch['batch_id']}")
        assert again.status_code == 200
        assert again.json()["contacts"] == batch["contacts"]


def test_a_database_too_busy_to_write_answers_503_and_nothing_is_half_done(
    tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """SQLite's write lock held past the busy timeout (an overloaded machine): the
    request is answered 503 with Retry-After, not a 500, and succeeds when tried again."""
    import sqlite3

    from fastapi.testclient import TestClient

    from caller_server.app import create_app

    monkeypatch.setenv("CALLER_SERVER_SQLITE_BUSY_S", "0.3")
    path = tmp_path / "busy.sqlite3"
    url = f"sqlite:///{path}"
    create_schema(url)
    data = seed(url, contacts=3, callers=1)
    with TestClient(create_app(url)) as client:
        login = {"username": data.callers[0], "password": data.password}
        token = client.post("/api/v1/auth/login", json=login).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        lease = {"size": 2, "request_id": "6f1c2b4e-8a53-4d0e-9a57-2f0b3c1d4e5f"}
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        try:
            reply = client.post(
                f"/api/v1/campaigns/{data.campaign_id}/batches", json=lease, headers=headers
            )
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert reply.status_code == 503, reply.text
        assert reply.json()["error"]["code"] == "busy"
        assert reply.headers["Retry-After"] == "2"
        again = client.post(
            f"/api/v1/campaigns/{data.campaign_id}/batches", json=lease, headers=headers
        )
        assert again.status_code == 200, again.text
        assert len(again.json()["contacts"]) == 2
