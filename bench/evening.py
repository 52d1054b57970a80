"""A campaign evening against the real server: what it costs and what volunteers feel.

Simulated volunteers (`loadgen.EveningVolunteer`, in separate processes) make the real
app's request mix (caller_app/sync/policy.py): sign in, campaigns, script (then a 304
every 5 minutes), progress at the start and every 5 minutes (an upload's reply carries
the caller's tallies; a server that sends none is polled 5 s after each upload, as the
app does), a lease when fewer than 5 contacts remain, one result upload per call, a
renewal every 5 minutes, and a release at the end; a call every 4.8 minutes (12.5
calls an hour), all `--factor` times faster, so N simulated volunteers stand for
N x factor real ones.

The server is `caller-server serve --workers 2` on a fresh PostgreSQL database (or
SQLite with `--db sqlite`) holding `--contacts` contacts (seeded with COPY). Printed:
per endpoint p50/p95/p99 and errors; server CPU seconds per 1,000 calls (utime+stime
of uvicorn's parent and workers from /proc, every request included) and the database
backends' CPU beside it; contacts called by two volunteers (from the database: must be
0); and `GET /health`, a bare FastAPI endpoint on the same server, as the ceiling.
`--sweep` runs growing steps and reports the most real volunteers served with every
endpoint's p95 under 100 ms (sign-in left out of that test: argon2 is slow on purpose;
its figures are printed beside).

`--quick` (CI, about 30 s plus set-up): 20,000 contacts, PostgreSQL if reachable else
SQLite; exits 1 on any double-called contact or any 5xx.

    python bench/evening.py                       # 1,000,000 contacts, 100 x 60 volunteers
    python bench/evening.py --contacts 10000000   # the national size
    python bench/evening.py --sweep               # the most volunteers at p95 < 100 ms
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib
import loadgen

HERE = Path(__file__).resolve().parent
PASSWORD = "evening bench password"  # one argon2 hash shared by every bench volunteer
P95_LIMIT_MS = 100.0
UNTESTED_IN_SWEEP = {"login"}  # argon2 by design; the sign-in storm bench covers it


def mix_spec(base: str, campaign_id: int, factor: float, sim_hours: float) -> dict[str, Any]:
    """The real app's cadence (caller_app/sync/policy.py), in simulated seconds."""
    return {
        "mode": "evening",
        "base": base,
        "campaign_id": campaign_id,
        "password": PASSWORD,
        "factor": factor,
        "duration": sim_hours * 3600 / factor,
        "arrive_s": min(15 * 60, sim_hours * 3600 / 4),  # volunteers arrive over 15 min
        "call_every_s": 4.8 * 60,
        "progress_every_s": 300,
        "renew_every_s": 300,
        "script_every_s": 300,
        "tally_after_upload_s": 5,
        "low_water": 5,
        "batch_size": 20,
    }


class Meter:
    """CPU seconds of the server's processes and of this database's PostgreSQL backends."""

    def __init__(self, server_pid: int, db_url: str) -> None:
        self.server = benchlib.process_tree(server_pid)
        self.db_url = db_url

    def _backends(self) -> dict[int, float]:
        if not self.db_url.startswith("postgresql"):
            return {}
        import psycopg

        name = self.db_url.rsplit("/", 1)[1]
        with psycopg.connect(benchlib.PG_BASE_DSN + " dbname=postgres") as conn:
            pids = [
                r[0]
                for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
                ).fetchall()
            ]
        return {pid: benchlib.tree_cpu_s([pid]) for pid in pids}

    def read(self) -> tuple[float, dict[int, float]]:
        return benchlib.tree_cpu_s(self.server), self._backends()

    @staticmethod
    def spent(
        before: tuple[float, dict[int, float]], after: tuple[float, dict[int, float]]
    ) -> dict[str, float]:
        db = sum(cpu - before[1].get(pid, 0.0) for pid, cpu in after[1].items())
        return {"server_cpu_s": round(after[0] - before[0], 2), "db_cpu_s": round(db, 2)}


def endpoint_rows(load: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, lat in sorted(load["by_endpoint"].items()):
        errors = {k: v for k, v in load["errors"].items() if k.split(" ")[0] == name.split(" ")[0]}
        rows.append({"endpoint": name, **benchlib.summary_ms(lat), "errors": sum(errors.values())})
    return rows


def run_evening(
    meter: Meter, spec: dict[str, Any], usernames: list[str], processes: int
) -> dict[str, Any]:
    before = meter.read()
    load = loadgen.run_load(spec, usernames, processes)
    cost = Meter.spent(before, meter.read())
    calls = load["counts"].get("calls", 0)
    requests_ = sum(len(v) for v in load["by_endpoint"].values())
    return {
        "simulated": len(usernames),
        "real_volunteers": round(len(usernames) * spec["factor"]),
        "calls": calls,
        "requests": requests_,
        "wall_s": round(load["wall_s"], 1),
        **cost,
        "server_cpu_s_per_1000_calls": round(cost["server_cpu_s"] / calls * 1000, 2)
        if calls
        else None,
        "db_cpu_s_per_1000_calls": round(cost["db_cpu_s"] / calls * 1000, 2) if calls else None,
        "empty_leases": load["counts"].get("empty_leases", 0),
        "stale_reconnects": load["counts"].get("stale_reconnects", 0),
        "errors": load["errors"],
        "endpoints": endpoint_rows(load),
    }


def run_ceiling(
    meter: Meter, base: str, clients: int, per_client: int, processes: int
) -> dict[str, Any]:
    """`GET /health` as fast as `clients` closed-loop clients go: the bare-FastAPI ceiling."""
    before = meter.read()
    load = loadgen.run_load(
        {"mode": "health", "base": base, "requests": per_client}, [""] * clients, processes
    )
    cost = Meter.spent(before, meter.read())
    n = len(load["latencies"])
    return {
        "clients": clients,
        "requests": n,
        "requests_per_s": round(n / load["wall_s"], 1),
        **benchlib.summary_ms(load["latencies"]),
        "server_cpu_ms_per_request": round(cost["server_cpu_s"] / n * 1000, 3) if n else None,
        "errors": load["errors"],
    }


def double_calls(db_url: str) -> dict[str, int]:
    """Contacts with results from two volunteers, and with two first results at all
    (max_attempts is 1 here, so either is a contact called twice)."""
    from sqlalchemy import text

    from caller_server.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            two_volunteers = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT contact_id FROM results GROUP BY contact_id"
                    " HAVING count(DISTINCT volunteer_id) > 1) AS t"
                )
            ).scalar_one()
            twice = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT contact_id FROM results"
                    " WHERE supersedes IS NULL GROUP BY contact_id HAVING count(*) > 1) AS t"
                )
            ).scalar_one()
            results = conn.execute(text("SELECT count(*) FROM results")).scalar_one()
    finally:
        engine.dispose()
    return {
        "contacts_called_by_two_volunteers": two_volunteers,
        "contacts_with_two_calls": twice,
        "results": results,
    }


def five_xx(runs: list[dict[str, Any]]) -> int:
    """Replies 5xx, and requests that got no reply at all (a dead server fails too)."""
    return sum(
        v
        for run in runs
        for k, v in run["errors"].items()
        if not (k.split()[-1].isdigit() and k.split()[-1].startswith("4"))
    )


def print_run(title: str, run: dict[str, Any]) -> None:
    benchlib.print_table(title, run["endpoints"])
    figures = {k: v for k, v in run.items() if k not in ("endpoints", "errors")}
    benchlib.print_table(f"{title}: cost", [figures])
    if run["errors"]:
        print("errors:", run["errors"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--volunteers", type=int, default=100, help="simulated volunteers")
    parser.add_argument("--factor", type=float, default=60.0, help="time compression")
    parser.add_argument("--sim-hours", type=float, default=2.0, help="simulated evening length")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--sweep-start", type=int, default=25, help="simulated volunteers, doubled")
    parser.add_argument("--sweep-max", type=int, default=1600)
    parser.add_argument("--sweep-retries", type=int, default=1, help="reruns of a failed step")
    parser.add_argument("--sweep-hours", type=float, default=0.75, help="simulated hours a step")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default=None)
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--quick", action="store_true", help="CI smoke run, about 30 s")
    parser.add_argument(
        "--profile",
        metavar="PSTATS",
        help="serve from one process under cProfile (bench/profile_server.py) and print its top",
    )
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.volunteers, args.factor, args.sim_hours = 20_000, 20, 120.0, 2 / 3
        args.sweep = False
    kind = args.db or "postgresql"
    unreachable = benchlib.pg_reachable() if kind == "postgresql" else None
    if unreachable:
        if not args.quick and args.db:
            sys.exit(f"PostgreSQL unreachable: {unreachable}")
        print(f"PostgreSQL unreachable ({unreachable}); using SQLite")
        kind = "sqlite"

    from caller_server import auth
    from tests.support.server import seed_campaign

    volunteers = max(args.volunteers, args.sweep_max if args.sweep else 0)
    with tempfile.TemporaryDirectory() as tmp, benchlib.database(kind, Path(tmp)) as db_url:
        # max_attempts 1: every call finishes its contact, so two results for one contact
        # can only be a contact leased twice.
        campaign_id = seed_campaign(db_url, max_attempts=1, batch_size=20, max_held_contacts=60)
        benchlib.insert_contacts(db_url, campaign_id, args.contacts)
        users = benchlib.insert_volunteers(db_url, volunteers, "eve", auth.hash_password(PASSWORD))
        usernames = [name for _, name in users]
        benchlib.analyse(db_url)
        if args.profile:
            from tests.support.server import LiveServer

            command = [sys.executable, str(HERE / "profile_server.py"), "--out", args.profile]
            server = LiveServer(db_url, command=command).start(timeout=60)
        else:
            server = benchlib.start_server(db_url, workers=2)
        try:
            meter = Meter(server.pid, db_url)
            clients = 8 if args.quick else 16
            ceiling = run_ceiling(
                meter, server.url, clients, 100 if args.quick else 500, args.processes
            )
            benchlib.print_table("ceiling: GET /api/v1/health, closed loop", [ceiling])
            spec = mix_spec(server.url, campaign_id, args.factor, args.sim_hours)
            main_run = run_evening(meter, spec, usernames[: args.volunteers], args.processes)
            print_run(
                f"evening: {args.volunteers} simulated x {args.factor:g} = "
                f"{main_run['real_volunteers']:,} volunteers, {args.sim_hours:g} h, "
                f"{args.contacts:,} contacts, {kind}",
                main_run,
            )
            sweep: list[dict[str, Any]] = []
            best = 0
            if args.sweep:
                n = args.sweep_start
                step_spec = mix_spec(server.url, campaign_id, args.factor, args.sweep_hours)
                tries = 0
                while n <= args.sweep_max:
                    step = run_evening(meter, step_spec, usernames[:n], args.processes)
                    worst = max(
                        (r for r in step["endpoints"] if r["endpoint"] not in UNTESTED_IN_SWEEP),
                        key=lambda r: r["p95_ms"],
                    )
                    step["worst_endpoint"] = f"{worst['endpoint']} {worst['p95_ms']:.1f} ms"
                    step["passed"] = worst["p95_ms"] < P95_LIMIT_MS and not five_xx([step])
                    sweep.append(step)
                    print_run(f"sweep step: {step['real_volunteers']:,} volunteers", step)
                    if not step["passed"]:
                        # A shared machine stalls now and then: a failed step runs once
                        # more (both are printed and kept) before the sweep stops.
                        tries += 1
                        if tries > args.sweep_retries:
                            break
                        continue
                    best, tries = step["real_volunteers"], 0
                    n *= 2
                benchlib.print_table(
                    "sweep",
                    [
                        {
                            k: s[k]
                            for k in (
                                "real_volunteers",
                                "calls",
                                "worst_endpoint",
                                "passed",
                                "server_cpu_s_per_1000_calls",
                            )
                        }
                        for s in sweep
                    ],
                )
                print(f"\nmost real volunteers with every endpoint's p95 < 100 ms: {best:,}")
        finally:
            server.stop()
            if args.profile and not Path(args.profile).exists():
                print(server.log_text()[-3000:])
        doubles = double_calls(db_url)
    benchlib.print_table("exactly once (from the database)", [doubles])
    if args.profile:
        import pstats

        stats = pstats.Stats(args.profile)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(45)
    failures = five_xx([main_run, *sweep])
    benchlib.write_json(
        "evening_quick" if args.quick else "evening",
        {
            "params": {**vars(args), "db": kind},
            "ceiling": ceiling,
            "evening": main_run,
            "sweep": sweep,
            "sweep_best_real_volunteers": best,
            "exactly_once": doubles,
        },
    )
    bad = doubles["contacts_called_by_two_volunteers"] or doubles["contacts_with_two_calls"]
    if bad or failures:
        print(f"FAILED: {bad} contacts called twice, {failures} server errors (5xx or no reply)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
