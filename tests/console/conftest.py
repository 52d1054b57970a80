"""Console tests: the app in-process (FastAPI's TestClient) on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from caller_server.app import create_app
from tests.support.server import Seeded, seed

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Console:
    """A browser-like client: keeps cookies, reads each page's CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, path: str, **kw):  # type: ignore[no-untyped-def]
        reply = self.client.get("/admin" + path, **kw)
        found = CSRF.search(reply.text)
        if found:
            self.csrf = found.group(1)
        return reply

    def post(self, path: str, data: dict | None = None, token: bool = True, **kw):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        if token:
            data.setdefault("csrf_token", self.csrf)
        return self.client.post("/admin" + path, data=data, follow_redirects=False, **kw)

    def sign_in(self, username: str, password: str):  # type: ignore[no-untyped-def]
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})


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
