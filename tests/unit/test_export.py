"""The results export: formula-safe cells, streaming, and no write lock on SQLite."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from caller_server import schema
from caller_server.campaign_file import create_campaign, parse_campaign
from caller_server.db import make_engine
from caller_server.export import HEADER, iter_csv, reader_engine, safe_cell
from caller_server.models import Contact, Result, Volunteer

CAMPAIGN = 'name = "E"\nseat = "S"\ncandidate = "C"\n[script]\nintro = "Hi {first_name}"\n'


def test_safe_cell() -> None:
    for risky in ("=1+1", "+44", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    for plain in ("Amara", "", "1+1", "'quoted", "{}"):
        assert safe_cell(plain) == plain


def seed(url: str, results: int) -> int:
    schema.upgrade(url)
    engine = make_engine(url)
    now = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
    with Session(engine) as session, session.begin():
        campaign_id = create_campaign(session, parse_campaign(CAMPAIGN))
        vol = Volunteer(username="v", name="V", password_hash="x")
        contact = Contact(campaign_id=campaign_id, first_name="A", last_name="B",
                          phone="+442079460001")  # fmt: skip
        session.add_all([vol, contact])
        session.flush()
        session.add_all(
            Result(id=str(uuid.uuid4()), campaign_id=campaign_id, contact_id=contact.id,
                   volunteer_id=vol.id, outcome="not_home", started_at=now,
                   received_at=now + dt.timedelta(seconds=i), payload_hash="x")
            for i in range(results)
        )  # fmt: skip
    engine.dispose()
    return campaign_id


def test_a_streaming_export_on_sqlite_lets_writers_on(tmp_path: Path) -> None:
    path = tmp_path / "e.sqlite3"
    url = f"sqlite:///{path}"
    campaign_id = seed(url, 2500)
    engine = reader_engine(url)
    try:
        with Session(engine) as session, session.begin():
            chunks = iter_csv(session, campaign_id)
            first = next(chunks)  # the export is under way, its transaction open
            assert first.startswith(",".join(HEADER))
            writer = sqlite3.connect(path, timeout=1, isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")  # would fail with "database is locked"
            writer.execute("UPDATE volunteers SET name = 'W'")
            writer.execute("COMMIT")
            writer.close()
            text = first + "".join(chunks)
    finally:
        engine.dispose()
    assert text.count("\r\n") == 2501
    assert text.splitlines()[1].count(",") == len(HEADER) - 1
