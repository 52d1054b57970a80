"""Create or upgrade the server's schema with Alembic, driven from code.

The Alembic configuration is built here rather than read from an ini file, so the
same call works from a source tree, an installed wheel and a PyInstaller bundle: the
only thing it needs is the package's ``migrations`` folder next to this module.

Alembic (with Mako) takes a noticeable part of a second to import, and every CLI
command checks the schema version; so the checks read the version table and the
migration files directly, and Alembic is imported only to migrate. A test holds
:func:`head_revision` to Alembic's own answer.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, event, inspect, text

from caller_server.db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)


def alembic_config(db_url: str) -> Config:
    """An Alembic Config pointing at the packaged migrations and at ``db_url``."""
    from alembic.config import Config

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
    from alembic import command

    cfg = alembic_config(db_url)
    engine = migration_engine(db_url)
    try:
        with engine.connect() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest migration shipped with this version of the server.

    Read from the files in ``migrations/versions`` (the one revision that no other
    names as its ``down_revision``); Alembic's history is linear here.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found:
            revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down:
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) > 1:
        raise RuntimeError(f"migrations have several heads: {sorted(heads)}")
    return heads.pop() if heads else None


def current_revision(db_url: str) -> str | None:
    """The revision the database is at, or None for a database never initialised."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
