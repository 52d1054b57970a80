"""SIGKILL the app core at random moments; nothing committed may be lost or doubled.

A child process (tests/support/crash_child.py) records results in a tight loop and
prints each id once its commit returned. The test kills it at random: in half the
runs at any moment (mostly mid-commit: recording is what the child does all day),
in the other half while an upload is in flight (the proxy holds uploads back a
little, so the kill lands between send and reply). Each next run is the restart of
the one before, on the same database file. Afterwards: the file passes
`PRAGMA integrity_check`, everything printed is in it, and once a last run has
drained the outbox the server holds exactly the local results, each once.
"""

from __future__ import annotations

import random
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from caller_app.store import Store
from tests.support.child import Child
from tests.support.corekit import assert_exactly_once, sign_in, wait_for
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.server import (
    LiveServer,
    Seeded,
    seed_volunteer,
    seeded_sqlite_server,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

RUNS = 20
RESULTS = "POST /api/v1/results"


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[LiveServer, Seeded]]:
    with seeded_sqlite_server(tmp_path_factory.mktemp("server"), contacts=1500) as pair:
        yield pair


def crash_child(
    mode: str, db: Path, url: str, seeded: Seeded, username: str, seed: int, token: str
) -> Child:
    """tests/support/crash_child.py, signed in with `token` (no sign-in per run)."""
    return Child(
        "tests.support.crash_child",
        mode,
        db,
        url,
        username,
        seeded.password,
        seeded.campaign_id,
        seed,
        env={"CRASH_CHILD_TOKEN": token},
    )


def local_ids(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM results")}


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_sigkill_at_random_moments(live, tmp_path):
    server, seeded = live
    username = f"crash-{uuid.uuid4().hex[:8]}"
    volunteer_id = seed_volunteer(seeded.db_url, username, "Cass Crash", seeded.password)
    seed_ = random.randrange(1 << 30)
    rng = random.Random(seed_)
    db = tmp_path / "app.sqlite3"
    printed: set[str] = set()
    mid_upload_kills = 0
    with FaultProxy("127.0.0.1", server.port) as proxy:
        token, account = sign_in(proxy.url, username, seeded.password)
        store = Store(db)
        store.save_account(account)  # signed in once; each run finds the token "in the keyring"
        store.close()
        for run in range(RUNS):
            mid_upload = run % 2 == 1
            if mid_upload:
                proxy.set_fault(Fault.LATENCY, delay=0.25, match=RESULTS)
            else:
                proxy.clear()
            uploads_before = len(proxy.seen(RESULTS))
            child = crash_child(
                "record", db, proxy.url, seeded, username, rng.randrange(1 << 30), token
            )
            try:
                wait_for(
                    lambda c=child: "ready" in c.lines or c.proc.poll() is not None,
                    60,
                    "the child to start recording",
                )
                assert child.proc.poll() is None, f"child died (seed {seed_})"
                if mid_upload:
                    wait_for(
                        lambda n=uploads_before: len(proxy.seen(RESULTS)) > n,
                        30,
                        "an upload to be in flight",
                    )
                    time.sleep(rng.uniform(0.0, 0.45))  # request held, or reply on its way
                    mid_upload_kills += 1
                else:
                    time.sleep(rng.uniform(0.05, 0.6))
            finally:
                child.kill()
            assert child.proc.returncode == -9, child.stderr_text()
            printed |= child.ids()
            assert integrity(db) == "ok", f"run {run} (seed {seed_})"
            assert printed <= local_ids(db), f"a committed result was lost (seed {seed_})"

        proxy.clear()
        drain = crash_child("drain", db, proxy.url, seeded, username, 0, token)
        assert drain.wait(120) == 0, drain.stderr_text()
        assert "drained" in drain.lines

    assert integrity(db) == "ok"
    assert mid_upload_kills >= RUNS // 2
    assert len(printed) > RUNS  # the child really was recording
    store = Store(db)
    try:
        local = store.results()
        assert store.waiting_count() == 0
        assert store.needs_attention() == []
    finally:
        store.close()
    assert printed <= {r.id for r in local}
    assert_exactly_once(seeded.db_url, volunteer_id, local)
