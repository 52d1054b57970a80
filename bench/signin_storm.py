"""Issue 14: a sign-in storm must leave the rest of the API fast.

    python bench/signin_storm.py [--db sqlite,postgresql] [--volunteers 200] [--seconds 0]
        [--pollers 6] [--before 8] [--workers 2]
    python bench/signin_storm.py --volunteers 2000 --seconds 60     # a whole team arriving

`caller-server serve --workers 2`. A few signed-in volunteers (`--pollers`, each in a
thread of this process) poll the campaigns list, a campaign's progress and a lease
(then give the batch back, untimed) for `--before` seconds: the baseline. Then a child
process signs in `--volunteers` volunteers with real argon2 passwords: all at the same
moment (`--seconds 0`), or at random moments over `--seconds`, each from its own
address (X-Forwarded-For through the trusted proxy 127.0.0.1, as behind a load
balancer). The pollers carry on; their p50/p95 during the storm are printed beside
those before it, with the sign-ins' own latency and how many got a 429 (`busy`: the
server's sign-in queue was full, see caller_server/signin_gate.py). The machine's load
average is printed before and after each database's run: the figures mean little on a
machine others are loading.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import benchlib
import requests

PASSWORD = "storm password for the bench"


def add_storm_volunteers(db_url: str, count: int) -> list[str]:
    """`count` callers sharing one real argon2 hash (one hash to make, the same work to
    check as `count` different ones)."""
    from caller_server import auth

    shared = auth.hash_password(PASSWORD)
    return [name for _id, name in benchlib.insert_volunteers(db_url, count, "storm", shared)]


class Poller(threading.Thread):
    """One signed-in volunteer polling the three endpoints in turn until told to stop."""

    def __init__(self, base: str, token: str, campaign_id: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.api = base.rstrip("/") + "/api/v1"
        self.campaign_id = campaign_id
        self.stop = stop
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.samples: list[tuple[str, float, float]] = []  # (endpoint, start, seconds)
        self.errors = 0

    def _timed(self, name: str, method: str, path: str, **kw: Any) -> requests.Response:
        start = time.perf_counter()
        reply = self.http.request(method, self.api + path, timeout=120, **kw)
        if reply.status_code == 200:
            self.samples.append((name, start, time.perf_counter() - start))
        else:
            self.errors += 1
        return reply

    def run(self) -> None:
        cid = self.campaign_id
        while not self.stop.is_set():
            try:
                self._timed("GET /campaigns", "GET", "/campaigns")
                self._timed("GET progress", "GET", f"/campaigns/{cid}/progress")
                body = {"size": 5, "request_id": str(uuid.uuid4())}
                lease = self._timed("POST lease", "POST", f"/campaigns/{cid}/batches", json=body)
                batch = lease.json().get("batch_id") if lease.status_code == 200 else None
                if batch is not None:
                    self.http.post(f"{self.api}/batches/{batch}/release", timeout=120)
            except requests.RequestException:
                self.errors += 1
                time.sleep(0.05)
        self.http.close()


# --- the storm, in a child process so the pollers' timing has this process to itself ---


def child() -> None:
    spec = json.loads(sys.stdin.readline())
    base, names, seconds = spec["base"], spec["names"], spec["seconds"]
    rng = random.Random(14)
    offsets = sorted(rng.uniform(0, seconds) for _ in names) if seconds > 0 else [0.0] * len(names)
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        start = time.perf_counter()
        try:
            reply = requests.post(
                base + "/api/v1/auth/login",
                json={"username": names[n], "password": PASSWORD},
                headers={"X-Forwarded-For": address},
                timeout=600,
            )
            status = reply.status_code
        except requests.RequestException:
            status = 0
        with lock:
            results.append((status, time.perf_counter() - start))

    print("ready", flush=True)
    sys.stdin.readline()  # go
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(len(names), 400)) as pool:
        for n, offset in enumerate(offsets):
            delay = t0 + offset - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n)
    wall = time.perf_counter() - t0
    print(json.dumps({"results": results, "wall_s": wall}), flush=True)


def storm(base: str, names: list[str], seconds: float) -> tuple[dict[str, Any], float, float]:
    """Run the storm in a child; (its results, start and end on this process's clock)."""
    proc = subprocess.Popen(  # this same script, as the storm's own process
        [sys.executable, __file__, "--child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(json.dumps({"base": base, "names": names, "seconds": seconds}) + "\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    data = json.loads(proc.stdout.readline())
    end = time.perf_counter()
    proc.wait(60)
    return data, start, end


def run_db(kind: str, args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    load_before = os.getloadavg()[0]
    with benchlib.database(kind, folder) as url:
        campaign_id, tokens = benchlib.seed_big_campaign(url, 5000, args.pollers, batch_size=5)
        names = add_storm_volunteers(url, args.volunteers)
        benchlib.analyse(url)
        server = benchlib.start_server(url, workers=args.workers)
        stop = threading.Event()
        pollers = [Poller(server.url, t, campaign_id, stop) for t in tokens]
        try:
            for p in pollers:
                p.start()
            time.sleep(args.before)
            data, start, end = storm(server.url, names, args.seconds)
        finally:
            stop.set()
            for p in pollers:
                p.join(60)
            server.stop()
    rows: list[dict[str, Any]] = []
    endpoints = list(dict.fromkeys(s[0] for p in pollers for s in p.samples))
    for name in endpoints:
        samples = [s for p in pollers for s in p.samples if s[0] == name]
        before = benchlib.summary_ms([d for _, t, d in samples if t < start])
        during = benchlib.summary_ms([d for _, t, d in samples if start <= t <= end])
        rows.append(
            {
                "db": kind,
                "what": name,
                "n before": before.get("n", 0),
                "p50 before": before.get("p50_ms"),
                "p95 before": before.get("p95_ms"),
                "n during": during.get("n", 0),
                "p50 during": during.get("p50_ms"),
                "p95 during": during.get("p95_ms"),
                "p95 ratio": benchlib.ratio(during.get("p95_ms", 0), before.get("p95_ms", 0)),
            }
        )
    statuses = [s for s, _ in data["results"]]
    signin = benchlib.summary_ms([d for s, d in data["results"] if s == 200])
    rows.append(
        {
            "db": kind,
            "what": f"{len(statuses)} sign-ins over {data['wall_s']:.1f} s",
            "n during": statuses.count(200),
            "p50 during": signin.get("p50_ms"),
            "p95 during": signin.get("p95_ms"),
            "p95 ratio": f"429: {statuses.count(429)}, other: "
            f"{len(statuses) - statuses.count(200) - statuses.count(429)}, "
            f"max {signin.get('max_ms')} ms",
        }
    )
    print(
        f"{kind}: poller errors {sum(p.errors for p in pollers)}; storm {end - start:.1f} s; "
        f"load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    return rows


def main() -> None:
    if "--child" in sys.argv:
        child()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--volunteers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=0.0,
                        help="spread the sign-ins over this long (0: all at once)")  # fmt: skip
    parser.add_argument("--pollers", type=int, default=6)
    parser.add_argument("--before", type=float, default=8.0, help="baseline seconds")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db.split(","):
            if kind == "postgresql" and (why := benchlib.pg_reachable()):
                print(f"skipping PostgreSQL: {why}")
                continue
            rows += run_db(kind, args, Path(tmp))
    how = f"over {args.seconds:g} s" if args.seconds else "at once"
    benchlib.print_table(
        f"sign-in storm: {args.volunteers} sign-ins {how}, {args.pollers} volunteers polling, "
        f"serve --workers {args.workers}",
        rows,
    )
    benchlib.write_json("signin_storm", {"params": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
