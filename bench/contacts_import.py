"""Issue item 8: importing a 100,000-row contacts CSV, rows per second.

    python bench/contacts_import.py [--db sqlite,postgresql] [--rows 100000]

Only 4,000 Ofcom drama numbers exist, so no single campaign can take 100,000 distinct
valid numbers. The import is therefore timed in its two halves: checking a
100,000-row file (parse, normalise every number; 4,000 distinct, the rest reported
as duplicates), and importing 100,000 rows as 25 files of 4,000 into 25 campaigns in
one transaction (parse, check against the campaign and suppressions, insert).
Baseline: a bare executemany insert of the same 100,000 rows.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib

CAMPAIGN = 'name = "Bench"\nseat = "S"\ncandidate = "C"\n[script]\nintro = "Hi {first_name}"\n'
PREFIXES = ("020 7946 0", "0113 496 0", "0121 496 0", "0161 496 0")


def csv_text(rows: int, offset: int = 0) -> str:
    lines = ["first_name,last_name,phone,ward,age_band"]
    for n in range(offset, offset + rows):
        i = n % 4000
        lines.append(f"First{n},Last{n},{PREFIXES[i // 1000]}{i % 1000:03d},Ward {n % 7},b{n % 5}")
    return "\r\n".join(lines) + "\r\n"


def _backend_pid(session: Any) -> int | None:
    """The PostgreSQL backend serving this session (its CPU is read from /proc)."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar())


def run_db(kind: str, rows: int, folder: Path, bare: bool = True) -> list[dict[str, Any]]:
    from sqlalchemy import func, insert, select

    from caller_server.campaign_file import create_campaign, parse_campaign
    from caller_server.contacts_import import import_contacts_text, parse_contacts
    from caller_server.db import make_engine, session_factory
    from caller_server.models import Contact

    files = max(1, rows // 4000)
    per_file = csv_text(rows // files)
    out = []
    with benchlib.database(kind, folder) as url:
        engine = make_engine(url)
        try:
            text = csv_text(rows)
            start, cpu = time.perf_counter(), time.process_time()
            good, report = parse_contacts(text)
            check_s, check_cpu = time.perf_counter() - start, time.process_time() - cpu
            with session_factory(engine).begin() as session:
                ids = [create_campaign(session, parse_campaign(CAMPAIGN)) for _ in range(files)]
            with session_factory(engine).begin() as session:
                backend = _backend_pid(session)
                start, cpu = time.perf_counter(), time.process_time()
                db_cpu = benchlib.tree_cpu_s([backend]) if backend else 0.0
                for campaign_id in ids:
                    import_contacts_text(session, campaign_id, per_file)
                import_cpu = time.process_time() - cpu
                db_cpu = (benchlib.tree_cpu_s([backend]) - db_cpu) if backend else 0.0
            import_s = time.perf_counter() - start
            with session_factory(engine).begin() as session:
                total = session.scalar(select(func.count()).where(Contact.campaign_id.in_(ids)))
            values: list[dict[str, Any]] = []
            bare_s = 0.0
            if bare:
                with session_factory(engine).begin() as session:
                    ids2 = [
                        create_campaign(session, parse_campaign(CAMPAIGN)) for _ in range(files)
                    ]
                values = [
                    {
                        "campaign_id": cid,
                        "first_name": f"First{n}",
                        "last_name": f"Last{n}",
                        "phone": benchlib.drama_number(n),
                        "ward": f"Ward {n % 7}",
                        "attributes": {"age_band": f"b{n % 5}"},
                        "state": "available",
                        "attempts": 0,
                    }
                    for cid in ids2
                    for n in range(rows // files)
                ]
                with session_factory(engine).begin() as session:
                    start = time.perf_counter()
                    for i in range(0, len(values), 1000):
                        session.execute(insert(Contact), values[i : i + 1000])
                bare_s = time.perf_counter() - start
        finally:
            engine.dispose()
    if bare:
        out.append(
            {
                "db": kind,
                "what": "bare executemany insert (baseline)",
                "rows": len(values),
                "seconds": round(bare_s, 2),
                "rows_per_s": round(len(values) / bare_s),
            }
        )
    out.append(
        {
            "db": kind,
            "what": f"check a {rows:,}-row file",
            "rows": rows,
            "seconds": round(check_s, 2),
            "rows_per_s": round(rows / check_s),
            "python_cpu_s": round(check_cpu, 2),
            "note": f"{len(good)} good, {len(report.problems)} duplicates",
        }
    )
    out.append(
        {
            "db": kind,
            "what": f"import {files} x {rows // files:,} rows, one transaction",
            "rows": int(total or 0),
            "seconds": round(import_s, 2),
            "rows_per_s": round(int(total or 0) / import_s),
            # CPU seconds, which the machine's other load hardly changes: this
            # process (parse, checks, COPY rows) and its database backend.
            "python_cpu_s": round(import_cpu, 2),
            "db_cpu_s": round(db_cpu, 2),
            **({"vs_bare": benchlib.ratio(import_s, bare_s)} if bare else {}),
        }
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--no-bare", action="store_true", help="skip the bare executemany baseline (slow at 1M)"
    )
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db.split(","):
            if kind == "postgresql" and (why := benchlib.pg_reachable()):
                print(f"skipping PostgreSQL: {why}")
                continue
            rows += run_db(kind, args.rows, Path(tmp), bare=not args.no_bare)
    benchlib.print_table(f"8. contacts import, {args.rows:,} rows", rows)
    benchlib.write_json("contacts_import", {"params": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
