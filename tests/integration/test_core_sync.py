"""CallerCore + SyncEngine against the real server (subprocess, SQLite) on loopback.

Each test seeds its own campaign and volunteers, signs in through the core as the
app does, and checks the server's database, not just what the app believes.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from caller_app.api import ApiClient, SignedOut
from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.models import Account, Connectivity, Contact, ResultDraft
from caller_app.store import Store
from caller_app.sync import SyncPolicy
from caller_server.models import Campaign as ServerCampaign
from caller_server.models import Contact as ServerContact
from caller_server.models import Result as ServerResult
from tests.support.keyring_backend import memory_keyring
from tests.support.server import Api, LiveServer, Seeded, create_schema, db_session, seed

pytestmark = pytest.mark.timeout(120)

FAST = {"backoff_base": 0.05, "backoff_cap": 0.5, "empty_retry_s": 0.5, "idle_every_s": 1.0}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('core-server') / 'server.sqlite3'}"
    create_schema(url)
    with LiveServer(url) as live:
        yield live


@pytest.fixture
def keyring_backend():
    with memory_keyring() as backend:
        yield backend


class Harness:
    """A CallerCore on a fresh data folder, plus what it emitted."""

    def __init__(self, qtbot, server: LiveServer, seeded: Seeded, path: Path, **engine) -> None:
        self.qtbot, self.server, self.seeded = qtbot, server, seeded
        self.store = Store(path / "caller-app.sqlite3")
        self.core = CallerCore(
            self.store,
            Credentials(),
            sync_policy=SyncPolicy(**{**FAST, **engine}),
            watch_network=False,
        )
        self.statuses: list = []
        self.signed_out: list = []
        self.attention: list = []
        self.core.status_changed.connect(self.statuses.append)
        self.core.signed_out.connect(lambda: self.signed_out.append(1))
        self.core.attention_changed.connect(lambda: self.attention.append(1))

    @property
    def cid(self) -> int:
        return self.seeded.campaign_id

    def start(self, username: str | None = None) -> None:
        self.core.sign_in(self.server.url, username or self.seeded.callers[0], self.seeded.password)
        assert any(c.id == self.cid for c in self.core.fetch_campaigns())
        self.core.choose_campaign(self.cid)
        self.wait(lambda: self.core.script() is not None and self.core.current_contact())

    def wait(self, predicate, timeout: float = 20.0) -> None:
        self.qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout * 1000))

    def call(self, outcome: str = "not_home", **kw) -> tuple[Contact, str]:
        self.wait(lambda: self.core.current_contact() is not None)
        contact = self.core.current_contact()
        result = self.core.record(draft(contact, outcome, **kw))
        return contact, result.id

    def server_results(self) -> dict[str, tuple[int, str, str | None]]:
        vid = self.seeded.volunteer_ids[self.seeded.callers[0]]
        with db_session(self.server.db_url) as s:
            rows = s.execute(
                select(
                    ServerResult.id,
                    ServerResult.contact_id,
                    ServerResult.outcome,
                    ServerResult.supersedes,
                ).where(ServerResult.volunteer_id == vid)
            )
            return {r.id: (r.contact_id, r.outcome, r.supersedes) for r in rows}

    def close(self) -> None:
        self.core.shutdown()
        self.store.close()


def draft(contact: Contact, outcome: str, **kw) -> ResultDraft:
    return ResultDraft(
        contact_id=contact.id,
        batch_id=contact.batch_id,
        campaign_id=contact.campaign_id,
        outcome=outcome,
        started_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=40),
        duration_s=40,
        **kw,
    )


@pytest.fixture
def make(qtbot, server, keyring_backend, tmp_path):
    made: list[Harness] = []

    def factory(contacts: int = 20, batch_size: int = 6, **engine) -> Harness:
        seeded = seed(server.db_url, contacts=contacts, callers=1, batch_size=batch_size)
        h = Harness(qtbot, server, seeded, tmp_path / f"app{len(made)}", **engine)
        made.append(h)
        return h

    yield factory
    for h in made:
        h.close()


def test_recorded_calls_reach_the_server_exactly_once(make) -> None:
    h = make(contacts=30, batch_size=4)
    h.start()
    h.wait(lambda: h.statuses)
    h.call()
    assert h.statuses[-1].waiting >= 1  # shown at once, before any upload
    local = [h.store.results()[0].id] + [
        h.call("answered" if i % 2 else "not_home", answers={"support": "yes"} if i % 2 else {})[1]
        for i in range(9)
    ]
    h.wait(lambda: h.store.waiting_count() == 0)
    on_server = h.server_results()
    assert set(on_server) == set(local)  # each id once (the server's primary key)
    stats = h.core.session_stats()
    assert (stats.calls, stats.uploaded, stats.waiting) == (10, 10, 0)
    assert stats.reached == 4
    h.wait(lambda: h.statuses and h.statuses[-1].connectivity is Connectivity.ONLINE)


def test_prefetch_keeps_contacts_ready(make) -> None:
    h = make(contacts=30, batch_size=3)
    h.start()
    h.wait(lambda: h.core.remaining() >= 5)  # two batches of 3 before anyone waits
    for _ in range(4):
        h.call()
    h.wait(lambda: h.core.remaining() >= 5)
    # 6 leased - 4 worked = 2: only a third batch, leased unasked, brings it back to 5


def test_a_lost_lease_reply_does_not_lease_twice(make, qtbot) -> None:
    h = make(contacts=20, batch_size=6)
    h.core.sign_in(h.server.url, h.seeded.callers[0], h.seeded.password)
    h.core.fetch_campaigns()
    rid = h.store.lease_request_id(h.cid)
    api = ApiClient(h.server.url, token=h.core._token)
    lost = api.lease(h.cid, 6, rid)  # the server leased, but the app never heard
    api.close()
    h.core.choose_campaign(h.cid)
    h.wait(lambda: h.core.remaining() == 6)
    assert [b for b, _ in h.store.live_batches()] == [lost.batch_id]
    with db_session(h.server.db_url) as s:
        leased = s.scalars(
            select(ServerContact.id).where(
                ServerContact.state == "leased", ServerContact.campaign_id == h.cid
            )
        )
        assert sorted(leased) == sorted(c.id for c in lost.contacts)


def test_revoked_token_keeps_results_queued_until_signed_in_again(make) -> None:
    h = make()
    h.start()
    first = h.call()[1]
    h.wait(lambda: h.store.waiting_count() == 0)
    organiser = Api.login(h.server.url, h.seeded.organiser, h.seeded.password)
    vid = h.seeded.volunteer_ids[h.seeded.callers[0]]
    assert organiser.post(f"/admin/volunteers/{vid}/revoke").status_code == 200
    queued = [h.call()[1] for _ in range(2)]
    h.wait(lambda: h.signed_out)
    assert h.statuses[-1].connectivity is Connectivity.SIGNED_OUT
    assert h.store.waiting_count() == 2
    assert not h.core.signed_in
    h.core.sign_in(h.server.url, h.seeded.callers[0], h.seeded.password)
    h.wait(lambda: h.store.waiting_count() == 0)
    assert set(h.server_results()) == {first, *queued}
    organiser.close()


def test_a_refused_result_needs_attention_while_the_rest_flow(make) -> None:
    h = make()
    h.start()
    good1 = h.call("not_home")[1]
    bad = h.call("no_such_outcome")[1]
    good2 = h.call("answered", answers={"support": "no"})[1]
    h.wait(lambda: h.store.waiting_count() == 0 and h.attention)
    items = h.core.needs_attention()
    assert [(i.result.id, i.code) for i in items] == [(bad, "invalid_outcome")]
    assert items[0].message
    assert set(h.server_results()) == {good1, good2}
    h.core.dismiss_attention(bad)
    assert h.core.needs_attention() == []


def test_a_correction_supersedes_an_uploaded_result(make) -> None:
    h = make()
    h.start()
    contact, original = h.call("not_home")
    h.wait(lambda: h.store.waiting_count() == 0)
    assert h.core.undo() is None  # already uploaded: frozen
    fix = h.core.correct(original, draft(contact, "answered", answers={"support": "yes"}))
    h.wait(lambda: h.store.waiting_count() == 0)
    assert h.server_results()[fix.id] == (contact.id, "answered", original)
    assert h.server_results()[original] == (contact.id, "not_home", None)


def test_end_session_gives_back_unworked_contacts(make) -> None:
    h = make(contacts=20, batch_size=6)
    h.start()
    h.wait(lambda: h.core.remaining() == 6)
    worked = {h.call("answered", answers={"support": "yes"})[0].id for _ in range(2)}
    ended: list[int] = []
    h.core.session_ended.connect(ended.append)
    h.core.end_session()
    h.wait(lambda: ended)
    assert ended[0] >= 4  # the first batch's 4 unworked (maybe a prefetched batch too)
    assert h.core.current_contact() is None
    assert h.store.live_batches() == []
    assert h.store.batches_to_release() == []
    assert h.store.waiting_count() == 0
    with db_session(h.server.db_url) as s:
        states = dict(
            s.execute(
                select(ServerContact.id, ServerContact.state).where(
                    ServerContact.campaign_id == h.cid
                )
            ).all()
        )
    assert {c for c, state in states.items() if state != "available"} == worked
    assert set(h.server_results())
    assert h.core.session_id is None


def test_sign_out_revokes_the_token_and_wipes_contact_data(make, keyring_backend) -> None:
    h = make(contacts=12, batch_size=6)
    h.start()
    token = h.core._token
    h.wait(lambda: h.core.remaining() >= 6)
    h.call("answered", answers={"support": "yes"}, notes="rang back at tea time")
    h.wait(lambda: h.store.waiting_count() == 0)
    with db_session(h.server.db_url) as s:
        people = s.execute(
            select(ServerContact.last_name, ServerContact.phone).where(
                ServerContact.campaign_id == h.cid
            )
        ).all()
    done: list[int] = []
    h.core.sign_out_finished.connect(lambda: done.append(1))
    h.core.sign_out()
    h.wait(lambda: done)
    assert h.store.account() is None
    assert keyring_backend.store == {}
    assert not h.signed_out  # signing out on purpose is not "signed out by the server"
    with pytest.raises(SignedOut):
        ApiClient(h.server.url, token=token).campaigns()
    h.store.close()
    folder = h.store.path.parent
    blob = b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    for _last_name, phone in people:
        assert phone.encode() not in blob
    assert b"tea time" not in blob  # delivered results went too


def test_script_is_fetched_again_when_its_version_changes(make) -> None:
    h = make(script_every_s=0.2)
    scripts: list = []
    h.core.script_changed.connect(scripts.append)
    h.start()
    h.wait(lambda: scripts)
    with db_session(h.server.db_url) as s:
        campaign = s.get(ServerCampaign, h.cid)
        campaign.script = {**campaign.script, "intro": "New words for {first_name}."}
        campaign.script_version = uuid.uuid4().hex[:12]
        s.commit()
    h.wait(lambda: len(scripts) >= 2)
    assert h.core.script().intro == "New words for {first_name}."
    assert len(scripts) == 2  # unchanged ETags fetched nothing


def test_unreachable_server_shows_offline_and_keeps_results(qtbot, tmp_path) -> None:
    from caller_app.sync import SyncEngine
    from tests.support.server import free_port

    store = Store(tmp_path / "app.sqlite3")
    api = ApiClient(f"http://127.0.0.1:{free_port()}", token="t", timeout=(0.5, 0.5))
    engine = SyncEngine(store, api, 1, **FAST)
    statuses: list = []
    engine.status_changed.connect(statuses.append)
    engine.run_in_thread()
    try:
        qtbot.waitUntil(lambda: len(statuses) >= 2, timeout=20000)
        assert {s.connectivity for s in statuses} == {Connectivity.OFFLINE}
        assert all(s.retry_in_s is not None and "internet" in s.detail for s in statuses)
    finally:
        assert engine.shutdown()
        api.close()
        store.close()


def test_network_back_retries_at_once_not_after_the_backoff(qtbot, server, tmp_path) -> None:
    """Long backoff (100 s base): only `network_up()` can bring the upload forward."""
    from caller_app.sync import SyncEngine
    from tests.support.server import free_port

    seeded = seed(server.db_url, contacts=6, callers=1, batch_size=6)
    token, account = ApiClient(server.url).login(seeded.callers[0], seeded.password)
    store = Store(tmp_path / "app.sqlite3")
    store.save_account(
        Account(
            f"http://127.0.0.1:{(port := free_port())}",
            account.username,
            account.volunteer_id,
            account.name,
        )
    )
    store.add_batch(1, seeded.campaign_id, dt.datetime.now(dt.UTC), [])  # nothing to call
    api = ApiClient(f"http://127.0.0.1:{port}", token=token, timeout=(0.5, 2))
    engine = SyncEngine(
        store, api, seeded.campaign_id, backoff_base=100.0, backoff_cap=100.0, rng=random.Random(1)
    )
    statuses: list = []
    engine.status_changed.connect(statuses.append)
    engine.run_in_thread()
    try:
        qtbot.waitUntil(lambda: bool(statuses and statuses[-1].retry_in_s), timeout=20000)
        assert statuses[-1].connectivity is Connectivity.OFFLINE
        assert statuses[-1].retry_in_s > 10  # the scheduled retry is far away
        with LiveServer(server.db_url, port=port) as second:
            assert second.port == port
            engine.network_up()
            qtbot.waitUntil(lambda: statuses[-1].connectivity is Connectivity.ONLINE, timeout=20000)
            assert store.remaining(seeded.campaign_id) == 6  # it leased at once
    finally:
        assert engine.shutdown()
        api.close()
        store.close()


def test_a_restarted_app_resumes_and_delivers_what_was_queued(make, qtbot) -> None:
    h = make()
    h.start()
    h.wait(lambda: h.core.remaining() >= 3)
    h.core.shutdown()  # the app quits; the next calls are recorded with no engine
    queued = [h.store.record(draft(h.store.next_contact(h.cid), "busy")).id for _ in range(2)]
    again = CallerCore(h.store, Credentials(), sync_policy=SyncPolicy(**FAST), watch_network=False)
    try:
        assert again.resume() == h.store.account()  # the token came from the keyring
        again.choose_campaign(h.cid)
        h.wait(lambda: h.store.waiting_count() == 0)
        assert set(queued) <= set(h.server_results())
    finally:
        again.shutdown()


def test_sign_out_before_choosing_a_campaign(make) -> None:
    h = make()
    h.core.sign_in(h.server.url, h.seeded.callers[0], h.seeded.password)
    token = h.core._token
    done: list[int] = []
    h.core.sign_out_finished.connect(lambda: done.append(1))
    h.core.sign_out()
    h.wait(lambda: done)
    assert h.store.account() is None
    assert not h.core.signed_in
    with pytest.raises(SignedOut):
        ApiClient(h.server.url, token=token).campaigns()


def test_the_tally_updates_from_the_upload_reply_without_a_progress_poll(make) -> None:
    # Polls only at the session start: any later count must come from an upload's reply.
    h = make(contacts=10, batch_size=5, progress_every_s=3600.0, tally_after_upload_s=3600.0)
    tallies: list = []
    h.core.progress_changed.connect(tallies.append)
    h.start()
    h.wait(lambda: tallies)  # the session's first poll
    assert (tallies[-1].my_calls, tallies[-1].calls) == (0, 0)
    h.call("answered")
    h.wait(lambda: h.store.waiting_count() == 0)
    h.wait(lambda: tallies[-1].my_calls == 1)
    assert (tallies[-1].calls, tallies[-1].my_reached, tallies[-1].volunteers_active) == (1, 1, 1)
    h.call("not_home")
    h.wait(lambda: tallies[-1].my_calls == 2)
    assert tallies[-1].my_reached == 1


def test_leaderboard_lists_a_volunteer_only_after_they_opt_in(make) -> None:
    h = make(contacts=10, batch_size=5)
    tallies: list = []
    h.core.progress_changed.connect(tallies.append)
    h.start()
    h.call("answered")
    h.wait(lambda: h.store.waiting_count() == 0)
    h.wait(lambda: tallies and tallies[-1].my_calls == 1)  # from the upload reply
    assert tallies[-1].leaderboard == ()  # the default is not to be ranked
    h.core.set_leaderboard_opt_in(True)
    h.wait(lambda: tallies[-1].leaderboard)
    assert [name for name, _ in tallies[-1].leaderboard] == [h.core.account.first_name]
    h.core.set_leaderboard_opt_in(False)
    h.wait(lambda: tallies[-1].leaderboard == ())
