"""The Alembic migrations build exactly the schema of caller_server/models.py.

A model change without a migration makes `compare_metadata` report a difference and
this test fail, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from caller_server import schema
from caller_server.db import make_engine
from caller_server.models import Base
from tests.support.server import create_pg_database, drop_pg_database, pg_unavailable_reason

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    reason = pg_unavailable_reason()
    if reason:
        pytest.skip(reason)
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def test_upgrade_matches_the_models_with_no_drift(empty_url: str) -> None:
    assert schema.current_revision(empty_url) is None
    schema.upgrade(empty_url)
    schema.upgrade(empty_url)  # a second run is a no-op
    assert schema.current_revision(empty_url) == schema.head_revision()
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration for: {diff}"
    assert set(Base.metadata.tables) <= tables


def test_downgrade_to_base_and_back(empty_url: str) -> None:
    from alembic import command

    schema.upgrade(empty_url)
    cfg = schema.alembic_config(empty_url)
    engine = schema.migration_engine(empty_url)
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    assert schema.current_revision(empty_url) is None
    schema.upgrade(empty_url)
    assert schema.current_revision(empty_url) == schema.head_revision()


def test_head_revision_agrees_with_alembic() -> None:
    script = ScriptDirectory.from_config(schema.alembic_config("sqlite://"))
    assert schema.head_revision() == script.get_current_head()
    assert len(script.get_heads()) == 1


def test_migrations_need_no_source_tree(tmp_path: Path) -> None:
    """The config is built in code from the package folder, never from the working dir."""
    cfg = schema.alembic_config("sqlite://")
    assert Path(cfg.get_main_option("script_location")) == schema.MIGRATIONS_DIR
    assert (schema.MIGRATIONS_DIR / "env.py").is_file()
    assert (schema.MIGRATIONS_DIR / "script.py.mako").is_file()


def test_upgrade_from_0002_keeps_the_data(empty_url: str) -> None:
    """0003 on a database in use: new columns filled, a result corrected twice chained."""
    schema.upgrade(empty_url, "0002")
    engine = make_engine(empty_url)
    t0 = "2026-11-26 18:00:00+00:00"
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO campaigns (id, name, seat, candidate, timezone, calling_hours, "
                    "target_contacts_per_hour, batch_size, max_attempts, lease_minutes, active, "
                    "script, script_version, created_at) VALUES (1, 'C', 'S', 'X', 'UTC', "
                    "'00:00-24:00', 20, 15, 3, 45, true, '{}', 'v1', :t)"
                ),
                {"t": t0},
            )
            conn.execute(
                text(
                    "INSERT INTO volunteers (id, username, name, password_hash, role, "
                    "leaderboard_opt_in, created_at) VALUES (1, 'v', 'V', 'x', 'caller', false, :t)"
                ),
                {"t": t0},
            )
            conn.execute(
                text(
                    "INSERT INTO contacts (id, campaign_id, first_name, last_name, phone, ward, "
                    "attributes, state, attempts) VALUES "
                    "(1, 1, 'A', 'B', '+442079460001', '', '{}', 'done', 1), "
                    "(2, 1, 'C', 'D', '+442079460002', '', '{}', 'available', 0)"
                )
            )
            for n, (rid, sup) in enumerate([("r1", None), ("fix-a", "r1"), ("fix-b", "r1")]):
                conn.execute(
                    text(
                        "INSERT INTO results (id, campaign_id, contact_id, volunteer_id, outcome, "
                        "answers, notes, started_at, duration_s, supersedes, received_at, late, "
                        "double_call, payload_hash) VALUES (:id, 1, 1, 1, 'answered', '{}', '', "
                        ":t, 1, :sup, :r, false, false, 'h')"
                    ),
                    {"id": rid, "sup": sup, "t": t0, "r": f"2026-11-26 18:0{n}:00+00:00"},
                )
        schema.upgrade(empty_url)
        assert schema.current_revision(empty_url) == schema.head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT max_held_contacts FROM campaigns")).scalar() == 30
            last = dict(conn.execute(text("SELECT id, last_result_id FROM contacts")).all())
            assert last == {1: "fix-b", 2: None}
            chain = dict(conn.execute(text("SELECT id, supersedes FROM results")).all())
            assert chain == {"r1": None, "fix-a": "r1", "fix-b": "fix-a"}
            flags = conn.execute(text("SELECT DISTINCT outside_hours FROM results")).all()
            assert [bool(f) for (f,) in flags] == [False]
            secret = conn.execute(
                text("SELECT value FROM server_settings WHERE key = 'lease_proof_secret'")
            ).scalar()
            assert secret is not None
            assert len(secret) == 64
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE results SET supersedes = 'r1' WHERE id = 'fix-b'"))
    finally:
        engine.dispose()


def test_upgrade_from_0003_keeps_the_data(empty_url: str) -> None:
    """0004: `active` becomes `status`, households allowed, external ids unique, audit log."""
    schema.upgrade(empty_url, "0003")
    engine = make_engine(empty_url)
    t0 = "2026-11-26 18:00:00+00:00"
    try:
        with engine.begin() as conn:
            for cid, active in ((1, "true"), (2, "false")):
                conn.execute(
                    text(
                        "INSERT INTO campaigns (id, name, seat, candidate, timezone, "
                        "calling_hours, target_contacts_per_hour, batch_size, max_attempts, "
                        "lease_minutes, max_held_contacts, active, script, script_version, "
                        f"created_at) VALUES ({cid}, 'C', 'S', 'X', 'UTC', '00:00-24:00', "
                        f"20, 15, 3, 45, 30, {active}, '{{}}', 'v1', :t)"
                    ),
                    {"t": t0},
                )
            conn.execute(
                text(
                    "INSERT INTO contacts (id, campaign_id, first_name, last_name, phone, ward, "
                    "attributes, state, attempts) VALUES "
                    "(1, 1, 'A', 'B', '+442079460001', '', '{}', 'available', 0)"
                )
            )
        schema.upgrade(empty_url)
        with engine.begin() as conn:
            status = dict(conn.execute(text("SELECT id, status FROM campaigns")).all())
            assert status == {1: "active", 2: "closed"}
            # A household member with the same number, and two external ids.
            conn.execute(
                text(
                    "INSERT INTO contacts (id, campaign_id, first_name, last_name, phone, ward, "
                    "attributes, state, attempts, external_id) VALUES "
                    "(2, 1, 'C', 'B', '+442079460001', '', '{}', 'available', 0, 'E1'), "
                    "(3, 1, 'D', 'B', '+442079460002', '', '{}', 'available', 0, NULL), "
                    "(4, 1, 'E', 'B', '+442079460003', '', '{}', 'available', 0, NULL), "
                    "(5, 2, 'F', 'B', '+442079460003', '', '{}', 'available', 0, 'E1')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor_id, action, campaign_id, detail) "
                    "VALUES (:t, NULL, 'created', 1, '{}')"
                ),
                {"t": t0},
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE contacts SET external_id = 'E1' WHERE id = 1"))
    finally:
        engine.dispose()


def _insert_0006_rows(conn, usernames: list[str]) -> None:  # type: ignore[no-untyped-def]
    t0 = "2026-12-01 18:00:00+00:00"
    conn.execute(
        text(
            "INSERT INTO campaigns (id, name, seat, candidate, timezone, calling_hours, "
            "target_contacts_per_hour, batch_size, max_attempts, lease_minutes, "
            "max_held_contacts, status, script, script_version, created_at) VALUES "
            "(1, 'C', 'S', 'X', 'UTC', '00:00-24:00', 20, 15, 3, 45, 30, 'active', '{}', 'v1', :t)"
        ),
        {"t": t0},
    )
    for n, username in enumerate(usernames, start=1):
        conn.execute(
            text(
                "INSERT INTO volunteers (id, username, name, password_hash, role, "
                "leaderboard_opt_in, created_at) VALUES (:id, :u, 'V', 'x', 'caller', false, :t)"
            ),
            {"id": n, "u": username, "t": t0},
        )


def test_0007_refuses_usernames_that_differ_only_in_case(empty_url: str) -> None:
    """0007: "Dave" and "DAVE" would become one account: the upgrade names them and stops."""
    schema.upgrade(empty_url, "0006")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            _insert_0006_rows(conn, ["Dave", "DAVE ", "ann"])
        with pytest.raises(Exception, match="'Dave' and 'DAVE '"):
            schema.upgrade(empty_url)
        assert schema.current_revision(empty_url) == "0006"  # nothing changed
        with engine.begin() as conn:
            conn.execute(text("UPDATE volunteers SET username = 'dave2' WHERE id = 2"))
        schema.upgrade(empty_url)
        assert schema.current_revision(empty_url) == schema.head_revision()
        with engine.connect() as conn:
            keys = dict(conn.execute(text("SELECT id, username_key FROM volunteers")).all())
            assert keys == {1: "dave", 2: "dave2", 3: "ann"}
            # Every existing campaign is open to every volunteer, as before the upgrade.
            assert conn.execute(text("SELECT open_to_all FROM campaigns")).scalar() in (True, 1)
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE volunteers SET username_key = 'dave' WHERE id = 3"))
    finally:
        engine.dispose()
