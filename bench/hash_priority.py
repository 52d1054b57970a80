"""Issue 14: why the hashing pool runs under SCHED_IDLE (Linux), measured in one process.

    python bench/hash_priority.py [--seconds 4] [--rounds 3]

A "request" thread does what a request does between database replies: it sleeps for
0.5 ms (waiting for the reply), then computes for about 0.2 ms, ten times; each such
request is timed. Meanwhile one argon2id thread per core (the server's parameters)
hashes without pause, set up as the pool would be: no hashing at all (the baseline),
nice 10 (the pool before), nice 19, or SCHED_IDLE (the pool now), and SCHED_IDLE on
one core fewer. Rounds alternate the
settings so a machine shared with other work loads them alike; the load average is
printed. The request's p50/p95/p99 per setting, and how many hashes got done (SCHED_IDLE
must not starve the pool when the request thread is idle between requests).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

import benchlib
from argon2 import PasswordHasher

from caller_server import hashing

CORES = os.cpu_count() or 1
# (label, policy, hashing threads)
SETTINGS = (
    ("no hashing", "", 0),
    (f"nice 10 x{CORES}", "nice 10", CORES),
    (f"nice 19 x{CORES}", "nice 19", CORES),
    (f"SCHED_IDLE x{CORES}", "SCHED_IDLE", CORES),
    (f"SCHED_IDLE x{max(1, CORES - 1)}", "SCHED_IDLE", max(1, CORES - 1)),
)


def _apply(setting: str) -> None:
    me = threading.get_native_id()
    if setting == "SCHED_IDLE":
        os.sched_setscheduler(me, os.SCHED_IDLE, os.sched_param(0))
    elif setting.startswith("nice"):
        os.setpriority(os.PRIO_PROCESS, me, int(setting.split()[1]))


def _hash_until(stop: threading.Event, setting: str, done: list[int]) -> None:
    _apply(setting)
    hasher = PasswordHasher(
        time_cost=hashing.TIME_COST, memory_cost=hashing.MEMORY_COST_KIB, parallelism=1
    )
    stored = hasher.hash("a password for the bench")
    while not stop.is_set():
        hasher.verify(stored, "a password for the bench")
        done.append(1)


def _request() -> float:
    start = time.perf_counter()
    for _ in range(10):
        time.sleep(0.0005)
        end = time.perf_counter() + 0.0002
        while time.perf_counter() < end:
            pass
    return time.perf_counter() - start


def measure(policy: str, count: int, seconds: float) -> tuple[list[float], int]:
    stop = threading.Event()
    done: list[int] = []
    threads = [
        threading.Thread(target=_hash_until, args=(stop, policy, done), daemon=True)
        for _ in range(count)
    ]
    for t in threads:
        t.start()
    time.sleep(0.2)
    samples: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        samples.append(_request())
        time.sleep(0.002)  # between requests the thread is idle, as a server mostly is
    stop.set()
    for t in threads:
        t.join()
    return samples, len(done)


def main() -> None:
    if not sys.platform.startswith("linux"):
        sys.exit("Linux only (per-thread nice and SCHED_IDLE)")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    samples: dict[str, list[float]] = {label: [] for label, _, _ in SETTINGS}
    hashes: dict[str, int] = {label: 0 for label, _, _ in SETTINGS}
    for _ in range(args.rounds):
        for label, policy, count in SETTINGS:
            got, done = measure(policy, count, args.seconds)
            samples[label] += got
            hashes[label] += done
    base = benchlib.summary_ms(samples["no hashing"])
    rows = []
    for setting, _, _ in SETTINGS:
        s = benchlib.summary_ms(samples[setting])
        rows.append(
            {
                "setting": setting,
                "requests": s["n"],
                "p50 ms": s["p50_ms"],
                "p95 ms": s["p95_ms"],
                "p99 ms": s["p99_ms"],
                "p95 ratio": benchlib.ratio(s["p95_ms"], base["p95_ms"]),
                "hashes/s": round(hashes[setting] / (args.rounds * args.seconds), 1),
            }
        )
    benchlib.print_table(
        "a request (10 x 0.5 ms wait + 0.2 ms CPU) beside argon2 threads; "
        f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}; "
        f"mean of no hashing {statistics.mean(samples['no hashing']) * 1000:.2f} ms",
        rows,
    )
    benchlib.write_json("hash_priority", {"params": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
