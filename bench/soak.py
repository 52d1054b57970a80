"""Chaos soak: volunteers' app cores, a flapping link, kills and server restarts.

    python bench/soak.py --minutes 30 [--volunteers 4] [--db auto|sqlite|postgres]
        [--seed N] [--json FILE]

Prints results recorded, results on the server, duplicates, lost, faults injected,
kills, restarts and wall time; exits 1 when anything was lost, doubled, rejected,
leased twice or a client database failed `PRAGMA integrity_check`. The engine is
tests/support/soak.py (the test suite runs a one-minute version of it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.support.soak import SoakConfig, run_soak  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--volunteers", type=int, default=4)
    parser.add_argument("--db", choices=["auto", "sqlite", "postgres"], default="auto")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    config = SoakConfig(
        seconds=args.minutes * 60,
        volunteers=args.volunteers,
        database=args.db,
        workers=args.workers,
        seed=args.seed,
    )
    report = run_soak(config)
    print(report.summary())
    if args.json:
        args.json.write_text(json.dumps({**asdict(report), "ok": report.ok}, indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
