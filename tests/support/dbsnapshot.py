"""Backups of a test server's database, and restoring one: "last night's backup".

SQLite: the online backup API copies a consistent snapshot while the server runs.
PostgreSQL: `CREATE DATABASE ... TEMPLATE` copies the whole database, which needs no
other session connected to it, so the server is stopped around the copy (the caller
passes its LiveServer). Restoring always stops the server, puts the copy back and
starts the server again on the same port.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.support.server import PG_BASE_DSN, REPO, LiveServer, dispose_engine


@dataclass(frozen=True)
class Snapshot:
    db_url: str
    where: str  # a file path (SQLite) or a database name (PostgreSQL)


def _sqlite_path(db_url: str) -> Path:
    database = make_url(db_url).database
    assert database, db_url
    return Path(database)


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_BASE_DSN + " dbname=test", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _pg_name(db_url: str) -> str:
    name = make_url(db_url).database
    assert name, db_url
    return name


def snapshot(db_url: str, server: LiveServer | None = None) -> Snapshot:
    """A consistent copy of the server's database as it is now."""
    if make_url(db_url).get_backend_name() == "sqlite":
        src = _sqlite_path(db_url)
        dest = src.with_name(f"{src.stem}-snap-{uuid.uuid4().hex[:6]}.sqlite3")
        with sqlite3.connect(src) as live, sqlite3.connect(dest) as copy:
            live.backup(copy)
        live.close()
        copy.close()
        return Snapshot(db_url, str(dest))
    name = f"snap_{uuid.uuid4().hex[:12]}"
    running = server is not None and server.pid is not None
    if running:
        assert server is not None
        server.stop()
    dispose_engine(db_url)
    try:
        _pg(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_name(db_url)}"')
    finally:
        if running:
            assert server is not None
            server.start(60)
    return Snapshot(db_url, name)


def restore(
    snap: Snapshot,
    server: LiveServer,
    recovery_minutes: float | None = None,
    before_start: Callable[[], None] | None = None,
    recover: bool = True,
) -> None:
    """Stop the server, put the snapshot back in place of its database, start it.

    With `recover`, run `caller-server restored` before the start, as the README tells
    an organiser to: no new leases while the apps send results back
    (`recovery_minutes`, or the command's own default when None). `before_start` runs
    on the restored database before the server serves it.
    """
    server.stop()
    dispose_engine(snap.db_url)
    if make_url(snap.db_url).get_backend_name() == "sqlite":
        path = _sqlite_path(snap.db_url)
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(snap.where, path)
    else:
        name = _pg_name(snap.db_url)
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg(f'CREATE DATABASE "{name}" TEMPLATE "{snap.where}"')
    if recover:
        minutes = [] if recovery_minutes is None else ["--minutes", str(recovery_minutes)]
        subprocess.run(  # the real command line, as an organiser runs it
            [sys.executable, "-m", "caller_server", "restored", *minutes, "--db", snap.db_url],
            check=True,
            cwd=REPO,
            capture_output=True,
            timeout=120,
        )
    if before_start is not None:
        before_start()
    server.start(60)


def discard(snap: Snapshot) -> None:
    if make_url(snap.db_url).get_backend_name() == "sqlite":
        Path(snap.where).unlink(missing_ok=True)
    else:
        _pg(f'DROP DATABASE IF EXISTS "{snap.where}" WITH (FORCE)')
