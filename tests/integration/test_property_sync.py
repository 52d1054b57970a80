"""Property: whatever a volunteer and the network do, in any order, the server ends
up holding exactly the results committed locally.

Hypothesis drives random interleavings of record, correct (undo or a superseding
correction), go offline (refused, resets, or replies lost after the commit), come
online, sync now, restart (a new Store and engine on the same file, the token from
the "keyring") and release (end of session), against one live server. After every
sync while online, and at the end of each run, "results on the server" must equal
"results committed locally", each once.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from tests.support.corekit import Core, assert_exactly_once, make_draft, wait_for
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.server import (
    LiveServer,
    Seeded,
    seed_volunteer,
    seeded_sqlite_server,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[LiveServer, Seeded]]:
    with seeded_sqlite_server(tmp_path_factory.mktemp("server"), contacts=2000) as pair:
        yield pair


class SyncMachine(RuleBasedStateMachine):
    live: tuple[LiveServer, Seeded]
    proxy: FaultProxy

    def __init__(self) -> None:
        super().__init__()
        _, self.seeded = self.live
        self.proxy.clear()
        self.dir = Path(tempfile.mkdtemp(prefix="prop-sync-"))
        self.username = f"prop-{uuid.uuid4().hex[:8]}"
        self.volunteer_id = seed_volunteer(
            self.seeded.db_url, self.username, "Pat Prop", self.seeded.password
        )
        self.online = True
        self.core = self._start(token=None)
        self.core.wait_for_contacts(5)

    def _start(self, token: str | None) -> Core:
        return Core.start(
            self.dir / "app.sqlite3",
            self.proxy.url,
            self.username,
            self.seeded.password,
            self.seeded.campaign_id,
            token=token,
            timeout=(1.0, 5.0),
        )

    def check(self) -> None:
        self.core.wait_delivered()
        assert self.core.store.needs_attention() == []
        assert_exactly_once(self.seeded.db_url, self.volunteer_id, self.core.store.results())

    @rule(n=st.integers(1, 4), seed=st.integers(0, 2**16))
    def record(self, n: int, seed: int) -> None:
        rng = random.Random(seed)
        store, cid = self.core.store, self.seeded.campaign_id
        for _ in range(n):
            contact = store.next_contact(cid)
            if contact is None:  # released, or offline with the batch used up
                return
            store.record(make_draft(contact.id, contact.batch_id, cid, rng))
            self.core.engine.result_recorded()

    @rule(pick=st.integers(0, 1000), seed=st.integers(0, 2**16), undo_first=st.booleans())
    def correct(self, pick: int, seed: int, undo_first: bool) -> None:
        store, cid = self.core.store, self.seeded.campaign_id
        if undo_first and store.undo_last(cid) is not None:
            return  # taken back before its upload began: as if never recorded
        # Only the latest result of a chain may be corrected (docs/api.md: one correction
        # per result), as the app offers no other.
        stored = store.results()
        corrected = {r.supersedes for r in stored if r.supersedes is not None}
        results = [r for r in stored if r.id not in corrected]
        if not results:
            return
        original = results[pick % len(results)]
        draft = make_draft(original.contact_id, original.batch_id, cid, random.Random(seed))
        store.record_correction(original.id, draft)
        self.core.engine.result_recorded()

    @rule(fault=st.sampled_from([Fault.REFUSE, Fault.RESET, Fault.DROP_REPLY]))
    def go_offline(self, fault: Fault) -> None:
        self.proxy.set_fault(fault, after_bytes=64)
        self.online = False

    @rule()
    def come_online(self) -> None:
        self.proxy.clear()
        self.online = True
        self.core.engine.network_up()

    @rule()
    def sync(self) -> None:
        self.core.engine.sync_now()
        if self.online:
            self.check()

    @rule()
    def restart(self) -> None:
        token = self.core.token
        self.core.stop()
        self.core = self._start(token=token)

    @precondition(lambda self: not self.core.released)
    @rule()
    def release(self) -> None:
        self.core.engine.end_session()
        wait_for(lambda: self.core.released, 30, "the end of the session")
        assert self.core.store.remaining(self.seeded.campaign_id) == 0

    def teardown(self) -> None:
        try:
            self.proxy.clear()
            self.core.engine.network_up()
            self.check()
        finally:
            self.core.stop()
            shutil.rmtree(self.dir, ignore_errors=True)


def test_server_holds_exactly_what_was_committed(qapp, live):
    server, _ = live
    with FaultProxy("127.0.0.1", server.port) as proxy:
        SyncMachine.live = live
        SyncMachine.proxy = proxy
        run_state_machine_as_test(
            SyncMachine,
            settings=settings(
                max_examples=15,
                stateful_step_count=20,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                # No shrinking: it would replay against a slow real server for minutes;
                # the failing run's steps are printed as they are.
                phases=[Phase.explicit, Phase.generate],
            ),
        )
