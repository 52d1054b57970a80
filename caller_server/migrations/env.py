"""Alembic environment of the central server.

Run through :mod:`caller_server.schema`, which hands over an open connection in
``config.attributes["connection"]``; the ``alembic`` command line (with
``caller_server/alembic.ini``) works too and opens its own from ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from caller_server.db import resolve_db_url
from caller_server.models import Base

config = context.config
target_metadata = Base.metadata

# Any constant will do: it only has to be the same in every server process.
_PG_MIGRATION_LOCK = 0x63616C6C  # "call"


def _configure(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=sqlite,
        # SQLite's DDL is transactional too; a failed upgrade leaves nothing behind.
        transactional_ddl=True,
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several server processes may start at once: one migrates, the rest wait.
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from caller_server.schema import migration_engine

    url = context.get_x_argument(as_dictionary=True).get("db") or config.get_main_option(
        "sqlalchemy.url"
    )
    engine = migration_engine(resolve_db_url(url))
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
