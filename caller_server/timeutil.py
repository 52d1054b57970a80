"""UTC helpers: SQLite hands back naive datetimes, PostgreSQL aware ones; we store UTC."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime; a naive one (as SQLite returns) is taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def opt_utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else as_utc(value)


def iso_z(value: dt.datetime | None) -> str | None:
    """`2026-11-26T18:04:05Z` (microseconds kept when present)."""
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")
