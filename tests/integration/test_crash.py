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

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from caller_app.store import Store
from tests.support.corekit import assert_exactly_once, sign_in, wait_for
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.server import (
    REPO,
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


class Child:
    """A crash_child process whose stdout lines are collected by a thread."""

    def __init__(
        self,
        mode: str,
        db: Path,
        url: str,
        username: str,
        password: str,
        campaign_id: int,
        seed: int,
        token: str,
    ) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "QT_QPA_PLATFORM": "offscreen",
            "CRASH_CHILD_TOKEN": token,
        }
        self.proc = subprocess.Popen(  # the app core under test, killed by the test
            [
                sys.executable,
                "-m",
                "tests.support.crash_child",
                mode,
                "--db",
                str(db),
                "--url",
                url,
                "--username",
                username,
                "--password",
                password,
                "--campaign",
                str(campaign_id),
                "--seed",
                str(seed),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.stderr = ""
        self._out = threading.Thread(target=self._read, daemon=True)
        self._out.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def kill(self) -> None:
        self.proc.kill()
        self.finish()

    def finish(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout)
        self._out.join(10)
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()
        self.proc.stderr.close()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code

    def ids(self) -> set[str]:
        return {line for line in self.lines if len(line) == 36}


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
            child = Child(
                "record",
                db,
                proxy.url,
                username,
                seeded.password,
                seeded.campaign_id,
                rng.randrange(1 << 30),
                token,
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
            assert child.proc.returncode == -9, child.stderr
            printed |= child.ids()
            assert integrity(db) == "ok", f"run {run} (seed {seed_})"
            assert printed <= local_ids(db), f"a committed result was lost (seed {seed_})"

        proxy.clear()
        drain = Child(
            "drain", db, proxy.url, username, seeded.password, seeded.campaign_id, 0, token
        )
        assert drain.finish(120) == 0, drain.stderr
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
