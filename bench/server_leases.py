"""Issue item 6: concurrent volunteers leasing batches from a 100,000-contact campaign.

    python bench/server_leases.py [--db sqlite,postgresql] [--contacts 100000]
        [--clients 10,200] [--duration 15] [--size 20] [--processes 2]

`caller-server serve --workers 2` on each database; the load runs in separate
processes (bench/loadgen.py). Reports leases/s, p50/p95 latency, double leases
(a contact in two live batches: must be 0, checked in the replies and in the
database) and throughput at the most clients relative to the fewest (goal >= 0.8).
"""

from __future__ import annotations

import argparse
import collections
import tempfile
from pathlib import Path
from typing import Any

import benchlib
from loadgen import run_load


def db_double_leases(db_url: str, campaign_id: int) -> int:
    """Contacts that sit in more than one batch (none was released or expired here)."""
    from sqlalchemy import func, select

    from caller_server.db import make_engine, session_factory
    from caller_server.models import Batch, BatchContact

    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            per_contact = (
                select(BatchContact.contact_id)
                .join(Batch, Batch.id == BatchContact.batch_id)
                .where(Batch.campaign_id == campaign_id)
                .group_by(BatchContact.contact_id)
                .having(func.count() > 1)
                .subquery()
            )
            return int(session.scalar(select(func.count()).select_from(per_contact)) or 0)
    finally:
        engine.dispose()


def run_db(kind: str, args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    rows = []
    with benchlib.database(kind, folder) as url:
        clients = sorted(args.clients)
        for n in clients:
            # A fresh campaign per step: every step starts from 100,000 available contacts.
            campaign_id, tokens = benchlib.seed_big_campaign(url, args.contacts, n)
            benchlib.analyse(url)
            server = benchlib.start_server(url, workers=args.workers)
            try:
                out = run_load(
                    {
                        "mode": "lease",
                        "base": server.url,
                        "campaign_id": campaign_id,
                        "duration": args.duration,
                        "size": args.size,
                    },
                    tokens,
                    processes=min(args.processes, n),
                )
            finally:
                server.stop()
            seen = collections.Counter(c for batch in out["batches"] for c in batch)
            doubles = sum(1 for v in seen.values() if v > 1)
            stats = benchlib.summary_ms(out["latencies"])
            rows.append(
                {
                    "db": kind,
                    "clients": n,
                    "leases": len(out["batches"]),
                    "leases_per_s": round(len(out["batches"]) / out["wall_s"], 1),
                    "contacts_per_s": round(sum(map(len, out["batches"])) / out["wall_s"], 1),
                    "p50_ms": stats.get("p50_ms"),
                    "p95_ms": stats.get("p95_ms"),
                    "double_leases": doubles + db_double_leases(url, campaign_id),
                    "errors": sum(out["errors"].values()),
                }
            )
        base = rows[0]["leases_per_s"]
        for row in rows:
            row["vs_fewest"] = benchlib.ratio(row["leases_per_s"], base)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument(
        "--clients", default="10,200", type=lambda s: [int(x) for x in s.split(",")]
    )
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per step")
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db.split(","):
            if kind == "postgresql" and (why := benchlib.pg_reachable()):
                print(f"skipping PostgreSQL: {why}")
                continue
            rows += run_db(kind, args, Path(tmp))
            benchlib.print_table("leases (partial)", rows)
    benchlib.print_table(
        f"leases: batches of {args.size} from a {args.contacts:,}-contact campaign, "
        f"serve --workers {args.workers}, {args.duration:.0f} s per step",
        rows,
    )
    benchlib.write_json(
        "server_leases",
        {
            "params": {k: v for k, v in vars(args).items()},
            "goal": "0 double leases; leases/s at most clients >= 0.8x at fewest",
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
