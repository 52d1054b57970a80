"""Engine factory and database location.

SQLite gets WAL with `synchronous=FULL` (a commit the client was told about survives a
power cut; NORMAL may lose the last transactions in WAL mode), a busy timeout and
`BEGIN IMMEDIATE` for every transaction, so that concurrent writers queue instead of
failing with "database is locked" (pysqlite's default deferred BEGIN upgrades to a
write lock too late to wait for it).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

ENV_DB = "CALLER_SERVER_DB"
# How long a SQLite writer waits for the write lock before the request is answered 503.
ENV_BUSY_S = "CALLER_SERVER_SQLITE_BUSY_S"


def busy_timeout_s() -> float:
    try:
        value = float(os.environ.get(ENV_BUSY_S, "30"))
    except ValueError:
        value = 30.0
    return value if value > 0 else 30.0


def default_db_url() -> str:
    data = Path(platformdirs.user_data_dir("caller-server", appauthor=False))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'caller-server.sqlite3'}"


def resolve_db_url(cli_value: str | None = None) -> str:
    """`--db URL`, else env `CALLER_SERVER_DB`, else a file in the user data folder."""
    url = cli_value or os.environ.get(ENV_DB) or default_db_url()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is the driver we ship.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, reader: bool = False) -> Engine:
    """An engine for `url`. `reader=True` is for long reads such as an export: on SQLite
    its transactions start with a plain BEGIN, so with WAL it reads one snapshot while
    writers carry on instead of holding the write lock for the whole read."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        busy = busy_timeout_s()
        engine = create_engine(
            url,
            connect_args={"timeout": busy, "check_same_thread": False},
            hide_parameters=True,  # SQL errors must never carry names or numbers into logs
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
    )


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
