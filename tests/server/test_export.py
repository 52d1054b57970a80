"""The results export: formula-safe cells, streaming, and no write lock on SQLite."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from caller_server import schema
from caller_server.campaign_file import create_campaign, parse_campaign
from caller_server.db import make_engine
from caller_server.export import HEADER, ExportOptions, iter_csv, reader_engine, safe_cell
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
    lines = text.splitlines()
    assert lines[1].count(",") == lines[0].count(",")


SURVEY = """
name = "E"
seat = "S"
candidate = "C"
timezone = "Europe/London"
[script]
intro = "Hi {first_name}"
[[questions]]
key = "vote"
text = "How will you vote?"
kind = "single"
options = ["Us", "Them"]
[[questions]]
key = "issues"
text = "What matters most?"
kind = "multi"
options = ["Buses", "Parks"]
"""


def seed_survey(url: str) -> tuple[int, list[str]]:
    """Two contacts (one never called); three results, the first corrected by the third."""
    schema.upgrade(url)
    engine = make_engine(url)
    summer = dt.datetime(2026, 7, 1, 17, 4, 5, 123456, tzinfo=dt.UTC)  # 18:04:05 in London
    ids = ["r1", "r2", "r3"]
    with Session(engine) as session, session.begin():
        campaign_id = create_campaign(session, parse_campaign(SURVEY))
        vol = Volunteer(username="robin_t", name="Robin Tester", password_hash="x")
        amara = Contact(
            campaign_id=campaign_id,
            first_name="=Amara",
            last_name="Lomax",
            phone="+442079460001",
            ward="Gasworks",
            external_id="E1",
            attributes={"polling_district": "PD1", "age_band": "18-24"},
        )
        ben = Contact(
            campaign_id=campaign_id,
            first_name="Ben",
            last_name="Lomax",
            phone="+442079460001",
            external_id="E2",
            attributes={"polling_district": "PD2", "notes": "side door"},
        )
        session.add_all([vol, amara, ben])
        session.flush()
        amara.state, amara.attempts = "done", 1

        def result(rid: str, n: int, outcome: str, answers: dict, **kw) -> Result:  # type: ignore[type-arg]
            return Result(
                id=rid,
                campaign_id=campaign_id,
                contact_id=amara.id,
                volunteer_id=vol.id,
                outcome=outcome,
                answers=answers,
                started_at=summer,
                received_at=summer + dt.timedelta(minutes=n),
                payload_hash="x",
                **kw,
            )

        session.add_all(
            [
                result("r1", 1, "not_home", {}),
                result(
                    "r2", 2, "answered", {"vote": "Us", "issues": ["Buses", "Parks"]}, late=True
                ),
            ]
        )
        session.flush()
        session.add(result("r3", 3, "refused", {}, supersedes="r1", outside_hours=True))
    engine.dispose()
    return campaign_id, ids


def export_table(url: str, campaign_id: int, **options: bool) -> tuple[str, list[dict]]:  # type: ignore[type-arg]
    engine = reader_engine(url)
    try:
        with Session(engine) as session:
            text = "".join(iter_csv(session, campaign_id, ExportOptions(**options)))
    finally:
        engine.dispose()
    return text, list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_per_call_export_joins_back_to_the_voter_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'survey.sqlite3'}"
    campaign_id, _ = seed_survey(url)
    text, rows = export_table(url, campaign_id)
    assert text.splitlines()[0].split(",") == [
        "result_id",
        "contact_id",
        "external_id",
        "first_name",
        "last_name",
        "phone",
        "ward",
        "polling_district",
        "age_band",
        "attribute_notes",
        "How will you vote?",
        "What matters most?",
        "outcome",
        "outcome_label",
        "notes",
        "volunteer",
        "started_at",
        "duration_s",
        "callback_at",
        "recorded_at",
        "received_at",
        "late",
        "outside_hours",
        "double_call",
    ]
    assert [r["result_id"] for r in rows] == ["r2", "r3"]  # r1 is corrected by r3
    answered, refused = rows
    assert (answered["external_id"], answered["first_name"], answered["phone"]) == (
        "E1",
        "'=Amara",
        "+442079460001",
    )
    assert (answered["polling_district"], answered["age_band"]) == ("PD1", "18-24")
    assert answered["How will you vote?"] == "Us"
    assert answered["What matters most?"] == "Buses; Parks"
    assert (answered["outcome"], answered["outcome_label"]) == ("answered", "Spoke to them")
    assert answered["volunteer"] == "Robin Tester"
    assert answered["started_at"] == "2026-07-01T18:04:05+01:00"  # London, whole seconds
    assert (answered["late"], answered["outside_hours"]) == ("true", "false")
    assert (refused["late"], refused["outside_hours"]) == ("false", "true")
    assert not text.startswith("\ufeff")


def test_all_versions_and_excel(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'survey.sqlite3'}"
    campaign_id, _ = seed_survey(url)
    text, rows = export_table(url, campaign_id, all_versions=True, excel=True)
    assert text.startswith("\ufeffresult_id,")
    assert {r["result_id"]: r["superseded_by"] for r in rows} == {"r1": "r3", "r2": "", "r3": ""}


def test_per_contact_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'survey.sqlite3'}"
    campaign_id, _ = seed_survey(url)
    _, rows = export_table(url, campaign_id, per_contact=True)
    assert [r["external_id"] for r in rows] == ["E1", "E2"]
    amara, ben = rows
    assert (amara["state"], amara["attempts"], amara["calls"]) == ("done", "1", "2")
    assert (amara["last_result_id"], amara["outcome_label"]) == ("r3", "Refused to talk")
    assert amara["attribute_notes"] == ""
    assert (ben["state"], ben["calls"], ben["outcome"], ben["last_result_id"]) == (
        "available",
        "0",
        "",
        "",
    )
    assert (ben["attribute_notes"], ben["polling_district"]) == ("side door", "PD2")
