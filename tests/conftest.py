"""Shared fixtures: a real server (subprocess) on SQLite and on PostgreSQL, seed data.

`server_db` is parametrised over both databases; PostgreSQL tests skip with the
reason when 127.0.0.1:5432 is unreachable. Servers live for the whole session; each
test seeds its own campaign and volunteers (unique usernames), so tests don't meet.
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator

import pytest

from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    create_pg_database,
    create_schema,
    drop_pg_database,
    pg_unavailable_reason,
    seed,
)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database (schema created) for this test session."""
    reason = pg_unavailable_reason()
    if reason:
        pytest.skip(reason)
    url = create_pg_database()
    try:
        create_schema(url)
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('server-db') / 'server.sqlite3'}"
    create_schema(url)
    return url


# Qt never needs a display in tests, whichever directory pytest is pointed at.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app's cache (the prepared practice database) never in the real user folders; one
# per test run, shared by the tests and the apps they start.
os.environ.setdefault("CALLER_APP_CACHE", tempfile.mkdtemp(prefix="caller-app-cache-"))


def pytest_configure(config: pytest.Config) -> None:
    """The app's rule (caller_app.ui.gc_guard) for the whole test process: garbage is
    collected on the main thread only, so a sync thread never frees a widget of a
    finished test. Collected after each test instead."""
    gc.disable()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    gc.collect()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def server_db(request: pytest.FixtureRequest) -> str:
    """The database URL of the session's server, once per backend."""
    return request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")


@pytest.fixture(scope="session")
def live_server(server_db: str) -> Iterator[LiveServer]:
    with LiveServer(server_db) as server:
        yield server


@pytest.fixture
def seeded(live_server: LiveServer) -> Seeded:
    """A campaign (always open) with 10 contacts, two callers and an organiser."""
    return seed(live_server.db_url, contacts=10)


@pytest.fixture
def caller(live_server: LiveServer, seeded: Seeded) -> Iterator[Api]:
    api = Api.login(live_server.url, seeded.callers[0], seeded.password)
    yield api
    api.close()


@pytest.fixture
def caller2(live_server: LiveServer, seeded: Seeded) -> Iterator[Api]:
    api = Api.login(live_server.url, seeded.callers[1], seeded.password)
    yield api
    api.close()


@pytest.fixture
def organiser(live_server: LiveServer, seeded: Seeded) -> Iterator[Api]:
    api = Api.login(live_server.url, seeded.organiser, seeded.password)
    yield api
    api.close()
