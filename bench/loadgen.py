"""Load generator: simulated volunteers in a separate process (threads + one
requests.Session each), so the server's CPU and the load's CPU are apart.

Protocol (driven by `run_load`): the parent writes one JSON spec line to stdin; the
child sets up (pre-leases for ingest), prints `ready`, waits for a `go` line, runs,
and prints one JSON line of raw results.

Modes: `lease` (batches of `size` until `duration` s), `ingest` (`uploads` uploads of
`per_upload` results, `dup_share` of them re-sent), `health` (GET /health, `requests`
per volunteer), `evening` (the real app's request mix over a time-compressed evening,
`EveningVolunteer`; each volunteer signs in with a username and `password`).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter


def _session(token: str | None) -> requests.Session:
    http = requests.Session()
    http.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1))
    if token:
        http.headers["Authorization"] = f"Bearer {token}"
    return http


def _result(
    batch_id: int, contact_id: int, outcome: str = "not_home", proof: str | None = None
) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).isoformat()
    return {
        "id": str(uuid.uuid4()),
        "batch_id": batch_id,
        "contact_id": contact_id,
        "outcome": outcome,
        "answers": {},
        "notes": "",
        "started_at": now,
        "duration_s": 30,
        "recorded_at": now,
        "callback_at": None,
        "supersedes": None,
        "lease_proof": proof,
    }


class Volunteer(threading.Thread):
    def __init__(self, spec: dict[str, Any], token: str | None) -> None:
        super().__init__(daemon=True)
        self.spec = spec
        self.api = spec["base"].rstrip("/") + "/api/v1"
        self.http = _session(token)
        self.latencies: list[float] = []
        self.starts: list[float] = []
        self.errors: dict[str, int] = {}
        self.batches: list[list[int]] = []  # lease: contact ids per batch
        self.counts = {"accepted": 0, "duplicates": 0, "rejected": 0, "results": 0}
        self.go = threading.Event()
        self.ready = threading.Event()
        self._todo: list[list[dict[str, Any]]] = []

    def _lease(self, size: int) -> dict[str, Any]:
        reply = self.http.post(
            f"{self.api}/campaigns/{self.spec['campaign_id']}/batches",
            json={"size": size, "request_id": str(uuid.uuid4())},
            timeout=120,
        )
        reply.raise_for_status()
        return reply.json()

    def _prepare_ingest(self) -> None:
        """Lease enough contacts for every upload and build the bodies, untimed."""
        per, uploads = self.spec["per_upload"], self.spec["uploads"]
        dups = round(per * self.spec["dup_share"])
        contacts: list[tuple[int, int]] = []
        need = uploads * (per - dups) + dups
        while len(contacts) < need:
            batch = self._lease(50)
            if not batch["contacts"]:
                raise RuntimeError(f"out of contacts: {batch['reason']}")
            contacts += [(batch["batch_id"], c["id"]) for c in batch["contacts"]]
        sent: list[dict[str, Any]] = []
        pos = 0
        for n in range(uploads):
            fresh = per - dups if n else per  # the first upload has nothing to re-send
            body = [_result(b, c) for b, c in contacts[pos : pos + fresh]]
            pos += fresh
            self._todo.append(sent[-dups:] + body if n and dups else body)
            sent += body

    def run(self) -> None:
        try:
            if self.spec["mode"] == "ingest":
                self._prepare_ingest()
        except Exception as exc:
            self.errors[f"setup {type(exc).__name__}"] = 1
        self.ready.set()
        self.go.wait()
        mode = self.spec["mode"]
        deadline = time.monotonic() + self.spec.get("duration", 0)
        n = 0
        while True:
            if mode == "lease" and time.monotonic() >= deadline:
                break
            if mode == "ingest" and n >= len(self._todo):
                break
            if mode == "health" and n >= self.spec["requests"]:
                break
            start = time.perf_counter()
            try:
                self._one(mode, n)
            except Exception as exc:
                key = type(exc).__name__
                self.errors[key] = self.errors.get(key, 0) + 1
                if mode == "lease":
                    time.sleep(0.05)
            else:
                self.starts.append(start)
                self.latencies.append(time.perf_counter() - start)
            n += 1
        self.http.close()

    def _one(self, mode: str, n: int) -> None:
        if mode == "lease":
            batch = self._lease(self.spec["size"])
            if batch["batch_id"] is None:
                raise RuntimeError(batch["reason"])
            self.batches.append([c["id"] for c in batch["contacts"]])
        elif mode == "ingest":
            body = self._todo[n]
            reply = self.http.post(f"{self.api}/results", json={"results": body}, timeout=120)
            reply.raise_for_status()
            data = reply.json()
            self.counts["results"] += len(body)
            for key in ("accepted", "duplicates", "rejected"):
                self.counts[key] += len(data[key])
        else:
            self.http.get(f"{self.api}/health", timeout=60).raise_for_status()


# What a volunteer's call ends with, roughly as on a real evening (all the default outcomes).
EVENING_OUTCOMES = (("not_home", 50), ("answered", 30), ("busy", 10), ("refused", 7), ("moved", 3))


class EveningVolunteer(threading.Thread):
    """One volunteer's evening as the real app makes it, `factor` times faster.

    Sign in, campaigns, script, progress and a lease; then a call every `call_every_s`
    (one result uploaded per call; its reply's tallies stand for a progress poll, and
    only a server that sends none is polled `tally_after_upload_s` later), a new lease
    (after a 304 script check) when fewer than `low_water` contacts remain, a renewal of
    each held batch every `renew_every_s`, progress every `progress_every_s`, the script
    (a 304) every `script_every_s`; at the end the unworked contacts are released. The
    cadence is caller_app/sync/policy.py's; every interval is divided by `factor`.
    Latencies are kept per endpoint.
    """

    def __init__(self, spec: dict[str, Any], username: str) -> None:
        super().__init__(daemon=True)
        self.spec = spec
        self.username = username
        self.api = spec["base"].rstrip("/") + "/api/v1"
        self.http = _session(None)
        self.by_endpoint: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.counts = {"calls": 0, "empty_leases": 0, "stale_reconnects": 0}
        self.go = threading.Event()
        self.ready = threading.Event()
        self.held: dict[int, list[tuple[int, str]]] = {}  # batch -> [(contact, proof)]
        self.etag = ""
        self.random = random.Random(username)
        # Each volunteer from an address of their own, as behind a load balancer
        # (uvicorn trusts X-Forwarded-For from 127.0.0.1): sign-in throttling is per address.
        octets = self.random.getrandbits(24).to_bytes(3, "big")
        self.http.headers["X-Forwarded-For"] = "10." + ".".join(str(o) for o in octets)

    def _call(self, endpoint: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        start = time.perf_counter()
        try:
            try:
                reply = self.http.request(method, self.api + path, timeout=60, **kwargs)
            except requests.ConnectionError:
                # The server closed this kept-alive connection for idling (uvicorn: 5 s)
                # as we sent. The app sends again; so do we, once: every request of the
                # mix is safe to repeat (results by id, leases by request_id).
                self.counts["stale_reconnects"] += 1
                reply = self.http.request(method, self.api + path, timeout=60, **kwargs)
        except requests.RequestException as exc:
            key = f"{endpoint} {type(exc).__name__}"
            self.errors[key] = self.errors.get(key, 0) + 1
            raise
        self.by_endpoint.setdefault(endpoint, []).append(time.perf_counter() - start)
        if reply.status_code >= 400:
            key = f"{endpoint} {reply.status_code}"
            self.errors[key] = self.errors.get(key, 0) + 1
        return reply

    def _script(self) -> None:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        name = "script 304" if self.etag else "script"
        reply = self._call(name, "GET", f"/campaigns/{self.campaign}/script", headers=headers)
        self.etag = reply.headers.get("ETag", self.etag)

    def _lease(self) -> None:
        reply = self._call(
            "lease",
            "POST",
            f"/campaigns/{self.campaign}/batches",
            json={"size": self.spec["batch_size"], "request_id": str(uuid.uuid4())},
        )
        if reply.status_code != 200:
            return
        batch = reply.json()
        if not batch["contacts"]:
            self.counts["empty_leases"] += 1
            return
        self.held[batch["batch_id"]] = [(c["id"], c["lease_proof"]) for c in batch["contacts"]]

    def _one_call(self) -> bool:
        """One call and its upload; whether the reply carried the tallies."""
        batch_id = next((b for b, contacts in self.held.items() if contacts), None)
        if batch_id is None:
            return False
        contact, proof = self.held[batch_id].pop(0)
        codes, weights = zip(*EVENING_OUTCOMES, strict=True)
        outcome = self.random.choices(codes, weights)[0]
        body = {"results": [_result(batch_id, contact, outcome, proof)]}
        reply = self._call("results", "POST", "/results", json=body)
        if reply.status_code == 200 and reply.json()["accepted"]:
            self.counts["calls"] += 1
        return reply.status_code == 200 and "tallies" in reply.json()

    def _renew(self) -> None:
        for batch_id in [b for b, contacts in self.held.items() if contacts]:
            reply = self._call("renew", "POST", f"/batches/{batch_id}/renew")
            if reply.status_code == 200:
                still = set(reply.json()["contact_ids"])
                self.held[batch_id] = [c for c in self.held[batch_id] if c[0] in still]

    def _evening(self) -> None:
        spec, factor = self.spec, self.spec["factor"]
        self.campaign = spec["campaign_id"]
        end = time.monotonic() + spec["duration"]
        # Volunteers arrive over the first `arrive_s` (simulated) of the evening.
        time.sleep(self.random.uniform(0, spec["arrive_s"] / factor))
        reply = self._call(
            "login",
            "POST",
            "/auth/login",
            json={"username": self.username, "password": spec["password"]},
        )
        if reply.status_code != 200:
            return
        self.http.headers["Authorization"] = f"Bearer {reply.json()['token']}"
        self._call("campaigns", "GET", "/campaigns")
        self._script()
        self._call("progress", "GET", f"/campaigns/{self.campaign}/progress")
        self._lease()
        now = time.monotonic()
        due = {
            "call": now + spec["call_every_s"] / factor,
            "progress": now + spec["progress_every_s"] / factor,
            "renew": now + spec["renew_every_s"] / factor,
            "script": now + spec["script_every_s"] / factor,
        }
        while True:
            step = min(due, key=due.__getitem__)
            if due[step] >= end:
                break
            time.sleep(max(0.0, due[step] - time.monotonic()))
            due[step] += spec[f"{step}_every_s"] / factor
            if step == "call":
                if not self._one_call():
                    # An older server: the app fetches the tally soon after an upload.
                    soon = time.monotonic() + spec["tally_after_upload_s"] / factor
                    due["progress"] = min(due["progress"], soon)
                if sum(len(c) for c in self.held.values()) < spec["low_water"]:
                    self._script()
                    self._lease()
            elif step == "script":
                self._script()
            elif step == "progress":
                self._call("progress", "GET", f"/campaigns/{self.campaign}/progress")
            else:
                self._renew()
        for batch_id in [b for b, contacts in self.held.items() if contacts]:
            self._call("release", "POST", f"/batches/{batch_id}/release", json={})

    def run(self) -> None:
        self.ready.set()
        self.go.wait()
        try:
            self._evening()
        except Exception as exc:
            key = f"volunteer {type(exc).__name__}"
            self.errors[key] = self.errors.get(key, 0) + 1
        self.http.close()


def child() -> None:
    spec = json.loads(sys.stdin.readline())
    kind = EveningVolunteer if spec["mode"] == "evening" else Volunteer
    workers: list[Volunteer | EveningVolunteer] = [kind(spec, t) for t in spec["tokens"]]
    for w in workers:
        w.start()
    for w in workers:
        w.ready.wait()
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    for w in workers:
        w.go.set()
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    out = {
        "wall_s": wall,
        "latencies": [x for w in workers for x in getattr(w, "latencies", [])],
        "errors": {},
        "batches": [b for w in workers for b in getattr(w, "batches", [])],
        "counts": {},
        "by_endpoint": {},
    }
    for w in workers:
        for k, v in getattr(w, "by_endpoint", {}).items():
            out["by_endpoint"].setdefault(k, []).extend(v)
        for k, v in w.errors.items():
            out["errors"][k] = out["errors"].get(k, 0) + v
        for k, v in w.counts.items():
            out["counts"][k] = out["counts"].get(k, 0) + v
    print(json.dumps(out), flush=True)


def run_load(spec: dict[str, Any], tokens: list[str], processes: int = 2) -> dict[str, Any]:
    """Run `spec` with one simulated volunteer per token (in `evening` mode: per
    username) over `processes` child processes; returns the merged raw results (wall_s
    is the slowest child's; `by_endpoint` holds latencies per endpoint)."""
    shares = [tokens[i::processes] for i in range(processes)]
    shares = [s for s in shares if s]
    procs = []
    for share in shares:
        proc = subprocess.Popen(  # our own load generator script
            [sys.executable, str(Path(__file__).resolve()), "--child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write(json.dumps({**spec, "tokens": share}) + "\n")
        proc.stdin.flush()
        procs.append(proc)
    for proc in procs:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if line.strip() != "ready":
            raise RuntimeError(f"load generator failed to start: {line!r}")
    for proc in procs:
        proc.stdin.write("go\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
    merged: dict[str, Any] = {
        "wall_s": 0.0,
        "latencies": [],
        "errors": {},
        "batches": [],
        "counts": {},
        "by_endpoint": {},
    }
    for proc in procs:
        out = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
        proc.wait(60)
        for k, v in out["by_endpoint"].items():
            merged["by_endpoint"].setdefault(k, []).extend(v)
        merged["wall_s"] = max(merged["wall_s"], out["wall_s"])
        merged["latencies"] += out["latencies"]
        merged["batches"] += out["batches"]
        for key in ("errors", "counts"):
            for k, v in out[key].items():
                merged[key][k] = merged[key].get(k, 0) + v
    return merged


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        sys.exit("run by the benchmarks (bench/server_leases.py, bench/server_ingest.py)")
