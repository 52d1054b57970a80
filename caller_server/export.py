"""Export a campaign's results as CSV, streamed: one row per call, or per contact.

Per call (the default): one row per current result (a result another result
supersedes is left out, so the export counts what the tallies count); with
``all_versions`` the superseded rows too, each naming its ``superseded_by``. Each row
carries the contact's external id and imported attributes (one column each), so the
file joins back to the voter file, one column per survey question headed by its
text, the outcome's code and label, the volunteer's display name, and times in the
campaign's time zone (ISO 8601 with its offset, whole seconds). The `late` and
`outside_hours` columns flag results that came after their lease lapsed or were
recorded outside calling hours; both are kept, never dropped.

Per contact (``per_contact``): one row per contact with its state, attempts, number
of calls and latest current result.

Rows are fetched ``yield_per`` at a time (a server-side cursor on PostgreSQL), so a
campaign with millions of results never sits in memory; the HTTP endpoint can hand
:func:`iter_csv` straight to a streaming response. ``excel`` starts the file with a
UTF-8 BOM, which Excel needs to read it as UTF-8.

Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``,
``@`` (or a tab or carriage return) as a formula, and names, notes and answers come
from volunteers and contact lists. Such cells get a leading ``'``, which spreadsheets
hide and treat as "this is text". The one exception is ``phone``: it is validated
E.164 on import (a ``+`` and digits only, so it cannot hold a formula) and kept as
is, so the file stays machine-readable and a phone column can be fed back into
``contacts import``. A phone that is somehow not plain E.164 is escaped like any
other cell. Times with a negative offset start with a digit, never a ``-``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import Session, aliased

from caller_server.db import make_engine
from caller_server.models import Campaign, Contact, Result, Volunteer
from caller_server.outcomes import campaign_outcomes
from caller_server.timeutil import as_utc

CONTACT_COLUMNS = ("contact_id", "external_id", "first_name", "last_name", "phone", "ward")
CALL_COLUMNS = (
    "outcome", "outcome_label", "notes", "volunteer", "started_at", "duration_s",
    "callback_at", "recorded_at", "received_at", "late", "outside_hours", "double_call",
)  # fmt: skip
# The fixed columns of a per-call file; attribute and question columns go between.
HEADER = ("result_id", *CONTACT_COLUMNS)
PER_CONTACT_COLUMNS = ("state", "attempts", "calls", "last_result_id")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"^\+[1-9]\d{5,14}$")
YIELD_PER = 1000
BOM = "\ufeff"


class ExportError(ValueError):
    """The export cannot start (unknown campaign)."""


@dataclass(frozen=True)
class ExportOptions:
    per_contact: bool = False
    all_versions: bool = False  # per call only: superseded rows too
    excel: bool = False  # a UTF-8 BOM first


def reader_engine(url: str) -> Engine:
    """An engine whose SQLite reads don't take the write lock (see `db.make_engine`)."""
    return make_engine(url, reader=True)


def safe_cell(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(_FORMULA_START) else value


class _Layout:
    """The campaign's columns: attributes seen on its contacts, questions of its script."""

    def __init__(self, session: Session, campaign: Campaign) -> None:
        self.zone = ZoneInfo(campaign.timezone)
        script = campaign.script or {}
        self.labels = {o.code: o.label for o in campaign_outcomes(script)}
        self.questions = [q["key"] for q in script.get("questions") or []]
        self.attributes: list[str] = []
        seen: set[str] = set()
        query = (
            select(Contact.attributes)
            .where(Contact.campaign_id == campaign.id)
            .order_by(Contact.id)
            .execution_options(yield_per=YIELD_PER)
        )
        for (attributes,) in session.execute(query):
            for key in attributes or {}:
                if key not in seen:
                    seen.add(key)
                    self.attributes.append(str(key))
        fixed = set(HEADER) | set(CALL_COLUMNS) | set(PER_CONTACT_COLUMNS) | {"superseded_by"}
        self.attribute_heads = [f"attribute_{k}" if k in fixed else k for k in self.attributes]
        taken = fixed | set(self.attribute_heads)
        self.question_heads = []
        for q in script.get("questions") or []:
            head = str(q.get("text") or q["key"])
            if head in taken:
                head = f"{head} ({q['key']})"
            taken.add(head)
            self.question_heads.append(head)

    def time(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        return as_utc(value).astimezone(self.zone).replace(microsecond=0).isoformat()

    def contact_cells(self, contact: Contact) -> list[str]:
        attributes = contact.attributes or {}
        return [
            str(contact.id),
            safe_cell(contact.external_id or ""),
            safe_cell(contact.first_name),
            safe_cell(contact.last_name),
            contact.phone if _E164.match(contact.phone) else safe_cell(contact.phone),
            safe_cell(contact.ward or ""),
            *(safe_cell(str(attributes.get(k, ""))) for k in self.attributes),
        ]

    def result_cells(self, result: Result | None, volunteer: str | None) -> list[str]:
        if result is None:
            return [""] * (len(self.questions) + len(CALL_COLUMNS))
        answers = result.answers or {}
        return [
            *(safe_cell(_answer(answers.get(k))) for k in self.questions),
            safe_cell(result.outcome),
            safe_cell(self.labels.get(result.outcome, result.outcome)),
            safe_cell(result.notes or ""),
            safe_cell(volunteer or ""),
            self.time(result.started_at),
            str(result.duration_s),
            self.time(result.callback_at),
            self.time(result.recorded_at),
            self.time(result.received_at),
            _flag(result.late),
            _flag(result.outside_hours),
            _flag(result.double_call),
        ]


def _answer(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _flag(value: bool | None) -> str:
    return "true" if value else "false"


def iter_rows(
    session: Session, campaign_id: int, options: ExportOptions | None = None
) -> Iterator[list[str]]:
    """The header, then one list of cells per result (or per contact)."""
    options = options or ExportOptions()
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ExportError(f"no campaign with id {campaign_id}")
    layout = _Layout(session, campaign)
    if options.per_contact:
        yield from _per_contact(session, campaign_id, layout)
    else:
        yield from _per_call(session, campaign_id, layout, options.all_versions)


def _current() -> Any:
    """Result is not superseded by another, nor voided by an organiser."""
    newer = aliased(Result)
    return and_(
        Result.voided_at.is_(None),
        ~select(newer.id).where(newer.supersedes == Result.id).exists(),
    )


def _per_call(
    session: Session, campaign_id: int, layout: _Layout, all_versions: bool
) -> Iterator[list[str]]:
    tail = ["superseded_by"] if all_versions else []
    yield [*HEADER, *layout.attribute_heads, *layout.question_heads, *CALL_COLUMNS, *tail]
    newer = aliased(Result)
    query = (
        select(Result, Contact, Volunteer.name, newer.id)
        .join(Contact, Contact.id == Result.contact_id)
        .join(Volunteer, Volunteer.id == Result.volunteer_id)
        .outerjoin(newer, newer.supersedes == Result.id)
        # A voided result (the console's abuse remedy) is in no export, any version.
        .where(Result.campaign_id == campaign_id, Result.voided_at.is_(None))
        .order_by(Result.received_at, Result.id)
        .execution_options(yield_per=YIELD_PER)
    )
    if not all_versions:
        query = query.where(newer.id.is_(None))
    for result, contact, volunteer, superseded_by in session.execute(query):
        row = [result.id, *layout.contact_cells(contact), *layout.result_cells(result, volunteer)]
        if all_versions:
            row.append(superseded_by or "")
        yield row
        _forget(session, result, contact)  # keep the identity map from growing


def _forget(session: Session, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and obj in session:
            session.expunge(obj)


def _per_contact(session: Session, campaign_id: int, layout: _Layout) -> Iterator[list[str]]:
    yield [
        *CONTACT_COLUMNS, *layout.attribute_heads, *PER_CONTACT_COLUMNS,
        *layout.question_heads, *CALL_COLUMNS,
    ]  # fmt: skip
    current = and_(Result.campaign_id == campaign_id, _current())
    rank = (
        func.row_number()
        .over(
            partition_by=Result.contact_id,
            order_by=(Result.received_at.desc(), Result.id.desc()),
        )
        .label("rank")
    )
    ranked = select(Result, rank).where(current).subquery()
    latest = aliased(Result, ranked)
    calls = (
        select(Result.contact_id, func.count().label("n"))
        .where(current)
        .group_by(Result.contact_id)
        .subquery()
    )
    query = (
        select(Contact, latest, Volunteer.name, calls.c.n)
        .outerjoin(latest, and_(latest.contact_id == Contact.id, ranked.c.rank == 1))
        .outerjoin(Volunteer, Volunteer.id == latest.volunteer_id)
        .outerjoin(calls, calls.c.contact_id == Contact.id)
        .where(Contact.campaign_id == campaign_id)
        .order_by(Contact.id)
        .execution_options(yield_per=YIELD_PER)
    )
    for contact, result, volunteer, n in session.execute(query):
        yield [
            *layout.contact_cells(contact),
            contact.state,
            str(contact.attempts),
            str(n or 0),
            result.id if result is not None else "",
            *layout.result_cells(result, volunteer),
        ]
        _forget(session, result, contact)


def iter_csv(
    session: Session, campaign_id: int, options: ExportOptions | None = None
) -> Iterator[str]:
    """The export as chunks of CSV text (RFC 4180, CRLF), for a streaming response."""
    options = options or ExportOptions()
    buffer = io.StringIO()
    if options.excel:
        buffer.write(BOM)
    writer = csv.writer(buffer)
    for n, row in enumerate(iter_rows(session, campaign_id, options)):
        writer.writerow(row)
        if n % 500 == 0 or buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def write_csv(
    session: Session, campaign_id: int, out: IO[str], options: ExportOptions | None = None
) -> int:
    """Write the export to a text stream opened with ``newline=""``; rows written."""
    options = options or ExportOptions()
    if options.excel:
        out.write(BOM)
    writer = csv.writer(out)
    count = -1  # the header is not a row
    for row in iter_rows(session, campaign_id, options):
        writer.writerow(row)
        count += 1
    return count


__all__ = [
    "HEADER",
    "ExportError",
    "ExportOptions",
    "iter_csv",
    "iter_rows",
    "reader_engine",
    "safe_cell",
    "write_csv",
]
