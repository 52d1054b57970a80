"""Schema versions of the local database and the steps between them.

The version is SQLite's `PRAGMA user_version`. Step N takes a database at version
N-1 to N inside one transaction. Step 1 creates the version-1 tables; any later
change must be a new step with explicit DDL (never edit an old step).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Connection, Engine

from .schema import Base

log = logging.getLogger(__name__)


class NewerSchemaError(RuntimeError):
    """The database was written by a newer app; we refuse rather than damage it."""


def _v1(conn: Connection) -> None:
    Base.metadata.create_all(conn)


STEPS: list[Callable[[Connection], None]] = [_v1]
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
