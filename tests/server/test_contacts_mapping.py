"""Column mapping, preview, validation report, external ids, households, opt-out lists."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from caller_server import schema
from caller_server.campaign_file import create_campaign, parse_campaign
from caller_server.contacts_import import (
    ContactsFileError,
    Mapping,
    guess_mapping,
    import_contacts,
    preview,
    validate,
)
from caller_server.db import make_engine, session_factory
from caller_server.models import Contact, Suppression
from caller_server.suppress_import import suppress_import

CAMPAIGN = 'name = "M"\nseat = "S"\ncandidate = "C"\n[script]\nintro = "Hi {first_name}"\n'
# A voter file as an organiser's spreadsheet writes it: BOM, CRLF, quoted fields.
VOTERS = (
    "\ufeffElector No,Forename,Surname,Phone Number,Mobile,Ward,Polling District\r\n"
    'E1,Amara,Lomax,020 7946 0001,,Gasworks,"PD, North"\r\n'
    "E2,Ben,Lomax,020 7946 0001,,Gasworks,PD1\r\n"  # same landline: a household
    "E3,Chloe,Varga,,0113 496 0003,Millbrook,PD2\r\n"  # only a mobile
    "E4,Dev,,0161 496 0004,,Millbrook,PD2\r\n"  # no surname
    "E5,Eilidh,Nolan,12345,,Millbrook,PD3\r\n"  # bad number
    "E1,Farah,Ormerod,0161 496 0006,,Millbrook,PD3\r\n"  # E1 again
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[Session, int]]:
    url = f"sqlite:///{tmp_path / 'map.sqlite3'}"
    schema.upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        campaign_id = create_campaign(session, parse_campaign(CAMPAIGN))
        session.commit()
        yield session, campaign_id
    engine.dispose()


def contacts(session: Session, campaign_id: int) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact).where(Contact.campaign_id == campaign_id).order_by(Contact.id)
        )
    )


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("First Name", "first_name"), ("forename", "first_name"), ("FIRST_NAME", "first_name"),
        ("Surname", "last_name"), ("Last Name", "last_name"), ("Phone Number", "phone"),
        ("Phone", "phone"), ("Tel", "phone"), ("Telephone", "phone"),
        ("Mobile", "phone_fallback"), ("Mobile Number", "phone_fallback"), ("Ward", "ward"),
        ("Elector No", "external_id"), ("Elector No.", "external_id"),
        ("Elector Number", "external_id"), ("Voter ID", "external_id"),
        ("VANID", "external_id"), ("Polling District", "polling_district"),
        ("Age-Band", "age_band"), ("2024 Vote", "col_2024_vote"),
    ],
)  # fmt: skip
def test_guess_each_spelling(header: str, target: str) -> None:
    others = ["First Name", "Surname", "Phone"]
    headers = [header] + [h for h in others if guess_mapping([h]).columns[h] != target]
    assert guess_mapping(headers).columns[header] == target


def test_a_mobile_alone_is_the_phone_and_the_second_match_an_attribute() -> None:
    assert guess_mapping(["First Name", "Surname", "Mobile"]).columns["Mobile"] == "phone"
    mapping = guess_mapping(["Phone", "Tel", "First Name", "Surname"])
    assert mapping.columns == {"Phone": "phone", "Tel": "tel", "First Name": "first_name",
                               "Surname": "last_name"}  # fmt: skip


def test_mapping_parsed_from_the_cli_form_over_the_guess() -> None:
    headers = ["Elector No", "Forename", "Surname", "Home", "Mobile", "Notes"]
    mapping = Mapping.parse("home=phone, MOBILE=phone_fallback,Notes=ignore", headers)
    assert mapping.columns == {
        "Elector No": "external_id", "Forename": "first_name", "Surname": "last_name",
        "Home": "phone", "Mobile": "phone_fallback", "Notes": "ignore",
    }  # fmt: skip
    # Moving a target frees the column that had it.
    mapping.set("Elector No", "ward")
    mapping.set("Mobile", "phone")
    assert mapping.columns["Home"] == "home"
    assert Mapping.parse(mapping.as_text(), headers) == mapping
    for bad, message in [
        ("Nope=phone", "no column 'Nope'"),
        ("Home", "not HEADER=TARGET"),
        ("Notes=Bad Key", "attribute name"),
    ]:
        with pytest.raises(ContactsFileError, match=message):
            Mapping.parse(bad, headers).check()
    with pytest.raises(ContactsFileError, match="missing column phone"):
        Mapping.parse("Home=ignore,Mobile=ignore", headers).check()


def test_preview_guesses_and_shows_the_first_rows() -> None:
    shown = preview(VOTERS.encode(), rows=2)
    assert shown.headers[:3] == ["Elector No", "Forename", "Surname"]  # no BOM
    assert shown.mapping.columns["Mobile"] == "phone_fallback"
    assert shown.rows == [
        ["E1", "Amara", "Lomax", "020 7946 0001", "", "Gasworks", "PD, North"],
        ["E2", "Ben", "Lomax", "020 7946 0001", "", "Gasworks", "PD1"],
    ]


def test_validate_reports_every_problem_row_and_writes_csv() -> None:
    report = validate(VOTERS.encode())
    assert report.problems == [
        (5, "missing last_name"),
        (6, "phone is not a valid number"),
        (7, "duplicate external id (first on line 2)"),
    ]
    assert (report.rows, report.added, report.skipped) == (6, 3, 3)
    for _, reason in report.problems:
        assert "Dev" not in reason
        assert "496" not in reason
    rows = list(csv.reader(io.StringIO(report.csv_text())))
    assert rows[0] == ["line", "reason", "Elector No", "Forename", "Surname", "Phone Number",
                       "Mobile", "Ward", "Polling District"]  # fmt: skip
    assert rows[1][:4] == ["5", "missing last_name", "E4", "Dev"]
    assert len(rows) == 4


def test_import_households_fallback_attributes_and_external_ids(db) -> None:  # type: ignore[no-untyped-def]
    session, campaign_id = db
    report = import_contacts(session, campaign_id, VOTERS.encode(), skip_invalid=True)
    session.commit()
    assert (report.added, report.updated, report.skipped) == (3, 0, 3)
    amara, ben, chloe = contacts(session, campaign_id)
    assert amara.phone == ben.phone == "+442079460001"
    assert chloe.phone == "+441134960003"  # the mobile, as the phone was empty
    assert (amara.external_id, amara.attributes) == ("E1", {"polling_district": "PD, North"})
    assert amara.ward == "Gasworks"

    # Chloe was called; then a corrected file arrives: E3's number and district change.
    chloe.state, chloe.attempts = "done", 1
    session.commit()
    fixed = (
        "Elector No,Forename,Surname,Phone Number,Ward,Polling District\r\n"
        "E3,Chloe,Varga-Hale,0161 496 0030,Millbrook,PD9\r\n"
        "E7,Gareth,Haddow,0161 496 0007,Millbrook,PD9\r\n"
    )
    report = import_contacts(session, campaign_id, fixed.encode())
    session.commit()
    assert (report.added, report.updated, report.problems) == (1, 1, [])
    assert report.summary() == "imported 2, skipped 0 (1 added, 1 updated)"
    session.refresh(chloe)
    assert (chloe.last_name, chloe.phone, chloe.attributes) == (
        "Varga-Hale", "+441614960030", {"polling_district": "PD9"})  # fmt: skip
    assert (chloe.state, chloe.attempts) == ("done", 1)  # call state untouched
    assert len(contacts(session, campaign_id)) == 4


def test_reimport_without_ids_adds_no_one_twice(db) -> None:  # type: ignore[no-untyped-def]
    session, campaign_id = db
    text = "first_name,last_name,phone\nAmara,Lomax,020 7946 0001\nBen,Lomax,020 7946 0001\n"
    assert import_contacts(session, campaign_id, text.encode()).added == 2
    report = import_contacts(session, campaign_id, text.encode(), skip_invalid=True)
    assert report.problems == [(2, "contact is already in this campaign"),
                               (3, "contact is already in this campaign")]  # fmt: skip
    # The same people with ids now: the ids are attached, nobody is added.
    with_ids = "voter id,first_name,last_name,phone\nV1,Amara,Lomax,020 7946 0001\n"
    report = import_contacts(session, campaign_id, with_ids.encode())
    assert (report.added, report.updated) == (0, 1)
    session.commit()
    assert [c.external_id for c in contacts(session, campaign_id)] == ["V1", None]


def test_validate_against_the_campaign_counts_updates(db) -> None:  # type: ignore[no-untyped-def]
    session, campaign_id = db
    import_contacts(session, campaign_id, VOTERS.encode(), skip_invalid=True)
    session.add(Suppression(phone="+441614960007", campaign_id=None, reason="do_not_call"))
    session.commit()
    text = "VANID,First,Last,Tel\nE1,Amara,Lomax,020 7946 0001\nE9,Gina,Ito,0161 496 0007\n"
    report = validate(text.encode(), session=session, campaign_id=campaign_id)
    assert (report.added, report.updated) == (0, 1)
    assert report.problems == [(3, "phone is on the do-not-call list")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfef\x00i\x00", "UTF-16"),
        (b"first_name,last_name,phone\nZo\xeb,B,020 7946 0001\n", "line 2 is not UTF-8"),
        (b'first_name,last_name,phone\nA,B,"020\n', "line 2 is not valid CSV"),
        (b"", "the file is empty"),
        (b"name,phone\nA,020 7946 0001\n", "missing column first_name, last_name"),
    ],
)
def test_bad_files_are_one_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(ContactsFileError, match=message):
        validate(data)


def test_semicolon_files_from_excel() -> None:
    report = validate(b"Forename;Surname;Tel\r\nAmara;Lomax;020 7946 0001\r\n")
    assert (report.added, report.problems) == (1, [])


def test_suppress_import(db) -> None:  # type: ignore[no-untyped-def]
    session, campaign_id = db
    session.add(Suppression(phone="+442079460001", campaign_id=None, reason="do_not_call"))
    session.commit()
    text = "Name,Phone Number\r\nA,020 7946 0001\r\nB,020 7946 0002\r\nC,nope\r\nD,\r\n"
    report = suppress_import(session, text.encode(), None)
    session.commit()
    assert (report.added, report.already, report.problems) == (
        1, 1, [(4, "phone is not a valid number"), (5, "missing phone")])  # fmt: skip
    assert report.summary() == "suppressed 1 numbers, 1 already suppressed, skipped 2"
    reasons = dict(session.execute(select(Suppression.phone, Suppression.reason)).all())
    assert reasons == {"+442079460001": "do_not_call", "+442079460002": "opt_out"}
    # Bare numbers, no header, for one campaign only.
    report = suppress_import(session, b"020 7946 0001\n0113 496 0003\n", campaign_id)
    session.commit()
    assert (report.added, report.rows) == (2, 2)
    scoped = session.scalars(select(Suppression.phone).where(
        Suppression.campaign_id == campaign_id)).all()  # fmt: skip
    assert sorted(scoped) == ["+441134960003", "+442079460001"]
    with pytest.raises(ContactsFileError, match="no phone column"):
        suppress_import(session, b"Name,Ward\nA,B\n", None)
