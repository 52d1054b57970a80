"""The app core (Store + ApiClient + SyncEngine) wired up for resilience tests.

`Core` is what the app builds for a signed-in volunteer, minus the widgets: a store
file, an API client pointing at the fault proxy, and the sync engine on its own
QThread with small backoff so a test recovers in fractions of a second. The checks
compare what the store committed with what the server's database holds.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from PySide6.QtCore import QCoreApplication
from requests.adapters import HTTPAdapter

from caller_app.api import ApiClient, make_session
from caller_app.domain.models import Account, Result, ResultDraft, SyncStatus
from caller_app.store import Store
from caller_app.sync import SyncEngine

FAST_SYNC: dict[str, Any] = {
    "backoff_base": 0.05,
    "backoff_cap": 0.4,
    "empty_retry_s": 1.0,
    "idle_every_s": 2.0,
}


def fast_session() -> requests.Session:
    """The app's own session, with urllib3's GET retries spaced milliseconds apart."""
    session = make_session()
    for adapter in session.adapters.values():
        if isinstance(adapter, HTTPAdapter):
            adapter.max_retries = adapter.max_retries.new(backoff_factor=0.01)
    return session


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    """Poll `predicate` (processing Qt events meanwhile) or fail naming `what`."""
    app = QCoreApplication.instance()
    deadline = time.monotonic() + timeout
    while True:
        if app is not None:
            app.processEvents()
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or predicate}")
        time.sleep(0.02)


def sign_in(url: str, username: str, password: str) -> tuple[str, Account]:
    """A fresh token, as the sign-in dialog gets it (its own client: one per thread)."""
    api = ApiClient(url)
    try:
        return api.login(username, password)
    finally:
        api.close()


@dataclass
class Core:
    store: Store
    engine: SyncEngine
    account: Account
    campaign_id: int
    statuses: list[SyncStatus] = field(default_factory=list)
    signed_out: list[bool] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    _thread: Any = None

    @classmethod
    def start(
        cls,
        db_path: Path,
        url: str,
        username: str,
        password: str,
        campaign_id: int,
        *,
        timeout: tuple[float, float] = (2.0, 10.0),
        token: str | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        **engine_kw: Any,
    ) -> Core:
        """Sign in (unless `token` is given: a restart reads it from the keyring).
        `clock`: the app's wall clock (a test moves it to sleep past a lease)."""
        store = Store(db_path, clock=clock) if clock is not None else Store(db_path)
        if token is None:
            token, account = sign_in(url, username, password)
            store.save_account(account)
        else:
            stored = store.account()
            assert stored is not None, "a restart needs the account saved at sign-in"
            account = stored
        api = ApiClient(url, fast_session(), token=token, timeout=timeout)
        engine = SyncEngine(store, api, campaign_id, **{**FAST_SYNC, **engine_kw})
        core = cls(store, engine, account, campaign_id)
        engine.status_changed.connect(core.statuses.append)
        engine.signed_out.connect(lambda: core.signed_out.append(True))
        engine.released.connect(core.released.append)
        core._thread = engine.run_in_thread()
        return core

    @property
    def token(self) -> str | None:
        return self.engine.api.token

    def stop(self) -> None:
        assert self.engine.shutdown(20000), "sync thread did not stop"
        self.engine.api.close()
        self.store.close()

    # -- volunteer actions ---------------------------------------------------------------
    def wait_for_contacts(self, at_least: int = 1, timeout: float = 30.0) -> None:
        wait_for(
            lambda: self.store.remaining(self.campaign_id) >= at_least,
            timeout,
            f"{at_least} leased contacts",
        )

    def record(self, n: int = 1, rng: random.Random | None = None) -> list[Result]:
        """Work the next `n` contacts (as fast as a volunteer could dream of)."""
        rng = rng or random.Random()
        out = []
        for _ in range(n):
            contact = self.store.next_contact(self.campaign_id)
            assert contact is not None, "ran out of leased contacts"
            out.append(
                self.store.record(make_draft(contact.id, contact.batch_id, self.campaign_id, rng))
            )
            self.engine.result_recorded()
        return out

    def wait_delivered(self, timeout: float = 30.0) -> None:
        wait_for(lambda: self.store.waiting_count() == 0, timeout, "the outbox to empty")


def make_draft(contact_id: int, batch_id: int, campaign_id: int, rng: random.Random) -> ResultDraft:
    outcome = rng.choice(["answered", "not_home", "busy", "refused", "voicemail"])
    answers: dict[str, Any] = {}
    if outcome == "answered":
        answers = {"support": rng.choice(["yes", "no"]), "issues": ["buses"]}
    return ResultDraft(
        contact_id=contact_id,
        batch_id=batch_id,
        campaign_id=campaign_id,
        outcome=outcome,
        started_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=90),
        duration_s=rng.randint(5, 300),
        answers=answers,
        notes=rng.choice(["", "asked about parking", "call went well"]),
    )


def server_results(db_url: str, volunteer_id: int) -> list[tuple[str, int, str]]:
    """(id, contact_id, outcome) of every result row the server holds for a volunteer."""
    # Imported here: the crash test's child process needs none of the server.
    from sqlalchemy import select

    from caller_server.models import Result as ServerResult
    from tests.support.server import db_session

    with db_session(db_url) as s:
        rows = s.execute(
            select(ServerResult.id, ServerResult.contact_id, ServerResult.outcome).where(
                ServerResult.volunteer_id == volunteer_id
            )
        )
        return [(r.id, r.contact_id, r.outcome) for r in rows]


def assert_exactly_once(db_url: str, volunteer_id: int, local: list[Result]) -> None:
    """The server holds each local result once, with its payload, and nothing else."""
    rows = server_results(db_url, volunteer_id)
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "a result is on the server twice"
    missing = {r.id for r in local} - set(ids)
    extra = set(ids) - {r.id for r in local}
    assert not missing, f"{len(missing)} committed results never reached the server"
    assert not extra, f"{len(extra)} results on the server were never committed locally"
    by_id = {r.id: (r.contact_id, r.outcome) for r in local}
    for rid, contact_id, outcome in rows:
        assert by_id[rid] == (contact_id, outcome), f"result {rid} changed on the way"
