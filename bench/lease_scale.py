"""Issue 15: does a lease cost the same with 10,000,000 contacts as with 100,000?

    python bench/lease_scale.py [--contacts 100000,10000000] [--done 20000] [--leases 150]

For each size, a fresh PostgreSQL database with one campaign, seeded in SQL
(`generate_series`, a few minutes for 10,000,000 rows where COPY from Python takes
half an hour on this machine); then the lowest `--done` contacts are marked done
(an UPDATE, as an evening's calls leave them) and the table vacuumed and analysed,
as autovacuum would. Then:

1. whole leases of 20 contacts, in-process (TestClient, one after another): p50/p95
   wall time of `POST /campaigns/{id}/batches`, and the CPU each took in this process
   and in the database's backends (the figure a loaded machine hardly moves);
   today's code only;
2. the fresh pick's `EXPLAIN (ANALYZE, BUFFERS)`, alternately in today's shape
   (`ix_contacts_fresh_pick`, `campaign_id BETWEEN c AND c`, ordered by (campaign_id,
   id)) and in the shape before migration 0012 (`campaign_id = c`, ordered by id,
   with the old `ix_contacts_fresh` index built back and the new one dropped inside
   the transaction that is rolled back): median execution time, the index the plan
   walked and the rows it filtered out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import time
import uuid
from typing import Any

import benchlib

SEED_SQL = """
INSERT INTO contacts (campaign_id, first_name, last_name, phone, ward, attributes, state,
                      attempts)
SELECT :campaign, 'First' || (i % 97), 'Last' || (i % 89),
       (ARRAY['+44207946', '+44113496', '+44121496', '+44161496'])[(i % 4000) / 1000 + 1]
         || lpad((i % 1000)::text, 4, '0')
         || CASE WHEN i >= 4000 THEN '#' || (i / 4000) ELSE '' END,
       'Ward ' || (i % 7), json_build_object('age_band', 'b' || (i % 5)), 'available', 0
FROM generate_series(0, :contacts - 1) AS i
"""  # the rows of benchlib.contact_row: invented names, undialable drama-number values

NEW_WHERE = re.compile(r"contacts\.campaign_id BETWEEN (\S+) AND \S+")
NEW_ORDER = "ORDER BY contacts.campaign_id, contacts.id"


def seed(url: str, contacts: int, done: int) -> tuple[int, list[str]]:
    from sqlalchemy import text

    from caller_server.db import make_engine

    campaign, tokens = benchlib.seed_big_campaign(url, 0, 1, max_attempts=1)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(SEED_SQL), {"campaign": campaign, "contacts": contacts})
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE contacts SET state = 'done', attempts = 1 WHERE id IN"
                    " (SELECT id FROM contacts ORDER BY id LIMIT :done)"
                ),
                {"done": done},
            )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE contacts"))
    finally:
        engine.dispose()
    return campaign, tokens


def time_leases(url: str, campaign: int, token: str, leases: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from caller_server.app import create_app

    os.environ["CALLER_SERVER_LEASES_PER_MINUTE"] = "1000000"
    app = create_app(url)
    took: list[float] = []
    cpu: list[float] = []
    backends = app.state.engine.dialect.name == "postgresql"
    try:
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {token}"}
            for n in range(leases + 5):
                # CPU as well as wall: on a loaded machine the wall time is mostly
                # waiting for a core; the CPU of this process and of the database's
                # backends is what the lease costs.
                pids = _backend_pids(url) if backends else []
                db_before = benchlib.tree_cpu_s(pids)
                start, cpu_start = time.perf_counter(), time.process_time()
                reply = client.post(
                    f"/api/v1/campaigns/{campaign}/batches",
                    json={"size": 20, "request_id": str(uuid.uuid4())},
                    headers=headers,
                )
                elapsed = time.perf_counter() - start
                used = time.process_time() - cpu_start + benchlib.tree_cpu_s(pids) - db_before
                assert reply.status_code == 200, reply.text
                assert reply.json()["contacts"], reply.text
                if n >= 5:  # the first few warm the caches
                    took.append(elapsed)
                    cpu.append(used)
    finally:
        app.state.engine.dispose()
    wall = benchlib.summary_ms(took)
    spent = benchlib.summary_ms(cpu)
    return {
        "n": wall["n"],
        "p50_ms": wall["p50_ms"],
        "p95_ms": wall["p95_ms"],
        "cpu_p50_ms": spent["p50_ms"],
        "cpu_p95_ms": spent["p95_ms"],
    }


def _backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends connected to this database (the app's pool)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(benchlib.PG_BASE_DSN + " dbname=postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchall()
    return [int(r[0]) for r in rows]


def explain_picks(url: str, campaign: int, rounds: int) -> list[dict[str, Any]]:
    """Today's fresh pick beside the shape before migration 0012, alternately."""
    from sqlalchemy import text

    from caller_server.db import make_engine
    from caller_server.leasing import pick_queries

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            volunteer = conn.execute(text("SELECT min(id) FROM volunteers")).scalar()
            conn.execute(
                text("CREATE INDEX ix_contacts_fresh ON contacts (campaign_id, state, id)")
            )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE contacts"))
        query = pick_queries(campaign, 20, dt.datetime.now(dt.UTC), volunteer)[0]
        compiled = query.compile(dialect=engine.dialect)
        new_sql = str(compiled)
        assert NEW_WHERE.search(new_sql), new_sql
        assert NEW_ORDER in new_sql, new_sql
        old_sql = NEW_WHERE.sub(r"contacts.campaign_id = \1", new_sql).replace(
            NEW_ORDER, "ORDER BY contacts.id"
        )
        times: dict[str, list[float]] = {"before 0012": [], "today": []}
        plans: dict[str, list[str]] = {}
        raw = engine.raw_connection()
        try:
            for _ in range(rounds):
                for label, sql in (("before 0012", old_sql), ("today", new_sql)):
                    with raw.cursor() as cur:
                        if label == "before 0012":  # the schema before 0012, until rollback
                            cur.execute("DROP INDEX ix_contacts_fresh_pick")
                        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", compiled.params)
                        plan = [r[0] for r in cur.fetchall()]
                    raw.rollback()
                    took = next(p for p in plan if p.startswith("Execution Time"))
                    times[label].append(float(took.split(":")[1].split()[0]))
                    plans[label] = plan
        finally:
            raw.close()
    finally:
        engine.dispose()
    rows = []
    for label, plan in plans.items():
        at = next(i for i, p in enumerate(plan) if "Scan using" in p and "contacts_1" not in p)
        scan = plan[at].strip()
        removed = next(
            (p.strip() for p in plan[at + 1 : at + 4] if "Rows Removed by Filter" in p), ""
        )
        rows.append(
            {
                "pick": label,
                "median_ms": round(statistics.median(times[label]), 3),
                "min_ms": round(min(times[label]), 3),
                "walks": scan.split(" on ")[0].replace("->  ", "")[:45],
                "filtered_out": removed.split(":")[-1].strip() if removed else "0",
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", default="100000,10000000")
    parser.add_argument("--done", type=int, default=20_000, help="contacts done tonight")
    parser.add_argument("--leases", type=int, default=150, help="leases timed per size")
    parser.add_argument("--rounds", type=int, default=7, help="EXPLAIN ANALYZE rounds")
    args = parser.parse_args()
    if reason := benchlib.pg_reachable():
        raise SystemExit(f"PostgreSQL unreachable: {reason}")
    leases, picks = [], []
    for contacts in (int(n) for n in args.contacts.split(",")):
        with benchlib.pg_database() as url:
            start = time.perf_counter()
            campaign, tokens = seed(url, contacts, args.done)
            seeded_s = round(time.perf_counter() - start)
            lease = time_leases(url, campaign, tokens[0], args.leases)
            leases.append({"contacts": contacts, "done": args.done, **lease, "seed_s": seeded_s})
            benchlib.print_table("whole lease of 20, in-process", leases[-1:])
            for row in explain_picks(url, campaign, args.rounds):
                picks.append({"contacts": contacts, **row})
            benchlib.print_table("fresh pick, EXPLAIN ANALYZE", picks[-2:])
    benchlib.print_table("whole lease of 20, in-process (today's code)", leases)
    if len(leases) > 1:
        small, big = (
            min(leases, key=lambda r: r["contacts"]),
            max(leases, key=lambda r: r["contacts"]),
        )
        print(
            f"lease {big['contacts']:,} vs {small['contacts']:,} contacts: wall p95 "
            f"{benchlib.ratio(big['p95_ms'], small['p95_ms'])}x, p50 "
            f"{benchlib.ratio(big['p50_ms'], small['p50_ms'])}x; CPU p95 "
            f"{benchlib.ratio(big['cpu_p95_ms'], small['cpu_p95_ms'])}x, p50 "
            f"{benchlib.ratio(big['cpu_p50_ms'], small['cpu_p50_ms'])}x"
        )
    benchlib.print_table("fresh pick, EXPLAIN ANALYZE, alternately", picks)
    benchlib.write_json("lease_scale", {"params": vars(args), "leases": leases, "picks": picks})


if __name__ == "__main__":
    main()
