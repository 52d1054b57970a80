"""The edges of a lease or a result, app core against the real server (issue 10).

The laptop sleeps past its lease (the server's lease moved back with `expire_lease`,
the app's wall clock moved on with `MovableClock`), contacts are re-leased, a proxy
answers 400/404 itself, the script endpoint fails, the address is typed differently,
and the server is restored from a copy of its database taken before an upload.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.models import Contact, ResultDraft
from caller_app.store import DELIVERED, Store
from caller_app.sync import SyncPolicy
from caller_server.models import Result as ServerResult
from tests.support.clock import MovableClock
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.keyring_backend import memory_keyring
from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    create_schema,
    db_session,
    dispose_engine,
    expire_lease,
    seed,
)

pytestmark = pytest.mark.timeout(120)

FAST = {"backoff_base": 0.05, "backoff_cap": 0.5, "empty_retry_s": 0.5, "idle_every_s": 1.0}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('edges-server') / 'server.sqlite3'}"
    create_schema(url)
    with LiveServer(url) as live:
        yield live


@pytest.fixture(autouse=True)
def keyring_backend():
    with memory_keyring() as backend:
        yield backend


class App:
    """A CallerCore on its own data folder, with a wall clock the test moves."""

    def __init__(self, qtbot, url: str, seeded: Seeded, path: Path, **engine: Any) -> None:
        self.qtbot, self.url, self.seeded = qtbot, url, seeded
        self.clock = MovableClock()
        self.store = Store(path / "caller-app.sqlite3", clock=self.clock)
        self.core = CallerCore(
            self.store,
            Credentials(),
            sync_policy=SyncPolicy(**{**FAST, **engine}),
            watch_network=False,
        )
        self.lost: list[int] = []
        self.core.contacts_lost.connect(self.lost.append)

    @property
    def cid(self) -> int:
        return self.seeded.campaign_id

    def start(self, typed_url: str | None = None, wait_contacts: bool = True) -> None:
        self.core.sign_in(typed_url or self.url, self.seeded.callers[0], self.seeded.password)
        self.core.fetch_campaigns()
        self.core.choose_campaign(self.cid)
        if wait_contacts:
            self.wait(lambda: self.core.current_contact() is not None)

    def wait(self, predicate, timeout: float = 20.0) -> None:
        self.qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout * 1000))

    def call(self, contact: Contact | None = None) -> str:
        contact = contact or self.core.current_contact()
        assert contact is not None
        return self.core.record(
            ResultDraft(
                contact.id,
                contact.batch_id,
                contact.campaign_id,
                "not_home",
                dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30),
                30,
            )
        ).id

    def queued_ids(self) -> list[int]:
        """Every unworked contact in the local queue, in order (one row per queue entry)."""
        with self.store._read() as s:
            from caller_app.store.schema import ContactRow

            return list(
                s.scalars(
                    select(ContactRow.contact_id)
                    .where(ContactRow.worked.is_(False))
                    .order_by(ContactRow.rowid)
                )
            )

    def queued_batches(self) -> list[int]:
        with self.store._read() as s:
            from caller_app.store.schema import ContactRow

            return list(s.scalars(select(ContactRow.batch_id).where(ContactRow.worked.is_(False))))

    def server_result_ids(self) -> set[str]:
        vid = self.seeded.volunteer_ids[self.seeded.callers[0]]
        with db_session(self.seeded.db_url) as s:
            return set(s.scalars(select(ServerResult.id).where(ServerResult.volunteer_id == vid)))

    def close(self) -> None:
        self.core.shutdown()
        self.store.close()


@pytest.fixture
def make(qtbot, tmp_path) -> Iterator:
    made: list[App] = []

    def factory(url: str, seeded: Seeded, **engine: Any) -> App:
        app = App(qtbot, url, seeded, tmp_path / f"app{len(made)}", **engine)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.close()


def test_asleep_past_the_lease_it_offers_none_of_the_taken_and_revives_the_rest(
    make, server: LiveServer
) -> None:
    seeded = seed(server.db_url, contacts=3, callers=2, batch_size=3, lease_minutes=10)
    app = make(server.url, seeded, prefetch_below=1)
    app.start()
    app.wait(lambda: app.core.remaining() == 3)
    ((batch_id, _),) = app.store.live_batches()
    app.core.shutdown()  # the lid closes
    expire_lease(server.db_url, batch_id)
    app.clock.advance(minutes=15)
    assert app.core.current_contact() is None  # by our own clock the lease has ended
    other = Api.login(server.url, seeded.callers[1], seeded.password)
    taken = {c["id"] for c in other.lease(seeded.campaign_id, size=2)["contacts"]}
    other.close()
    assert len(taken) == 2
    app.core.choose_campaign(app.cid)  # the lid opens: renew first thing
    app.wait(lambda: app.lost)
    assert app.lost == [2]
    app.wait(lambda: app.core.remaining() == 1)
    left = app.core.current_contact()
    assert left is not None
    assert left.id not in taken
    assert app.queued_ids() == [left.id]  # the others' rows are gone, not hidden


def test_re_leased_contacts_never_appear_twice_in_the_queue(make, server: LiveServer) -> None:
    seeded = seed(server.db_url, contacts=5, callers=1, batch_size=3, max_held_contacts=10)
    app = make(server.url, seeded, prefetch_below=6)  # always wants more than there are
    app.start()
    app.wait(lambda: app.core.remaining() == 5)
    app.core.shutdown()
    first = {b for b, _ in app.store.live_batches()}
    for batch_id in first:
        expire_lease(server.db_url, batch_id)  # the server let them go; the app doesn't know
    app.core.choose_campaign(app.cid)  # asks for more: the server leases the same people
    app.wait(lambda: not first & set(app.queued_batches()), timeout=30)
    queue = app.queued_ids()
    assert sorted(queue) == sorted(set(queue)) == sorted(seeded.contact_ids)
    assert app.core.remaining() == 5


@pytest.mark.parametrize("status", [400, 404])
def test_a_proxy_refusing_an_upload_does_not_park_it(make, server: LiveServer, status: int) -> None:
    seeded = seed(server.db_url, contacts=6, callers=1, batch_size=6)
    with FaultProxy("127.0.0.1", server.port) as proxy:
        app = make(proxy.url, seeded)
        app.start()
        proxy.set_fault(Fault.STATUS, status=status, match="POST /api/v1/results", times=3)
        ids = {app.call(), app.call()}
        app.wait(lambda: app.store.waiting_count() == 0, timeout=30)
        assert proxy.faults_injected >= 1
        assert app.core.needs_attention() == []
        assert ids <= app.server_result_ids()


def test_a_failing_script_endpoint_does_not_stop_uploads(make, server: LiveServer) -> None:
    seeded = seed(server.db_url, contacts=6, callers=1, batch_size=6)
    with FaultProxy("127.0.0.1", server.port) as proxy:
        app = make(proxy.url, seeded, script_every_s=0.2)
        app.start()
        proxy.set_fault(Fault.STATUS, status=404, match=f"GET /api/v1/campaigns/{app.cid}/script")
        app.wait(lambda: proxy.faults_injected >= 1)  # the script refresh now fails
        ids = {app.call(), app.call()}
        app.wait(lambda: app.store.waiting_count() == 0)
        assert ids <= app.server_result_ids()


def test_an_address_typed_another_way_is_the_same_owner(make, server: LiveServer) -> None:
    seeded = seed(server.db_url, contacts=6, callers=1, batch_size=6)
    app = make(server.url, seeded)
    app.start()
    app.core.shutdown()  # the app quits with calls queued
    queued = {app.call(app.store.next_contact(app.cid)) for _ in range(2)}
    typed = server.url.replace("http://", "HTTP://") + "/"
    app.start(typed, wait_contacts=False)  # same server, typed differently: nothing wiped
    assert app.store.account().server_url == server.url
    app.wait(lambda: app.store.waiting_count() == 0)
    assert queued <= app.server_result_ids()


def test_a_server_restored_from_a_backup_gets_every_result_back(make, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("restored")
    db = folder / "server.sqlite3"
    url = f"sqlite:///{db}"
    create_schema(url)
    seeded = seed(url, contacts=6, callers=1, batch_size=6)
    with LiveServer(url) as live:
        app = make(live.url, seeded)
        app.start()
        app.wait(lambda: app.core.remaining() == 6)
        live.stop()
        dispose_engine(url)
        backup = folder / "backup"
        backup.mkdir()
        for f in folder.glob("server.sqlite3*"):
            shutil.copy2(f, backup / f.name)  # last night's backup: leased, nothing called
        live.start()
        ids = {app.call() for _ in range(3)}
        app.wait(lambda: app.store.waiting_count() == 0)
        assert ids <= app.server_result_ids()
        app.core.shutdown()
        live.stop()
        dispose_engine(url)
        for f in folder.glob("server.sqlite3*"):
            f.unlink()
        for f in backup.iterdir():
            shutil.copy2(f, folder / f.name)
        live.start()
        assert not ids & app.server_result_ids()  # the restore lost them
        app.core.choose_campaign(app.cid)  # the next session starts with a check
        app.wait(lambda: ids <= app.server_result_ids(), timeout=30)
        # sent again with the same ids: delivered once more, awaiting the next check
        app.wait(lambda: {r.id for r in app.store.results(DELIVERED)} == ids)
        assert app.store.waiting_count() == 0
    dispose_engine(url)
