"""Round trips from a fresh app to its first contact (issue 15), against the real server:
the version check runs once per run (beside the sign-in), not once per new client."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

from caller_app.api import ApiClient
from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.store import Store
from tests.support.corekit import wait_for
from tests.support.server import seed


class CountingClient(ApiClient):
    """The real client, noting which thread sent each health check and sign-in."""

    calls: ClassVar[list[tuple[str, str]]] = []

    def health(self) -> int:
        CountingClient.calls.append(("health", threading.current_thread().name))
        return super().health()

    def login(self, username: str, password: str):  # type: ignore[no-untyped-def]
        CountingClient.calls.append(("login", threading.current_thread().name))
        return super().login(username, password)


def test_a_fresh_app_checks_the_server_version_once(qtbot, server, tmp_path: Path):
    seeded = seed(server.db_url, contacts=6, callers=1)
    CountingClient.calls = []
    core = CallerCore(
        Store(tmp_path / "app.sqlite3"),
        Credentials(),
        api_factory=CountingClient,
        watch_network=False,
    )
    try:
        core.sign_in(server.url, seeded.callers[0], seeded.password)
        campaigns = core.fetch_campaigns()
        core.choose_campaign(campaigns[0].id)
        wait_for(lambda: core.current_contact() is not None, 20, "the first contact")
    finally:
        core.shutdown()
        core.store.close()
    kinds = [kind for kind, _ in CountingClient.calls]
    assert kinds.count("health") == 1  # the campaigns' and the engine's clients skip it
    assert kinds.count("login") == 1
    threads = dict(CountingClient.calls)
    assert threads["health"] != threads["login"]  # side by side, not one after the other
