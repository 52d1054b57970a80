"""Import an opt-out list into the suppression list: one campaign's, or every campaign's.

The phone column is guessed from the header as for contacts ("Phone Number", "Tel",
"Mobile"...); a file of bare numbers with no header, or with a single column, works
too. Numbers are normalised to E.164 like contacts, so they match. Suppressions that
exist already are kept as they are (their reason and the result that caused them).
The report names line numbers and reasons, never the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caller_server.contacts_import import (
    ContactsFileError,
    ImportReport,
    decode,
    guess_mapping,
    normalise_phone,
    read_table,
)
from caller_server.models import Campaign, Suppression

CHUNK = 5000
REASON = "opt_out"


@dataclass
class SuppressReport(ImportReport):
    already: int = 0  # numbers suppressed before (or twice in the file)

    @property
    def imported(self) -> int:
        return self.added + self.already

    def summary(self) -> str:
        return (
            f"suppressed {self.added} numbers, {self.already} already suppressed, "
            f"skipped {self.skipped}"
        )


def _phone_column(header: list[str]) -> int | None:
    """Index of the phone column, or None when the 'header' is itself a number."""
    if len(header) == 1 or normalise_phone(header[0]) is not None:
        return None if normalise_phone(header[0]) is not None else 0
    mapping = guess_mapping(header)
    found = mapping.header_for("phone") or mapping.header_for("phone_fallback")
    if found is None:
        raise ContactsFileError(
            "no phone column: name it 'phone' (or 'Phone Number', 'Tel', 'Mobile')"
        )
    return header.index(found)


def suppress_import(
    session: Session,
    data: bytes,
    campaign_id: int | None = None,
    reason: str = REASON,
    source: str = "opt-out file",
) -> SuppressReport:
    """Add every valid number of the file to the suppression list (the caller commits).

    `campaign_id` None suppresses the numbers for every campaign (do not call).
    Bad rows are reported and skipped; the good ones are always added.
    """
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise ContactsFileError(f"no campaign with id {campaign_id}")
    header, records = read_table(decode(data, source), source)
    column = _phone_column(header)
    report = SuppressReport(headers=header)
    if column is None:  # no header: the first line is a number too
        column = 0
        records = _with_first(header, records)
    scope = (
        Suppression.campaign_id.is_(None)
        if campaign_id is None
        else Suppression.campaign_id == campaign_id
    )
    known = set(session.scalars(select(Suppression.phone).where(scope)))
    new: list[str] = []
    for line, record in records:
        report.rows += 1
        cell = record[column].strip() if column < len(record) else ""
        if not cell:
            report.problem(line, "missing phone", record)
            continue
        phone = normalise_phone(cell)
        if phone is None:
            report.problem(line, "phone is not a valid number", record)
            continue
        if phone in known:
            report.already += 1
            continue
        known.add(phone)
        new.append(phone)
    for start in range(0, len(new), CHUNK):
        session.execute(
            insert(Suppression),
            [
                {"phone": p, "campaign_id": campaign_id, "reason": reason}
                for p in new[start : start + CHUNK]
            ],
        )
    report.added = len(new)
    report.problems.sort()
    return report


def _with_first(first: list[str], records):  # type: ignore[no-untyped-def]
    yield 1, first
    yield from records


__all__ = ["SuppressReport", "suppress_import"]
