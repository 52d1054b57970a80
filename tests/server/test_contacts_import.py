"""Contacts CSV import: row checks, whole-file errors, and the all-or-nothing rule."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caller_server import schema
from caller_server.campaign_file import create_campaign, parse_campaign
from caller_server.contacts_import import (
    ContactsFileError,
    import_contacts,
    normalise_phone,
    parse_contacts,
)
from caller_server.contacts_import.reading import _valid_gb
from caller_server.db import make_engine, session_factory
from caller_server.demo import demo_dir
from caller_server.models import Contact, Suppression

CAMPAIGN = """
name = "Import test"
seat = "Nowhere East"
candidate = "Sam Example"
[script]
intro = "Hello {first_name}"
"""
HEADER = "first_name,last_name,phone,ward,age_band\n"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[Session, int]]:
    url = f"sqlite:///{tmp_path / 'import.sqlite3'}"
    schema.upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        campaign_id = create_campaign(session, parse_campaign(CAMPAIGN))
        session.commit()
        yield session, campaign_id
    engine.dispose()


def write(tmp_path: Path, text: str, name: str = "c.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def count(session: Session, campaign_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Contact).where(Contact.campaign_id == campaign_id)
    )


def test_phone_numbers_are_normalised_to_e164() -> None:
    assert normalise_phone("020 7946 0123") == "+442079460123"
    assert normalise_phone("+44 (0)113 496 0999") == "+441134960999"
    assert normalise_phone("0161-496-0000") == "+441614960000"
    assert normalise_phone("07700 900123") is None  # Ofcom's drama mobiles: not valid
    assert normalise_phone("12345") is None
    assert normalise_phone("not a number") is None


def reference(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=400, deadline=None)
@given(
    prefix=st.sampled_from(["0", "+44", "+44 (0)", "0044", "+1", "+353 ", "", "00"]),
    digits=st.text(alphabet="0123456789", min_size=0, max_size=12),
    sep=st.sampled_from(["", " ", "-", "."]),
)
def test_the_fast_path_agrees_with_phonenumbers(prefix: str, digits: str, sep: str) -> None:
    text = prefix + sep.join([digits[:4], digits[4:]])
    assert normalise_phone(text) == reference(text)


def test_the_uk_validator_agrees_with_phonenumbers_over_the_numbering_plan() -> None:
    """The regexes built from phonenumbers' GB metadata accept exactly the numbers
    `is_valid_number_for_region` does: 40,000 random 9- and 10-digit national numbers
    over every leading digit (about a third of them valid)."""
    rng = random.Random(15)
    agree = valid = 0
    for _ in range(40_000):
        national = str(rng.randint(1, 9)) + "".join(
            rng.choice("0123456789") for _ in range(rng.choice((8, 9)))
        )
        number = phonenumbers.PhoneNumber(country_code=44, national_number=int(national))
        expected = phonenumbers.is_valid_number_for_region(number, "GB")
        assert _valid_gb(national) == expected, national
        agree += 1
        valid += expected
    assert agree == 40_000
    assert valid > 1000  # the sample reaches valid numbers of many kinds, not only invalid


@pytest.mark.parametrize("n", range(0, 1000, 37))
def test_drama_numbers_agree(n: int) -> None:
    for prefix in (
        "020 7946 0",
        "0113 496 0",
        "0121 496 0",
        "0161 496 0",
        "01632 960",
        "07700 900",
    ):
        text = f"{prefix}{n:03d}"
        assert normalise_phone(text) == reference(text)


def test_good_rows_with_bom_crlf_and_extra_columns() -> None:
    text = "\ufeffFirst Name,last_name,Phone,Ward,Age Band\r\n" + (
        "Amara,Lomax,020 7946 0001,Gasworks,18-24\r\n"
        '"Ben ""Benji""",Quayle,0113 496 0002,,\r\n'
        "\r\n"
        "Chloe,Varga,+441614960003,Millbrook,65+\r\n"
    )
    rows, report = parse_contacts(text)
    assert report.problems == []
    assert report.rows == 3
    assert [r.phone for r in rows] == ["+442079460001", "+441134960002", "+441614960003"]
    assert rows[0].attributes == {"age_band": "18-24"}
    assert rows[1].first_name == 'Ben "Benji"'
    assert rows[1].ward == ""
    assert rows[1].attributes == {}
    assert [r.line for r in rows] == [2, 3, 5]


def test_bad_rows_are_reported_by_line_without_personal_data() -> None:
    text = HEADER + (
        "Amara,Lomax,020 7946 0001,Gasworks,\n"  # 2 ok
        ",Quayle,0113 496 0002,,\n"  # 3 no first name
        "Chloe,,0161 496 0003,,\n"  # 4 no last name
        "Dev,Rahman,07700 900123,,\n"  # 5 invalid phone
        "Eilidh,Nolan,,,\n"  # 6 no phone
        "Farah,Ormerod,+44 20 7946 0001,,\n"  # 7 same number as line 2: a household
        "Gareth,Haddow,0121 496 0004,,,,extra\n"  # 8 too many fields
        f"{'H' * 201},Long,0121 496 0005,,\n"  # 9 over-long
        f"Idris,Long,0121 496 0006,,{'x' * 1001}\n"  # 10 over-long attribute
    )
    rows, report = parse_contacts(text)
    assert [r.line for r in rows] == [2, 7]
    assert report.rows == 9
    assert report.problems == [
        (3, "missing first_name"),
        (4, "missing last_name"),
        (5, "phone is not a valid number"),
        (6, "missing phone"),
        (8, "7 fields but the header has 5 columns"),
        (9, "first_name is longer than 200 characters"),
        (10, "age_band is longer than 1000 characters"),
    ]
    for _, reason in report.problems:
        assert "7946" not in reason
        assert "Farah" not in reason


def test_multi_line_quoted_field_keeps_line_numbers() -> None:
    text = HEADER + 'Amara,Lomax,020 7946 0001,"Gas\nworks",\n,Nolan,020 7946 0002,,\n'
    _, report = parse_contacts(text)
    assert report.problems == [(4, "missing first_name")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("first_name,last_name,ward\nA,B,C\n", "missing column phone"),
        ("first_name,phone\n", "missing column last_name"),
        ("first_name,last_name,phone,,ward\n", "header column 4 has no name"),
        ("first_name,last_name,phone,Phone\n", "header column 'phone' appears twice"),
        (HEADER + 'A,B,"020 7946 0001\n', "is not valid CSV"),
    ],
)
def test_whole_file_errors(text: str, message: str) -> None:
    with pytest.raises(ContactsFileError, match=message):
        parse_contacts(text)


def test_non_utf8_file_is_refused_with_its_line(tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    session, campaign_id = db
    path = write(tmp_path, HEADER + "Amara,Lomax,020 7946 0001,,\nZo\xeb,Lomax,020 7946 0002,,\n",
                 encoding="latin-1")  # fmt: skip
    with pytest.raises(ContactsFileError, match=r"line 3 is not UTF-8"):
        import_contacts(session, campaign_id, path)


def test_unknown_campaign(tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    session, _ = db
    with pytest.raises(ContactsFileError, match="no campaign with id 999"):
        import_contacts(session, 999, write(tmp_path, HEADER))


def test_all_or_nothing_and_skip_invalid(tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    session, campaign_id = db
    path = write(tmp_path, HEADER + "A,B,020 7946 0001,,\nC,D,12345,,\nE,F,020 7946 0002,,\n")
    report = import_contacts(session, campaign_id, path)
    assert (report.imported, report.skipped, report.problems) == (
        0,
        3,
        [(3, "phone is not a valid number")],
    )
    assert count(session, campaign_id) == 0

    report = import_contacts(session, campaign_id, path, skip_invalid=True)
    session.commit()
    assert report.summary() == "imported 2, skipped 1"
    assert count(session, campaign_id) == 2
    contact = session.scalars(select(Contact).order_by(Contact.id)).first()
    assert (contact.phone, contact.state, contact.attempts) == ("+442079460001", "available", 0)


def test_existing_and_suppressed_numbers(tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    session, campaign_id = db
    other = create_campaign(session, parse_campaign(CAMPAIGN))
    session.add_all([
        Suppression(phone="+442079460002", campaign_id=None, reason="do_not_call"),
        Suppression(phone="+442079460003", campaign_id=campaign_id, reason="wrong_number"),
        Suppression(phone="+442079460004", campaign_id=other, reason="wrong_number"),
    ])  # fmt: skip
    session.commit()
    import_contacts(session, campaign_id, write(tmp_path, HEADER + "N1,M,020 7946 0001,,\n"))
    session.commit()
    text = HEADER + "".join(f"N{i},M,020 7946 000{i},,\n" for i in range(1, 6))
    text += "Other,M,020 7946 0001,,\n"  # line 7: a household member of line 2's contact
    report = import_contacts(session, campaign_id, write(tmp_path, text), skip_invalid=True)
    session.commit()
    assert report.problems == [
        (2, "contact is already in this campaign"),
        (3, "phone is on the do-not-call list"),
        (4, "phone is suppressed for this campaign"),
    ]
    assert report.summary() == "imported 3, skipped 3"  # 0004 is only suppressed elsewhere


def test_the_demo_contacts_are_valid_drama_numbers() -> None:
    text = (demo_dir() / "contacts.csv").read_text("utf-8")
    rows, report = parse_contacts(text)
    assert report.problems == []
    assert len(rows) == 200
    drama = ("+44207946", "+44113496", "+44121496", "+44161496")
    for row in rows:
        assert row.phone.startswith(drama)
        assert 0 <= int(row.phone[-4:]) <= 999
        assert phonenumbers.is_valid_number(phonenumbers.parse(row.phone))
    assert len({r.ward for r in rows}) >= 4
    assert len({(r.first_name, r.last_name) for r in rows}) > 150


def test_a_written_file_round_trips(tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    session, campaign_id = db
    path = tmp_path / "w.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["first_name", "last_name", "phone", "note"])
        writer.writerow(["Zoë", "O'Neill, Jr", "+442079460500", "line1\nline2"])
    report = import_contacts(session, campaign_id, path)
    session.commit()
    assert report.summary() == "imported 1, skipped 0"
    contact = session.scalars(select(Contact)).one()
    assert (contact.first_name, contact.last_name) == ("Zoë", "O'Neill, Jr")
    assert contact.attributes == {"note": "line1\nline2"}


def test_bulk_insert_in_several_chunks(tmp_path: Path, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from caller_server.contacts_import import store

    monkeypatch.setattr(store, "CHUNK", 7)
    session, campaign_id = db
    text = HEADER + "".join(f"N{i},M,0161 496 0{i:03d},W,\n" for i in range(100))
    report = import_contacts(session, campaign_id, write(tmp_path, text))
    session.commit()
    assert report.summary() == "imported 100, skipped 0"
    phones = set(session.scalars(select(Contact.phone).where(Contact.campaign_id == campaign_id)))
    assert phones == {f"+44161496{i:04d}" for i in range(100)}
