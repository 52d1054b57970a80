"""Create or upgrade the server's schema with Alembic, driven from code.

The Alembic configuration is built here rather than read from an ini file, so the
same call works from a source tree, an installed wheel and a PyInstaller bundle: the
only thing it needs is the package's ``migrations`` folder next to this module.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event

from caller_server.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(db_url: str) -> Config:
    """An Alembic Config pointing at the packaged migrations and at ``db_url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))
    return cfg


def migration_engine(db_url: str) -> Engine:
    """The engine migrations run on.

    On SQLite this is the server's engine (WAL, busy timeout, ``BEGIN IMMEDIATE``, so
    the DDL is one transaction that a failure rolls back) with foreign keys switched
    off, as Alembic's batch mode needs when it copies and renames tables.
    """
    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fk_off(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()

    return engine


def upgrade(db_url: str, revision: str = "head") -> None:
    """Bring the database at ``db_url`` to ``revision`` (default: the newest)."""
    cfg = alembic_config(db_url)
    engine = migration_engine(db_url)
    try:
        with engine.connect() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest migration shipped with this version of the server."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(db_url: str) -> str | None:
    """The revision the database is at, or None for a database never initialised."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
