"""Server CPU and SQL statements per request, in-process: what one request costs.

The evening (bench/evening.py) gives the whole mix's CPU per 1,000 calls; this tells
where it goes per endpoint, with no network or load generator in the way. The API runs
in this process behind Starlette's TestClient on PostgreSQL (SQLite if unreachable);
each endpoint is called `--requests` times and timed by the process's CPU clock (every
thread, so FastAPI's worker threads count) after a warm-up. `GET /health` is the floor.

    python bench/request_cpu.py                      # 100,000 contacts, 300 requests each
    python bench/request_cpu.py --contacts 20000 --requests 200 --db sqlite
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _count_statements(engine: Any) -> Callable[[], int]:
    from sqlalchemy import event

    seen = [0]

    def before(*_args: Any) -> None:
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    return lambda: seen[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    kind = args.db
    if kind == "postgresql" and benchlib.pg_reachable():
        kind = "sqlite"
    os.environ["CALLER_SERVER_LEASES_PER_MINUTE"] = "100000"
    from fastapi.testclient import TestClient

    from caller_server import auth
    from caller_server.app import create_app
    from tests.support.server import result_payload, seed_campaign

    with tempfile.TemporaryDirectory() as tmp, benchlib.database(kind, Path(tmp)) as db_url:
        cid = seed_campaign(db_url, max_attempts=1, batch_size=50, max_held_contacts=5000)
        benchlib.insert_contacts(db_url, cid, args.contacts)
        users = benchlib.insert_volunteers(db_url, 1, "cpu", auth.hash_password("pw"))
        benchlib.analyse(db_url)
        app = create_app(db_url)
        statements = _count_statements(app.state.engine)
        with TestClient(app) as client:
            token = client.post(
                "/api/v1/auth/login", json={"username": users[0][1], "password": "pw"}
            ).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            held: list[tuple[int, int]] = []

            def lease() -> None:
                body = {"size": 50, "request_id": str(uuid.uuid4())}
                batch = client.post(f"/api/v1/campaigns/{cid}/batches", json=body).json()
                held.extend((batch["batch_id"], c["id"]) for c in batch["contacts"])

            def upload() -> None:
                if not held:
                    lease()
                batch_id, contact = held.pop()
                body = {"results": [result_payload(batch_id, contact)]}
                reply = client.post("/api/v1/results", json=body)
                assert reply.status_code == 200, reply.text
                assert reply.json()["accepted"], reply.text

            def get(path: str, **headers: str) -> Callable[[], None]:
                def call() -> None:
                    assert client.get(path, headers=headers).status_code in (200, 304)

                return call

            script = client.get(f"/api/v1/campaigns/{cid}/script")
            etag = script.headers["ETag"]
            cases: dict[str, Callable[[], None]] = {
                "health": get("/api/v1/health"),
                "progress": get(f"/api/v1/campaigns/{cid}/progress"),
                "campaigns": get("/api/v1/campaigns"),
                "script 304": get(f"/api/v1/campaigns/{cid}/script", **{"If-None-Match": etag}),
                "results (1)": upload,
            }
            rows = []
            for name, call in cases.items():
                while name.startswith("results") and len(held) < args.requests + 20:
                    lease()  # untimed: the uploads below never lease
                for _ in range(20):
                    call()  # warm-up
                before_sql, cpu, wall = statements(), time.process_time(), time.perf_counter()
                for _ in range(args.requests):
                    call()
                cpu = time.process_time() - cpu
                wall = time.perf_counter() - wall
                rows.append(
                    {
                        "endpoint": name,
                        "cpu_ms": round(cpu / args.requests * 1000, 2),
                        "wall_ms": round(wall / args.requests * 1000, 2),
                        "sql_per_request": round((statements() - before_sql) / args.requests, 1),
                    }
                )
        benchlib.print_table(f"per request, in-process, {args.contacts:,} contacts, {kind}", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
