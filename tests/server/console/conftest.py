"""Console tests: the app in-process (FastAPI's TestClient) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from caller_server.app import create_app
from tests.support.browser import chromium
from tests.support.console import Console
from tests.support.server import Seeded, seed


@pytest.fixture(scope="session")
def console_app(server_db: str):  # type: ignore[no-untyped-def]
    return create_app(server_db)


@pytest.fixture
def data(server_db: str) -> Seeded:
    return seed(server_db, contacts=6)


@pytest.fixture
def anon(console_app) -> Iterator[Console]:  # type: ignore[no-untyped-def]
    with TestClient(console_app) as client:
        yield Console(client)


@pytest.fixture
def organiser(console_app, data: Seeded) -> Iterator[Console]:  # type: ignore[no-untyped-def]
    with TestClient(console_app) as client:
        console = Console(client)
        reply = console.sign_in(data.organiser, data.password)
        assert reply.status_code == 303, reply.text
        console.get("/")
        yield console


@pytest.fixture
def browser() -> Iterator:  # type: ignore[type-arg]
    """A headless Chromium for one test (the browser tests skip where none is installed)."""
    with chromium() as launched:
        yield launched
