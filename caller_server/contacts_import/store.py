"""Check rows against a campaign, then add or update its contacts in bulk.

The whole file is checked before anything is written. New contacts go in with
PostgreSQL's COPY (several times faster than INSERT for a voter file of a million
rows), or multi-row INSERTs in chunks on SQLite, and known ones are updated by primary
key, all inside the caller's single transaction: a failure part-way leaves the
campaign as it was.

A row is a known contact when its external id is in the campaign, or, without one,
when a contact with the same name and number is (a re-import of a file without ids).
Updating changes name, number, ward, attributes and external id, never the call state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from caller_server.contacts_import.errors import ContactsFileError
from caller_server.contacts_import.mapping import Mapping, guess_mapping
from caller_server.contacts_import.reading import (
    ContactRow,
    decode,
    parse_contacts,
    read_bytes,
    read_table,
)
from caller_server.contacts_import.report import ImportReport
from caller_server.models import Campaign, Contact, Suppression

CHUNK = 5000
PREVIEW_ROWS = 10


@dataclass
class Preview:
    headers: list[str]
    mapping: Mapping
    rows: list[list[str]] = field(default_factory=list)  # the first few, as in the file


def preview(
    data: bytes, mapping: Mapping | None = None, rows: int = PREVIEW_ROWS, source: str = "file"
) -> Preview:
    """The headers, the mapping (guessed unless given) and the first `rows` rows."""
    header, records = read_table(decode(data, source), source)
    first = []
    for _, record in records:
        first.append(record)
        if len(first) >= rows:
            break
    return Preview(header, mapping or guess_mapping(header), first)


def validate(
    data: bytes,
    mapping: Mapping | None = None,
    session: Session | None = None,
    campaign_id: int | None = None,
    source: str = "contacts file",
) -> ImportReport:
    """Every problem the import would report, nothing written; with a session and a
    campaign also the checks against it (already there, suppressed, updates)."""
    rows, report = parse_contacts(decode(data, source), source, mapping)
    if session is not None and campaign_id is not None:
        _campaign(session, campaign_id)
        added, updated = _plan(session, campaign_id, rows, report)
        report.added, report.updated = len(added), len(updated)
    else:
        report.added = len(rows)
    report.problems.sort()
    return report


def import_contacts(
    session: Session,
    campaign_id: int,
    data: bytes | str | Path,
    mapping: Mapping | None = None,
    skip_invalid: bool = False,
    source: str | None = None,
) -> ImportReport:
    """Check the file against itself and the campaign, then add and update contacts.

    `data` is the file's bytes, or its path. Without ``skip_invalid`` a single bad
    row means nothing is written; the report lists every problem either way. The
    caller commits.
    """
    _campaign(session, campaign_id)
    if not isinstance(data, bytes):
        source = source or Path(data).name
        data = read_bytes(data)
    source = source or "contacts file"
    rows, report = parse_contacts(decode(data, source), source, mapping)
    return _store(session, campaign_id, rows, report, skip_invalid)


def import_contacts_text(
    session: Session,
    campaign_id: int,
    text: str,
    skip_invalid: bool = False,
    source: str = "contacts file",
    mapping: Mapping | None = None,
) -> ImportReport:
    """As :func:`import_contacts`, for CSV already in memory as text (the demo's, say)."""
    _campaign(session, campaign_id)
    rows, report = parse_contacts(text, source, mapping)
    return _store(session, campaign_id, rows, report, skip_invalid)


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ContactsFileError(f"no campaign with id {campaign_id}")
    if campaign.status == "closed":
        raise ContactsFileError(f"campaign {campaign_id} is closed; it takes no more contacts")
    return campaign


def _store(
    session: Session,
    campaign_id: int,
    rows: list[ContactRow],
    report: ImportReport,
    skip_invalid: bool,
) -> ImportReport:
    added, updated = _plan(session, campaign_id, rows, report)
    report.problems.sort()
    if report.problems and not skip_invalid:
        return report
    if added and session.get_bind().dialect.name == "postgresql":
        _copy(session, campaign_id, added)
    else:
        for start in range(0, len(added), CHUNK):
            session.execute(
                insert(Contact),
                [_values(campaign_id, row) for row in added[start : start + CHUNK]],
            )
    for start in range(0, len(updated), CHUNK):
        session.execute(
            update(Contact),
            [_changes(contact_id, row) for contact_id, row in updated[start : start + CHUNK]],
        )
    report.added, report.updated = len(added), len(updated)
    return report


def _values(campaign_id: int, row: ContactRow) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "phone": row.phone,
        "ward": row.ward,
        "external_id": row.external_id,
        "attributes": row.attributes,
        "state": "available",
        "attempts": 0,
    }


_COPY_COLUMNS = ("campaign_id", "first_name", "last_name", "phone", "ward", "external_id",
                 "attributes", "state", "attempts")  # fmt: skip


def _copy(session: Session, campaign_id: int, rows: list[ContactRow]) -> None:
    """New contacts through COPY on the session's own connection (same transaction),
    each row written as a tuple straight from the checked row (no dict per row)."""
    sql = f"COPY contacts ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
    driver = session.connection().connection.driver_connection
    assert driver is not None
    dumps = json.dumps
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            attributes = dumps(row.attributes) if row.attributes else "{}"
            write((campaign_id, row.first_name, row.last_name, row.phone, row.ward,
                   row.external_id, attributes, "available", 0))  # fmt: skip


def _changes(contact_id: int, row: ContactRow) -> dict[str, Any]:
    return {
        "id": contact_id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "phone": row.phone,
        "ward": row.ward,
        "external_id": row.external_id,
        "attributes": row.attributes,
    }


def _suppressed(session: Session, campaign_id: int) -> dict[str, str]:
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
    return suppressed


def _plan(
    session: Session, campaign_id: int, rows: list[ContactRow], report: ImportReport
) -> tuple[list[ContactRow], list[tuple[int, ContactRow]]]:
    """(rows to add, (contact id, row) to update); problems go to the report.

    One query for the campaign's contacts and one for its suppressions.
    """
    by_external: dict[str, int] = {}
    by_person: dict[tuple[str, str, str], tuple[int, str | None]] = {}
    for cid, first, last, phone, external in session.execute(
        select(
            Contact.id, Contact.first_name, Contact.last_name, Contact.phone, Contact.external_id
        ).where(Contact.campaign_id == campaign_id)
    ):
        if external is not None:
            by_external[external] = cid
        by_person.setdefault((first.casefold(), last.casefold(), phone), (cid, external))
    suppressed = _suppressed(session, campaign_id)
    added: list[ContactRow] = []
    updated: list[tuple[int, ContactRow]] = []
    claimed: set[int] = set()
    for row in rows:
        if row.phone in suppressed:
            report.problem(row.line, suppressed[row.phone], row.cells)
            continue
        person = (row.first_name.casefold(), row.last_name.casefold(), row.phone)
        target: int | None = None
        if row.external_id is not None:
            target = by_external.get(row.external_id)
            if target is None and person in by_person and by_person[person][1] is None:
                target = by_person[person][0]  # imported before without its id
        elif person in by_person:
            report.problem(row.line, "contact is already in this campaign", row.cells)
            continue
        if target is None:
            added.append(row)
        elif target in claimed:
            report.problem(row.line, "another row of this file updates the same contact",
                           row.cells)  # fmt: skip
        else:
            claimed.add(target)
            updated.append((target, row))
    return added, updated


__all__ = ["CHUNK", "Preview", "import_contacts", "import_contacts_text", "preview", "validate"]
