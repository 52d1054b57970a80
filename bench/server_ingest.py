"""Issue item 7: result ingest, 100-result uploads with 10 % re-sent duplicates.

    python bench/server_ingest.py [--db sqlite,postgresql] [--clients 20]
        [--uploads 10] [--per-upload 100] [--dup-share 0.1] [--processes 2]

`caller-server serve --workers 2`; each simulated volunteer first leases the contacts
it needs (untimed), then posts `uploads` uploads in a row. Reported beside the same
server's `GET /health` under the same number of clients and requests: the baseline.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import benchlib
from loadgen import run_load


def run_db(kind: str, args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    dups = round(args.per_upload * args.dup_share)
    need = args.clients * (args.uploads * (args.per_upload - dups) + dups + 50)
    with benchlib.database(kind, folder) as url:
        campaign_id, tokens = benchlib.seed_big_campaign(
            url, max(need, 1000), args.clients, batch_size=50
        )
        benchlib.analyse(url)
        server = benchlib.start_server(url, workers=args.workers)
        try:
            health = run_load(
                {"mode": "health", "base": server.url, "requests": args.uploads * 5},
                tokens,
                args.processes,
            )
            ingest = run_load(
                {
                    "mode": "ingest",
                    "base": server.url,
                    "campaign_id": campaign_id,
                    "uploads": args.uploads,
                    "per_upload": args.per_upload,
                    "dup_share": args.dup_share,
                },
                tokens,
                args.processes,
            )
        finally:
            server.stop()
    h = benchlib.summary_ms(health["latencies"])
    i = benchlib.summary_ms(ingest["latencies"])
    counts = ingest["counts"]
    health_rps = len(health["latencies"]) / health["wall_s"]
    uploads_ps = len(ingest["latencies"]) / ingest["wall_s"]
    return [
        {
            "db": kind,
            "what": "GET /health (baseline)",
            "requests": len(health["latencies"]),
            "req_per_s": round(health_rps, 1),
            "results_per_s": "",
            "p50_ms": h.get("p50_ms"),
            "p95_ms": h.get("p95_ms"),
            "errors": sum(health["errors"].values()),
            "accepted": "",
            "duplicates": "",
        },
        {
            "db": kind,
            "what": f"POST /results x{args.per_upload}",
            "requests": len(ingest["latencies"]),
            "req_per_s": round(uploads_ps, 1),
            "results_per_s": round(counts.get("results", 0) / ingest["wall_s"], 1),
            "p50_ms": i.get("p50_ms"),
            "p95_ms": i.get("p95_ms"),
            "errors": sum(ingest["errors"].values()) + counts.get("rejected", 0),
            "accepted": counts.get("accepted", 0),
            "duplicates": counts.get("duplicates", 0),
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--uploads", type=int, default=10, help="uploads per client")
    parser.add_argument("--per-upload", type=int, default=100)
    parser.add_argument("--dup-share", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db.split(","):
            if kind == "postgresql" and (why := benchlib.pg_reachable()):
                print(f"skipping PostgreSQL: {why}")
                continue
            rows += run_db(kind, args, Path(tmp))
    for row in rows:
        base = next(r for r in rows if r["db"] == row["db"])
        row["p95_vs_health"] = benchlib.ratio(row["p95_ms"], base["p95_ms"])
    benchlib.print_table(
        f"result ingest: {args.clients} clients x {args.uploads} uploads of "
        f"{args.per_upload} ({args.dup_share:.0%} re-sent), serve --workers {args.workers}",
        rows,
    )
    benchlib.write_json("server_ingest", {"params": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
