"""Schemathesis against the server's own /openapi.json, signed in as a volunteer.

Every generated request (valid and invalid) must get a reply that is not a 5xx and
that matches the documented schema (status code, content type, body). The example
count per operation is small in the suite; a longer run is

    SCHEMATHESIS_MAX_EXAMPLES=500 python -m pytest tests/integration/test_schemathesis.py

(or `schemathesis run http://HOST:PORT/openapi.json -H "Authorization: Bearer TOKEN"`
against a running `caller-server serve`).

`POST /auth/logout` gets a fresh token each time, so the shared one is never revoked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.support.server import Api, LiveServer, Seeded, create_schema, dispose_engine, seed

pytestmark = pytest.mark.timeout(300)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Seeded]]:
    """A server of its own (fresh SQLite), so the fuzzing touches no other test's data."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'server.sqlite3'}"
    create_schema(url)
    data = seed(url, contacts=200, callers=1)
    with LiveServer(url) as server:
        yield server, data
    dispose_engine(url)


@pytest.fixture(scope="module")
def volunteer_token(fuzz_server: tuple[LiveServer, Seeded]) -> str:
    server, data = fuzz_server
    api = Api.login(server.url, data.callers[0], data.password)
    api.lease(data.campaign_id, 5)  # so some generated ids name real batches and contacts
    assert api.token
    return api.token


def _operations(server: LiveServer) -> list[schemathesis.APIOperation]:
    loaded = schemathesis.openapi.from_url(server.url + "/openapi.json")
    return [result.ok() for result in loaded.get_all_operations()]


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, server: LiveServer,
          data: Seeded, token: str) -> None:
    """Up to MAX_EXAMPLES generated requests for one operation; raises on the first failure."""

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        bearer = token
        if case.path == "/api/v1/auth/logout":
            bearer = Api.login(server.url, data.callers[0], data.password).token or ""
        headers = dict(case.headers or {})
        headers.setdefault("Authorization", f"Bearer {bearer}")
        case.call_and_validate(base_url=server.url, headers=headers, timeout=30)

    run()


def _describe(exc: BaseException) -> str:
    """The failure with the checks that failed (Hypothesis wraps them in groups)."""
    text = f"{type(exc).__name__}: {exc}"
    for sub in getattr(exc, "exceptions", ()):
        text += "\n  - " + _describe(sub).replace("\n", "\n    ")
    return text


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_api_conforms(mode: GenerationMode, fuzz_server: tuple[LiveServer, Seeded],
                      volunteer_token: str) -> None:
    server, data = fuzz_server
    failures: list[str] = []
    operations = _operations(server)
    assert len(operations) >= 14
    for operation in operations:
        try:
            _fuzz(operation, mode, server, data, volunteer_token)
        except Unsatisfiable:  # nothing to generate (e.g. no invalid form of GET /health)
            continue
        except Exception as exc:  # collected, so one run reports every failing operation
            failures.append(f"{operation.label}: {_describe(exc)}")
    assert not failures, "\n\n".join(failures)
