"""The server's SQLite settings: a commit the client was told about survives power loss."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from caller_server.db import make_engine


def test_sqlite_runs_with_synchronous_full_and_wal(tmp_path: Path) -> None:
    for reader in (False, True):
        engine = make_engine(f"sqlite:///{tmp_path / 'server.sqlite3'}", reader=reader)
        try:
            with engine.connect() as conn:
                # 2 = FULL (1 = NORMAL, which in WAL mode may lose the last commits).
                assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        finally:
            engine.dispose()
