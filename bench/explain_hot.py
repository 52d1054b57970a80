"""EXPLAIN ANALYZE of every statement the hot endpoints send, on PostgreSQL.

A fresh database with `--contacts` contacts and `--results` results already in the
campaign; the app runs in-process (TestClient) with a listener that records each SQL
statement and its parameters per request. Each request's statements are then replayed
under `EXPLAIN (ANALYZE, BUFFERS)` inside a transaction that is rolled back, and the
execution time and plan are printed (full plans in bench/results/explain_hot.txt).

    python bench/explain_hot.py --contacts 1000000 --results 20000
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import benchlib
from loadgen import _result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--results", type=int, default=20_000, help="results already stored")
    args = parser.parse_args()
    if reason := benchlib.pg_reachable():
        raise SystemExit(f"PostgreSQL unreachable: {reason}")
    import psycopg
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    with benchlib.pg_database() as url:
        campaign, tokens = benchlib.seed_big_campaign(url, args.contacts, 20, max_attempts=1)
        benchlib.analyse(url)
        os.environ["CALLER_SERVER_LEASES_PER_MINUTE"] = "100000"
        from caller_server.app import create_app

        app = create_app(url)
        captured: list[tuple[str, Any]] = []

        @event.listens_for(app.state.engine, "before_cursor_execute")
        def _capture(_conn, _cur, statement, parameters, _ctx, _many) -> None:  # type: ignore[no-untyped-def]
            captured.append((statement, parameters))

        with TestClient(app) as client:
            auth = [{"Authorization": f"Bearer {t}"} for t in tokens]
            # Results already in tonight's tallies, spread over the 20 volunteers.
            done = 0
            while done < args.results:
                for n in range(len(tokens)):
                    batch = client.post(
                        f"/api/v1/campaigns/{campaign}/batches",
                        json={"size": 50, "request_id": _uuid()},
                        headers=auth[n],
                    ).json()
                    body = [
                        _result(batch["batch_id"], c["id"], "answered", c["lease_proof"])
                        for c in batch["contacts"]
                    ]
                    for i in range(0, len(body), 200):
                        client.post(
                            "/api/v1/results", json={"results": body[i : i + 200]}, headers=auth[n]
                        )
                    done += len(body)
            benchlib.analyse(url)
            requests: dict[str, list[tuple[str, Any]]] = {}

            def record(name: str, method: str, path: str, **kw: Any) -> Any:
                captured.clear()
                reply = client.request(method, path, headers=auth[0], **kw)
                assert reply.status_code == 200, reply.text
                requests[name] = list(captured)
                return reply.json()

            batch = record(
                "lease",
                "POST",
                f"/api/v1/campaigns/{campaign}/batches",
                json={"size": 20, "request_id": _uuid()},
            )
            c = batch["contacts"][0]
            record(
                "results",
                "POST",
                "/api/v1/results",
                json={
                    "results": [_result(batch["batch_id"], c["id"], "answered", c["lease_proof"])]
                },
            )
            record("renew", "POST", f"/api/v1/batches/{batch['batch_id']}/renew")
            record("progress", "GET", f"/api/v1/campaigns/{campaign}/progress")
            # The poll itself, in-process: wall and this process's CPU per request
            # (the database's own CPU is apart, in its backend process).
            # Baseline: GET /health through the same TestClient, alternately.
            timing = []
            for path in ("/api/v1/health", f"/api/v1/campaigns/{campaign}/progress") * 2:
                polls = 200
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(polls):
                    client.get(path, headers=auth[0])
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                timing.append(
                    {
                        "request": f"GET {path.rsplit('/', 1)[1]} (in-process TestClient)",
                        "results_stored": done,
                        "wall_ms_per_request": round(wall / polls * 1000, 2),
                        "python_cpu_ms_per_request": round(cpu / polls * 1000, 2),
                    }
                )

        lines: list[str] = []
        rows = []
        raw = app.state.engine.raw_connection()
        try:
            for name, statements in requests.items():
                for n, (sql, params) in enumerate(statements):
                    if (
                        not sql.lstrip()
                        .upper()
                        .startswith(("SELECT", "UPDATE", "INSERT", "DELETE", "WITH"))
                    ):
                        continue
                    try:
                        with raw.cursor() as cur:
                            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                            plan = [r[0] for r in cur.fetchall()]
                    except psycopg.Error as exc:  # e.g. an INSERT whose row is now stored
                        plan = [f"(not replayable: {type(exc).__name__})"]
                    raw.rollback()
                    took = next((p for p in plan if p.startswith("Execution Time")), "")
                    rows.append(
                        {
                            "request": name,
                            "n": n,
                            "statement": " ".join(sql.split())[:70],
                            "execution_ms": float(took.split(":")[1].split()[0]) if took else None,
                            "top": plan[0].split("(")[0].strip()[:40],
                        }
                    )
                    lines += [f"-- {name} #{n}", sql, *plan, ""]
        finally:
            raw.close()
        app.state.engine.dispose()
    benchlib.print_table(
        f"EXPLAIN ANALYZE, {args.contacts:,} contacts, {args.results:,} results", rows
    )
    benchlib.print_table("progress poll beside /health, twice each", timing)
    benchlib.RESULTS.mkdir(parents=True, exist_ok=True)
    out = benchlib.RESULTS / "explain_hot.txt"
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"full plans in {out.relative_to(benchlib.REPO)}")


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


if __name__ == "__main__":
    main()
