"""Fixtures shared by the API tests that need a server of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.server import LiveServer, fresh_database

ON_BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=ON_BOTH)
def busy_server(request: pytest.FixtureRequest, tmp_path) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """An empty server for a race: SQLite with one process, PostgreSQL with
    `serve --workers 2` (two processes race)."""
    with fresh_database(request.param, tmp_path) as url:
        workers = 2 if request.param == "postgres" else 1
        with LiveServer(url, workers=workers, via_cli=request.param == "postgres") as server:
            yield server


@pytest.fixture(scope="module", params=ON_BOTH)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database for one module's servers, on each backend."""
    with fresh_database(request.param, tmp_path_factory.mktemp("server")) as url:
        yield url
