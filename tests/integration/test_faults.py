"""The app core against a real server through a fault-injecting proxy.

Each scenario breaks the line between core and server the way real networks do
while results are being recorded, then lets it heal. Every time: every result
committed locally ends up on the server exactly once, nothing needs attention,
and the same core (no restart) goes on delivering new results afterwards.
"""

from __future__ import annotations

import csv
import io
import os
import random
import threading
import uuid
from collections.abc import Iterator

import pytest

from caller_app.domain.models import Connectivity
from tests.support.corekit import Core, assert_exactly_once, make_draft, sign_in, wait_for
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    seed_volunteer,
    seeded_sqlite_server,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

RESULTS = "POST /api/v1/results"


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[LiveServer, Seeded]]:
    with seeded_sqlite_server(tmp_path_factory.mktemp("server"), contacts=600) as pair:
        yield pair


@pytest.fixture
def proxy(live) -> Iterator[FaultProxy]:
    server, _ = live
    with FaultProxy("127.0.0.1", server.port) as p:
        yield p


@pytest.fixture
def volunteer(live) -> tuple[str, int]:
    _, seeded = live
    username = f"faults-{uuid.uuid4().hex[:8]}"
    return username, seed_volunteer(seeded.db_url, username, "Fay Faults", seeded.password)


def start_core(qapp, tmp_path, live, proxy, volunteer, **kw) -> Core:
    _, seeded = live
    core = Core.start(
        tmp_path / "app.sqlite3", proxy.url, volunteer[0], seeded.password, seeded.campaign_id, **kw
    )
    core.wait_for_contacts(12)
    return core


@pytest.fixture
def core(qapp, tmp_path, live, proxy, volunteer) -> Iterator[Core]:
    core = start_core(qapp, tmp_path, live, proxy, volunteer)
    yield core
    core.stop()


def faulted_uploads(proxy: FaultProxy, fault: Fault) -> int:
    return sum(1 for s in proxy.seen(RESULTS) if s.fault is fault)


def heal_and_check(core: Core, proxy: FaultProxy, live, volunteer) -> None:
    """Clear the fault; all arrives once; the same core then delivers new results too."""
    _, seeded = live
    proxy.clear()
    core.wait_delivered()
    assert_exactly_once(seeded.db_url, volunteer[1], core.store.results())
    core.record(3)
    core.wait_delivered()
    assert_exactly_once(seeded.db_url, volunteer[1], core.store.results())
    assert core.store.needs_attention() == []


def test_pass_through_baseline(core, proxy, live, volunteer):
    core.record(5)
    core.wait_delivered()
    assert_exactly_once(live[1].db_url, volunteer[1], core.store.results())
    assert proxy.faults_injected == 0


def test_connection_refused(core, proxy, live, volunteer):
    proxy.set_fault(Fault.REFUSE)
    core.record(6)
    wait_for(
        lambda: any(s.connectivity is Connectivity.OFFLINE for s in core.statuses),
        what="the core to notice it is offline",
    )
    assert core.store.waiting_count() == 6
    heal_and_check(core, proxy, live, volunteer)


@pytest.mark.parametrize(
    ("fault", "options"),
    [
        pytest.param(Fault.RESET, {"after_bytes": 120}, id="reset-mid-request"),
        pytest.param(Fault.DROP_REPLY, {}, id="reply-dropped-after-commit"),
        pytest.param(Fault.HTML, {}, id="captive-portal-html-200"),
        pytest.param(Fault.TRUNCATE, {}, id="truncated-json"),
    ],
)
def test_broken_replies(core, proxy, live, volunteer, fault, options):
    """Every request breaks (uploads, leases, renewals alike) until two uploads have."""
    proxy.set_fault(fault, **options)
    core.record(4)
    wait_for(lambda: faulted_uploads(proxy, fault) >= 1, what=f"an upload to meet {fault}")
    core.record(4)
    wait_for(lambda: faulted_uploads(proxy, fault) >= 2, what=f"a 2nd upload to meet {fault}")
    assert core.store.waiting_count() > 0
    heal_and_check(core, proxy, live, volunteer)


def test_blackhole(qapp, tmp_path, live, proxy, volunteer):
    core = start_core(qapp, tmp_path, live, proxy, volunteer, timeout=(1.0, 0.5))
    try:
        proxy.set_fault(Fault.BLACKHOLE)
        core.record(5)
        wait_for(lambda: faulted_uploads(proxy, Fault.BLACKHOLE) >= 2, what="two uploads to vanish")
        assert core.store.waiting_count() == 5
        heal_and_check(core, proxy, live, volunteer)
    finally:
        core.stop()


def test_two_second_latency(core, proxy, live, volunteer):
    """Slow is not broken: uploads wait, nothing times out, nothing is sent twice.

    Each upload and its reply are held back 1 s each: a 2 s round trip.
    """
    proxy.set_fault(Fault.LATENCY, delay=1.0, match=RESULTS)
    core.record(3)
    wait_for(lambda: len(proxy.seen(RESULTS)) >= 1, what="a slow upload to start")
    core.record(3)  # recorded while the upload is in flight
    core.wait_delivered()
    assert_exactly_once(live[1].db_url, volunteer[1], core.store.results())
    posted = [rid for s in proxy.seen(RESULTS) for rid in _ids(s.body)]
    assert sorted(posted) == sorted(r.id for r in core.store.results())
    heal_and_check(core, proxy, live, volunteer)


def test_server_restarted_mid_upload(core, proxy, live, volunteer):
    server, _ = live
    proxy.set_fault(Fault.LATENCY, delay=0.5, match=RESULTS, times=1)
    core.record(5)
    wait_for(lambda: len(proxy.seen(RESULTS)) >= 1, what="an upload to start")
    server.restart()  # the held upload reaches a server that is going or gone
    core.record(3)
    heal_and_check(core, proxy, live, volunteer)


def test_token_revoked_then_restored(core, proxy, live, volunteer):
    server, seeded = live
    core.record(3)
    core.wait_delivered()
    organiser = Api.login(server.url, seeded.organiser, seeded.password)
    reply = organiser.post(f"/admin/volunteers/{volunteer[1]}/revoke")
    assert reply.status_code == 200, reply.text
    core.record(4)
    wait_for(lambda: core.signed_out, what="the core to notice the revoked sign-in")
    assert core.statuses[-1].connectivity is Connectivity.SIGNED_OUT
    assert core.store.waiting_count() == 4  # kept, not dropped
    core.record(2)  # a volunteer may still finish the call in hand
    token, _ = sign_in(proxy.url, volunteer[0], seeded.password)
    core.engine.set_token(token)
    heal_and_check(core, proxy, live, volunteer)
    # The organiser's export agrees: one row per result, none missing.
    export = organiser.get(f"/campaigns/{seeded.campaign_id}/results.csv")
    assert export.status_code == 200, export.text
    local = {r.id for r in core.store.results()}
    exported = [
        row["result_id"]
        for row in csv.DictReader(io.StringIO(export.text))
        if row["result_id"] in local
    ]
    assert sorted(exported) == sorted(local)
    organiser.close()


def test_sync_now_during_an_upload_sends_nothing_twice(core, proxy, live, volunteer):
    """Impatient clicks on "sync now", from several threads, while an upload is slow."""
    proxy.set_fault(Fault.LATENCY, delay=0.5, match=RESULTS)
    core.record(4)
    wait_for(lambda: len(proxy.seen(RESULTS)) >= 1, what="an automatic upload to start")
    clickers = [threading.Thread(target=core.engine.sync_now) for _ in range(4)]
    for t in clickers:
        t.start()
    core.record(3)
    core.engine.sync_now()
    for t in clickers:
        t.join()
    core.wait_delivered()
    posted = [rid for s in proxy.seen(RESULTS) for rid in _ids(s.body)]
    assert len(posted) == len(set(posted)), "a result was sent twice"
    assert sorted(posted) == sorted(r.id for r in core.store.results())
    assert len(proxy.seen(RESULTS)) >= 2  # the later results went in a later upload
    assert proxy.max_in_flight == 1  # one sender, ever
    assert_exactly_once(live[1].db_url, volunteer[1], core.store.results())


def test_corrections_recorded_offline_with_their_original(core, proxy, live, volunteer):
    """A result and a chain of corrections, all sent in one upload, all accepted.

    The server must apply them in the order they were recorded: a correction that
    names a result sent earlier in the same request is not "of a result it lacks".
    """
    proxy.set_fault(Fault.REFUSE)
    latest = core.record(1)[0]
    rng = random.Random(7)
    for _ in range(5):
        draft = make_draft(latest.contact_id, latest.batch_id, core.campaign_id, rng)
        latest = core.store.record_correction(latest.id, draft)
        core.engine.result_recorded()
    heal_and_check(core, proxy, live, volunteer)
    assert len(proxy.seen(RESULTS)) >= 1


def _ids(body: bytes) -> list[str]:
    import json

    return [r["id"] for r in json.loads(body)["results"]]
