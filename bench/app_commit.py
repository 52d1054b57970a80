"""Issue item 3: one outcome commit, beside a bare sqlite3 insert + commit of the same row.

    python bench/app_commit.py [--n 300]

Both on files in the same folder, WAL and synchronous=FULL, run alternately so that
disk and CPU noise hit both alike. The app's commit is `Store.record(draft)`: the
outbox row and the contact's "worked" mark in one transaction. Goal: ratio < 3x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import benchlib

BARE_TABLE = """CREATE TABLE results (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE,
 owner TEXT, session_id INTEGER, contact_id INTEGER, batch_id INTEGER, campaign_id INTEGER,
 outcome TEXT, started_at TEXT, duration_s INTEGER, recorded_at TEXT, answers TEXT,
 notes TEXT, callback_at TEXT, supersedes TEXT, state TEXT, upload_started_at TEXT,
 delivered_at TEXT, reject_code TEXT, reject_message TEXT)"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300, help="commits of each kind")
    args = parser.parse_args()

    from caller_app.domain.models import Account, Contact, ResultDraft
    from caller_app.store import Store

    with tempfile.TemporaryDirectory(dir=Path.home()) as tmp:
        store = Store(Path(tmp) / "app.sqlite3")
        store.save_account(Account("http://127.0.0.1:8765", "bench", 1, "Bench Caller"))
        now = dt.datetime.now(dt.UTC)
        contacts = [
            Contact(i, 1, 1, "Ada", "Quill", benchlib.drama_number(i), "Ward 1", 1)
            for i in range(args.n)
        ]
        store.add_batch(1, 1, now + dt.timedelta(hours=1), contacts)
        store.start_session(1)

        bare = sqlite3.connect(Path(tmp) / "bare.sqlite3", isolation_level=None)
        bare.execute("PRAGMA journal_mode=WAL")
        bare.execute("PRAGMA synchronous=FULL")
        bare.execute(BARE_TABLE)
        app_times, bare_times = [], []
        for i in range(args.n):
            draft = ResultDraft(
                contact_id=i,
                batch_id=1,
                campaign_id=1,
                outcome="answered",
                started_at=now,
                duration_s=60,
                answers={"support": "yes"},
                notes="",
            )
            start = time.perf_counter()
            store.record(draft)
            app_times.append(time.perf_counter() - start)

            row = (
                str(uuid.uuid4()),
                "http://127.0.0.1:8765|bench",
                1,
                i,
                1,
                1,
                "answered",
                now.isoformat(),
                60,
                now.isoformat(),
                json.dumps({"support": "yes"}),
                "",
                None,
                None,
                "pending",
                None,
                None,
                None,
                None,
            )
            start = time.perf_counter()
            bare.execute("BEGIN IMMEDIATE")
            bare.execute(
                "INSERT INTO results (id, owner, session_id, contact_id, batch_id, "
                "campaign_id, outcome, started_at, duration_s, recorded_at, answers, "
                "notes, callback_at, supersedes, state, upload_started_at, "
                "delivered_at, reject_code, reject_message) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                row,
            )
            bare.execute("COMMIT")
            bare_times.append(time.perf_counter() - start)
        bare.close()
        store.close()
    a, b = benchlib.summary_ms(app_times), benchlib.summary_ms(bare_times)
    rows = [
        {"what": "bare sqlite3 insert + commit (baseline)", **b},
        {"what": "Store.record (outbox row + worked mark)", **a},
    ]
    rows[1]["p50_ratio"] = benchlib.ratio(a["p50_ms"], b["p50_ms"])
    rows[1]["p95_ratio"] = benchlib.ratio(a["p95_ms"], b["p95_ms"])
    rows[1]["met (< 3x)"] = rows[1]["p50_ratio"] < 3
    benchlib.print_table("3. one outcome commit, WAL + synchronous=FULL", rows)
    benchlib.write_json("app_commit", {"params": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
