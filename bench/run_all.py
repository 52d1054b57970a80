"""Run every benchmark with its default (a few minutes each on a 2-core machine).

    python bench/run_all.py [--only app_commit,server_leases,...] [--quick]

Each writes bench/results/<name>.json and prints its table; see bench/README.md.
`--quick` passes small sizes (a smoke run, not figures to quote).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "app_commit": ([], ["--n", "50"]),
    "app_caller": ([], ["--contacts", "50", "--outbox", "1000", "--download", "200"]),
    "app_coldstart": ([], ["--runs", "2"]),
    "sync_e2e": ([], ["--runs", "1", "--outbox", "500"]),
    "contacts_import": ([], ["--rows", "20000"]),
    "server_leases": ([], ["--contacts", "20000", "--duration", "5", "--clients", "10,50"]),
    "server_ingest": ([], ["--clients", "4", "--uploads", "3"]),
    "signin_storm": ([], ["--volunteers", "40", "--before", "3"]),
    "evening": ([], ["--quick"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated names: " + ", ".join(BENCHES))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHES)
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    failed = []
    for name in names:
        full, quick = BENCHES[name]
        argv = [sys.executable, str(HERE / f"{name}.py"), *(quick if args.quick else full)]
        print(f"\n### {name}: {' '.join(argv[1:])}", flush=True)
        start = time.perf_counter()
        if subprocess.run(argv, env=env, check=False).returncode != 0:
            failed.append(name)
        print(f"### {name} took {time.perf_counter() - start:.0f} s", flush=True)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
