"""Shared helpers for the benchmarks: statistics, tables, JSON output, databases, servers.

Benchmarks run by hand (`python bench/<name>.py`), never under pytest. Every figure is
reported beside a baseline measured in the same run, as medians and ratios, because
these machines are noisy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import statistics
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RESULTS = REPO / "bench" / "results"
PG_BASE_DSN = os.environ.get("CALLER_BENCH_PG", "host=127.0.0.1 port=5432 user=postgres")
DRAMA_PREFIXES = ("+44207946", "+44113496", "+44121496", "+44161496")
DRAMA_COUNT = 4000


# --- statistics --------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a p99 is a value that happened)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds of a list of durations in seconds."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3),
    }


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else float("inf")


# --- output --------------------------------------------------------------------------------


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    """A plain text table; the columns are the keys of all rows, in first-seen order."""
    print(f"\n== {title} ==")
    if not rows:
        print("(no rows)")
        return
    cols = list(dict.fromkeys(k for row in rows for k in row))
    cells = [[_fmt(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def write_json(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {
        "benchmark": name,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        **data,
    }
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {path.relative_to(REPO)}")
    return path


# --- data ------------------------------------------------------------------------------------


def drama_number(index: int) -> str:
    """The index-th of the 4,000 Ofcom drama numbers (E.164), wrapping around."""
    index %= DRAMA_COUNT
    return f"{DRAMA_PREFIXES[index // 1000]}{index % 1000:04d}"


def bench_phone(index: int) -> str:
    """A unique, undialable phone value for row `index` of a big campaign.

    A campaign holds each number once, and only 4,000 drama numbers exist, so rows
    beyond those get the drama number plus a `#n` marker: never a real number. The
    server stores and returns the value without dialling or re-parsing it.
    """
    base = drama_number(index)
    cycle = index // DRAMA_COUNT
    return base if cycle == 0 else f"{base}#{cycle}"


# --- databases ---------------------------------------------------------------------------------


def pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(PG_BASE_DSN + " dbname=postgres", connect_timeout=3):
            return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh database bench_<random> with the schema; dropped afterwards."""
    import psycopg

    from caller_server import schema

    name = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(PG_BASE_DSN + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    params = dict(part.split("=", 1) for part in PG_BASE_DSN.split())
    url = (
        f"postgresql+psycopg://{params.get('user', 'postgres')}@"
        f"{params.get('host', '127.0.0.1')}:{params.get('port', '5432')}/{name}"
    )
    try:
        schema.upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_BASE_DSN + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    from caller_server import schema

    url = f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
    schema.upgrade(url)
    yield url


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    cm = pg_database() if kind == "postgresql" else sqlite_database(folder)
    with cm as url:
        yield url


def contact_row(campaign_id: int, index: int) -> dict[str, Any]:
    """Row `index` of a big bench campaign: invented names, an undialable number."""
    return {
        "campaign_id": campaign_id,
        "first_name": f"First{index % 97}",
        "last_name": f"Last{index % 89}",
        "phone": bench_phone(index),
        "ward": f"Ward {index % 7}",
        "attributes": {"age_band": f"b{index % 5}"},
        "state": "available",
        "attempts": 0,
    }


def insert_contacts(db_url: str, campaign_id: int, contacts: int) -> None:
    """`contacts` rows: PostgreSQL's COPY (a million rows in seconds), else executemany."""
    from sqlalchemy import insert

    from caller_server.db import make_engine, session_factory
    from caller_server.models import Contact

    engine = make_engine(db_url)
    try:
        if engine.dialect.name == "postgresql":
            cols = list(contact_row(campaign_id, 0))
            raw = engine.raw_connection()
            try:
                with raw.cursor() as cur:  # type: ignore[attr-defined]
                    sql = f"COPY contacts ({', '.join(cols)}) FROM STDIN"
                    with cur.copy(sql) as copy:
                        for i in range(contacts):
                            row = contact_row(campaign_id, i)
                            row["attributes"] = json.dumps(row["attributes"])
                            copy.write_row([row[c] for c in cols])
                raw.commit()
            finally:
                raw.close()
            return
        with session_factory(engine).begin() as session:
            chunk = 5000
            for start in range(0, contacts, chunk):
                rows = [
                    contact_row(campaign_id, i) for i in range(start, min(contacts, start + chunk))
                ]
                session.execute(insert(Contact), rows)
    finally:
        engine.dispose()


def insert_volunteers(
    db_url: str, count: int, prefix: str, password_hash: str = "x"
) -> list[tuple[int, str]]:
    """`count` callers named `<prefix><n>-<tag>`, all with `password_hash`: (id, username)s."""
    from sqlalchemy import insert

    from caller_server.db import make_engine, session_factory
    from caller_server.models import Volunteer, username_key

    tag = uuid.uuid4().hex[:6]
    names = [f"{prefix}{n}-{tag}" for n in range(count)]
    engine = make_engine(db_url)
    try:
        with session_factory(engine).begin() as session:
            rows = session.execute(
                insert(Volunteer).returning(Volunteer.id, Volunteer.username),
                [
                    {
                        "username": name,
                        "username_key": username_key(name),
                        "name": f"Bench Caller{n}",
                        "password_hash": password_hash,
                        "role": "caller",
                    }
                    for n, name in enumerate(names)
                ],
            )
            return [(vid, name) for vid, name in rows.tuples()]
    finally:
        engine.dispose()


def seed_big_campaign(
    db_url: str, contacts: int, volunteers: int, **campaign: Any
) -> tuple[int, list[str]]:
    """A campaign open around the clock with `contacts` contacts, and `volunteers`
    callers with sign-in tokens written straight into the database (argon2 sign-ins
    for 200 volunteers would take longer than the benchmark). Returns (campaign, tokens).
    """
    from sqlalchemy import insert

    from caller_server import auth
    from caller_server.db import make_engine, session_factory
    from caller_server.models import Token
    from tests.support.server import seed_campaign

    # The benchmarks measure lease throughput, not the per-volunteer holding limit.
    campaign.setdefault("max_held_contacts", 1_000_000)
    campaign_id = seed_campaign(db_url, **campaign)
    insert_contacts(db_url, campaign_id, contacts)
    vol_ids = [vid for vid, _ in insert_volunteers(db_url, volunteers, "bench")]
    tokens = [secrets.token_urlsafe(32) for _ in range(volunteers)]
    now = dt.datetime.now(dt.UTC)
    engine = make_engine(db_url)
    try:
        with session_factory(engine).begin() as session:
            session.execute(
                insert(Token),
                [
                    {
                        "token_hash": auth.hash_token(t),
                        "volunteer_id": v,
                        "created_at": now,
                        "expires_at": now + dt.timedelta(days=1),
                    }
                    for t, v in zip(tokens, vol_ids, strict=True)
                ],
            )
    finally:
        engine.dispose()
    return campaign_id, tokens


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one live process (Linux /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """`pid` and its live descendants (uvicorn's parent and its worker processes)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def tree_cpu_s(pids: list[int]) -> float:
    """CPU seconds of the given processes together (a vanished one counts 0)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += process_cpu_s(pid)
    return total


def analyse(db_url: str) -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL ANALYZE, SQLite ANALYZE)."""
    from sqlalchemy import text

    from caller_server.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    finally:
        engine.dispose()


def start_server(db_url: str, workers: int = 2):  # type: ignore[no-untyped-def]
    """`caller-server serve --workers N` (python -m caller_server) on a free port."""
    from tests.support.server import LiveServer

    return LiveServer(db_url, workers=workers, via_cli=True).start(timeout=60)
