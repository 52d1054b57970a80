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
