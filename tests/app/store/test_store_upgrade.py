"""Schema steps 2 and 3 on databases written by older apps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine

from caller_app.store import SCHEMA_VERSION, Store
from caller_app.store.schema import Base

OLD_URL = "https://PhoneBank.Example.org:443/"


def _v1_database(path: Path) -> None:
    """The version-1 tables (today's models minus the columns step 2 adds), with data."""
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    with sqlite3.connect(path) as raw:
        for table, column in (
            ("contacts", "lease_proof"),
            ("results", "lease_proof"),
            ("results", "confirmed_at"),
            ("batches", "lease_set_at"),
            ("contacts", "previous_attempts"),  # step 3
        ):
            raw.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        raw.execute("DROP TABLE skips")  # step 3
        raw.execute("INSERT INTO account VALUES (1, ?, 'priya', 3, 'Priya Shah')", (OLD_URL,))
        raw.execute("INSERT INTO settings VALUES ('last_server_url', ?)", (OLD_URL,))
        raw.execute(
            "INSERT INTO results (id, owner, contact_id, batch_id, campaign_id, outcome,"
            " started_at, duration_s, recorded_at, answers, notes, state) VALUES"
            " ('r-1', ?, 1, 1, 7, 'busy', '2026-11-26T18:00:00+00:00', 3,"
            " '2026-11-26T18:00:00+00:00', '{}', '', 'pending')",
            (f"{OLD_URL}|priya",),
        )
        raw.execute("PRAGMA user_version=1")


def test_step_2_makes_every_spelling_canonical_and_keeps_the_old_one_for_the_keyring(
    tmp_path: Path,
) -> None:
    path = tmp_path / "caller-app.sqlite3"
    _v1_database(path)
    store = Store(path)
    try:
        canonical = "https://phonebank.example.org"
        assert store.account().server_url == canonical
        assert store.last_server_url() == canonical
        assert store.former_server_url() == OLD_URL
        claimed = store.claim_for_upload()  # the owner key now matches the account
        assert [r.id for r in claimed] == ["r-1"]
        assert claimed[0].lease_proof is None  # recorded before proofs: sent as null
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION == 3
        store.forget_former_server_url()
        assert store.former_server_url() is None
    finally:
        store.close()


def test_a_new_database_gets_step_2_without_duplicate_columns(tmp_path: Path) -> None:
    Store(tmp_path / "new.sqlite3").close()
    again = Store(tmp_path / "new.sqlite3")
    assert again.former_server_url() is None
    again.close()


def _v2_database(path: Path) -> None:
    """The version-2 tables (today's minus step 3: no earlier attempts, no skips),
    holding a leased contact."""
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    with sqlite3.connect(path) as raw:
        raw.execute("ALTER TABLE contacts DROP COLUMN previous_attempts")
        raw.execute("DROP TABLE skips")
        raw.execute(
            "INSERT INTO account VALUES (1, 'https://phonebank.example.org', 'priya', 3, 'P S')"
        )
        raw.execute(
            "INSERT INTO batches (id, campaign_id, lease_expires_at, leased_at, released)"
            " VALUES (1, 7, '2999-01-01T00:00:00+00:00', '2026-11-26T18:00:00+00:00', 0)"
        )
        raw.execute(
            "INSERT INTO contacts (contact_id, batch_id, campaign_id, first_name, last_name,"
            " phone, ward, attempt, previous_notes, attributes, worked) VALUES"
            " (11, 1, 7, 'Zelda', 'Quimby', '+442079460100', 'W', 2, '[]', '{}', 0)"
        )
        raw.execute("PRAGMA user_version=2")


def test_step_3_adds_earlier_attempts_and_the_skip_outbox(tmp_path: Path) -> None:
    path = tmp_path / "caller-app.sqlite3"
    _v2_database(path)
    store = Store(path)
    try:
        contact = store.next_contact(7)
        assert contact is not None
        assert contact.previous_attempts == ()
        skip = store.skip(1, 11)
        assert skip is not None
        assert [s.id for s in store.skips_to_send()] == [skip.id]
        assert store.next_contact(7) is None
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION == 3
    finally:
        store.close()
