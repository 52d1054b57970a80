"""Schema versions of the local database and the steps between them.

The version is SQLite's `PRAGMA user_version`. Step N takes a database at version
N-1 to N inside one transaction. Step 1 creates the version-1 tables; any later
change must be a new step with explicit DDL (never edit an old step).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

from caller_app.domain.urls import canonical_server_url

from .schema import Base

log = logging.getLogger(__name__)


class NewerSchemaError(RuntimeError):
    """The database was written by a newer app; we refuse rather than damage it."""


def _v1(conn: Connection) -> None:
    Base.metadata.create_all(conn)


# The Setting key keeping the account's address as spelled before schema 2: its token
# sits in the keyring under that spelling until the first start-up moves it.
FORMER_SERVER_URL = "former_server_url"


def _canonical(url: str) -> str:
    try:
        return canonical_server_url(url)
    except ValueError:
        return url  # not an address we can read: leave it as it was


def _v2(conn: Connection) -> None:
    """Lease proofs, confirmed results, the lease renewal point; one spelling per server."""
    # Step 1 creates tables from today's models, so a new database has these already.
    for table, column, kind in (
        ("contacts", "lease_proof", "TEXT"),
        ("results", "lease_proof", "TEXT"),
        ("results", "confirmed_at", "VARCHAR(40)"),
        ("batches", "lease_set_at", "VARCHAR(40)"),
    ):
        have = {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")}
        if column not in have:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    for (url,) in conn.execute(text("SELECT server_url FROM account")).all():
        if _canonical(url) != url:
            conn.execute(
                text("INSERT OR REPLACE INTO settings (key, value) VALUES (:k, :v)"),
                {"k": FORMER_SERVER_URL, "v": url},
            )
            conn.execute(text("UPDATE account SET server_url = :new"), {"new": _canonical(url)})
    for (url,) in conn.execute(
        text("SELECT value FROM settings WHERE key = 'last_server_url'")
    ).all():
        conn.execute(
            text("UPDATE settings SET value = :v WHERE key = 'last_server_url'"),
            {"v": _canonical(url)},
        )
    for (owner,) in conn.execute(text("SELECT DISTINCT owner FROM results")).all():
        url, sep, username = owner.partition("|")
        if sep and _canonical(url) != url:
            conn.execute(
                text("UPDATE results SET owner = :new WHERE owner = :old"),
                {"new": f"{_canonical(url)}|{username}", "old": owner},
            )


def _v3(conn: Connection) -> None:
    """Earlier attempts with each contact; the skip outbox (issue 12)."""
    have = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(contacts)")}
    if "previous_attempts" not in have:
        conn.exec_driver_sql("ALTER TABLE contacts ADD COLUMN previous_attempts JSON")
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS skips ("
        " id VARCHAR(36) NOT NULL PRIMARY KEY,"
        " owner TEXT NOT NULL,"
        " batch_id INTEGER NOT NULL,"
        " contact_id INTEGER NOT NULL,"
        " campaign_id INTEGER NOT NULL,"
        " skipped_at VARCHAR(40) NOT NULL,"
        " sent_at VARCHAR(40))"
    )
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_skips_owner ON skips (owner)")


STEPS: list[Callable[[Connection], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(STEPS)


def schema_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def upgrade(engine: Engine) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version found before."""
    found = schema_version(engine)
    if found > SCHEMA_VERSION:
        raise NewerSchemaError(
            "This data was saved by a newer version of the caller app. "
            "Please install the latest version."
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with engine.begin() as conn:
            STEPS[version - 1](conn)
            conn.exec_driver_sql(f"PRAGMA user_version={version}")
        log.info("local database upgraded to schema version %d", version)
    return found
