"""Import a campaign's contacts from CSV: check every row first, then insert in bulk.

Reports name a line number and a reason, never the person's name or number: they go
to an organiser's terminal and, from there, into logs and chat messages.

The whole file is checked before anything is written. Good rows go in with
multi-row INSERTs in chunks, inside the caller's single transaction, so an import of
100,000 rows costs a few seconds and a failure part-way leaves the campaign as it was.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from caller_server.models import Campaign, Contact, Suppression

REQUIRED = ("first_name", "last_name", "phone")
NAME_LIMIT = 200  # contacts.first_name / last_name / ward are String(200)
ATTRIBUTE_LIMIT = 1000
HEADER_LIMIT = 64
MAX_ATTRIBUTES = 50
CHUNK = 5000
_CORE = {"first_name", "last_name", "phone", "ward"}


class ContactsFileError(ValueError):
    """The file as a whole cannot be imported (encoding, header, unknown campaign)."""


@dataclass
class ContactRow:
    line: int
    first_name: str
    last_name: str
    phone: str  # E.164
    ward: str
    attributes: dict[str, str]


@dataclass
class ImportReport:
    rows: int = 0  # data rows read (blank lines not counted)
    imported: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    @property
    def skipped(self) -> int:
        return self.rows - self.imported

    def summary(self) -> str:
        return f"imported {self.imported}, skipped {self.skipped}"


def import_contacts(
    session: Session, campaign_id: int, path: str | Path, skip_invalid: bool = False
) -> ImportReport:
    """Check the file against itself and the campaign, then insert the good rows.

    Without ``skip_invalid`` a single bad row means nothing is inserted; the report
    lists every problem either way. The caller commits.
    """
    if session.get(Campaign, campaign_id) is None:
        raise ContactsFileError(f"no campaign with id {campaign_id}")
    return import_contacts_text(
        session, campaign_id, read_text(path), skip_invalid, Path(path).name
    )


def import_contacts_text(
    session: Session,
    campaign_id: int,
    text: str,
    skip_invalid: bool = False,
    source: str = "contacts file",
) -> ImportReport:
    """As :func:`import_contacts`, for CSV already in memory (the demo's, say)."""
    if session.get(Campaign, campaign_id) is None:
        raise ContactsFileError(f"no campaign with id {campaign_id}")
    rows, report = parse_contacts(text, source)
    good = check_against_campaign(session, campaign_id, rows, report)
    if report.problems and not skip_invalid:
        return report
    for start in range(0, len(good), CHUNK):
        session.execute(
            insert(Contact),
            [_values(campaign_id, row) for row in good[start : start + CHUNK]],
        )
    report.imported = len(good)
    return report


def _values(campaign_id: int, row: ContactRow) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "phone": row.phone,
        "ward": row.ward,
        "attributes": row.attributes,
        "state": "available",
        "attempts": 0,
    }


def read_text(path: str | Path) -> str:
    """The file as text: UTF-8, a BOM (as Excel writes) dropped."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContactsFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContactsFileError(
            f"{path.name}: line {line} is not UTF-8 text; save the file as 'CSV UTF-8'"
        ) from None


def parse_contacts(
    text: str, source: str = "contacts file"
) -> tuple[list[ContactRow], ImportReport]:
    """Rows that pass the checks needing no database, and a report of the others."""
    text = text.removeprefix("\ufeff")  # a BOM, however the text was read
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ContactsFileError(f"{source}: the header row is not valid CSV ({exc})") from None
    if header is None:
        raise ContactsFileError(f"{source}: the file is empty; it needs a header row")
    columns = _columns(header, source)
    report = ImportReport()
    rows: list[ContactRow] = []
    first_line: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ContactsFileError(f"{source}: line {line} is not valid CSV ({exc})") from None
        if not any(cell.strip() for cell in record):
            continue  # blank line
        report.rows += 1
        row = _row(line, record, columns, report)
        if row is None:
            continue
        if row.phone in first_line:
            report.problems.append(
                (line, f"duplicate phone number (first on line {first_line[row.phone]})")
            )
            continue
        first_line[row.phone] = line
        rows.append(row)
    return rows, report


def _columns(header: list[str], source: str) -> list[str]:
    """Header cells normalised (``First Name`` -> ``first_name``), checked for sense."""
    columns = [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in header]
    for n, name in enumerate(columns, start=1):
        if not name:
            raise ContactsFileError(f"{source}: header column {n} has no name")
        if len(name) > HEADER_LIMIT:
            raise ContactsFileError(
                f"{source}: header column {n} is longer than {HEADER_LIMIT} characters"
            )
        if columns.index(name) != n - 1:
            raise ContactsFileError(f"{source}: header column {name!r} appears twice")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ContactsFileError(
            f"{source}: missing column {', '.join(missing)} "
            f"(the header row must name first_name, last_name and phone)"
        )
    if len([c for c in columns if c not in _CORE]) > MAX_ATTRIBUTES:
        raise ContactsFileError(f"{source}: more than {MAX_ATTRIBUTES} extra columns")
    return columns


def _row(
    line: int, record: list[str], columns: list[str], report: ImportReport
) -> ContactRow | None:
    if len(record) > len(columns):
        report.problems.append(
            (line, f"{len(record)} fields but the header has {len(columns)} columns")
        )
        return None
    cells = dict(zip(columns, (c.strip() for c in record), strict=False))
    for name in columns:
        cells.setdefault(name, "")
    for name in ("first_name", "last_name"):
        if not cells[name]:
            report.problems.append((line, f"missing {name}"))
            return None
    for name, value in cells.items():
        limit = NAME_LIMIT if name in _CORE else ATTRIBUTE_LIMIT
        if len(value) > limit:
            report.problems.append((line, f"{name} is longer than {limit} characters"))
            return None
    if not cells["phone"]:
        report.problems.append((line, "missing phone"))
        return None
    phone = normalise_phone(cells["phone"])
    if phone is None:
        report.problems.append((line, "phone is not a valid number"))
        return None
    return ContactRow(
        line=line,
        first_name=cells["first_name"],
        last_name=cells["last_name"],
        phone=phone,
        ward=cells.get("ward", ""),
        attributes={k: v for k, v in cells.items() if k not in _CORE and v},
    )


_PUNCTUATION = str.maketrans("", "", " -().")
_UK_NATIONAL = re.compile(r"^0([1-9]\d{8,9})$")
_UK_E164 = re.compile(r"^\+44([1-9]\d{8,9})$")


def normalise_phone(text: str) -> str | None:
    """E.164 for a valid number (national numbers read as UK), else None.

    Plain UK numbers (``020 7946 0123``, ``+44 20 7946 0123``) skip phonenumbers'
    general parser and its walk over GB, GG, IM and JE: a 100,000-row file spends
    most of its time here. The answer is the same as
    ``is_valid_number(parse(text, "GB"))``, which a test checks.
    """
    compact = text.translate(_PUNCTUATION)
    match = _UK_NATIONAL.match(compact) or _UK_E164.match(compact)
    if match:
        number = phonenumbers.PhoneNumber(country_code=44, national_number=int(match.group(1)))
        if phonenumbers.is_valid_number_for_region(number, "GB"):
            return "+44" + match.group(1)
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_against_campaign(
    session: Session, campaign_id: int, rows: list[ContactRow], report: ImportReport
) -> list[ContactRow]:
    """Drop rows already in the campaign or suppressed; one query for each list."""
    existing = set(session.scalars(select(Contact.phone).where(Contact.campaign_id == campaign_id)))
    suppressed: dict[str, str] = {}
    for phone, sup_campaign in session.execute(
        select(Suppression.phone, Suppression.campaign_id).where(
            or_(Suppression.campaign_id.is_(None), Suppression.campaign_id == campaign_id)
        )
    ):
        if sup_campaign is None or phone not in suppressed:
            suppressed[phone] = (
                "phone is on the do-not-call list"
                if sup_campaign is None
                else "phone is suppressed for this campaign"
            )
    good: list[ContactRow] = []
    for row in rows:
        if row.phone in existing:
            report.problems.append((row.line, "phone is already in this campaign"))
        elif row.phone in suppressed:
            report.problems.append((row.line, suppressed[row.phone]))
        else:
            good.append(row)
    report.problems.sort()
    return good
