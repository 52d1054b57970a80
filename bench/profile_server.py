"""The API in one uvicorn process under cProfile, every thread included.

FastAPI runs sync endpoints in worker threads, which `python -m cProfile` never sees;
here each thread gets its own profiler on its first call (threading.setprofile), timed
by that thread's CPU clock (so waiting for PostgreSQL or a lock costs nothing), and on
SIGTERM all are merged into one pstats file. Started by `evening.py --profile`
in place of `caller-server serve`; the database comes from CALLER_SERVER_DB.

    python bench/profile_server.py --out prof.pstats --host 127.0.0.1 --port 8123
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _start_thread_profile(*_args: Any) -> None:
    """Runs once per thread (its first profiled event): a profiler of its own takes over."""
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    profile.enable()


def _exit(*_args: Any) -> None:
    raise SystemExit(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    from caller_server.app import create_app

    # uvicorn re-raises the SIGTERM it caught once it has shut down; as SystemExit the
    # `finally` below still writes the profile.
    signal.signal(signal.SIGTERM, _exit)
    threading.setprofile(_start_thread_profile)
    main_profile = cProfile.Profile(time.thread_time)
    _profiles.append(main_profile)
    main_profile.enable()
    try:
        uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    finally:
        main_profile.disable()
        with _lock:
            stats = pstats.Stats(*_profiles)
        stats.dump_stats(args.out)
        print(f"profile written to {args.out}", flush=True)


if __name__ == "__main__":
    main()
