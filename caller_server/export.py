"""Export a campaign's results as CSV, one row per call, streamed.

A corrected call is one row: the current result of its chain (a result that another
result supersedes is left out), so the export counts what the tallies count. The
`late` and `outside_hours` columns flag results that came after their lease lapsed or
were recorded outside the campaign's calling hours; both are kept, never dropped.

Rows are fetched ``yield_per`` at a time (a server-side cursor on PostgreSQL), so a
campaign with millions of results never sits in memory; the HTTP endpoint can hand
:func:`iter_csv` straight to a streaming response.

Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``,
``@`` (or a tab or carriage return) as a formula, and names, notes and answers come
from volunteers and contact lists. Such cells get a leading ``'``, which spreadsheets
hide and treat as "this is text". The one exception is ``phone``: it is validated
E.164 on import (a ``+`` and digits only, so it cannot hold a formula) and kept as
is, so the file stays machine-readable and a phone column can be fed back into
``contacts import``. A spreadsheet may show it as a number without the ``+``; that is
a display matter, not a risk. A phone that is somehow not plain E.164 is escaped
like any other cell.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, aliased

from caller_server.db import make_engine
from caller_server.models import Campaign, Contact, Result, Volunteer
from caller_server.timeutil import iso_z

HEADER = (
    "result_id", "campaign_id", "contact_id", "first_name", "last_name", "phone", "ward",
    "outcome", "answers", "notes", "volunteer", "started_at", "duration_s", "callback_at",
    "recorded_at", "received_at", "late", "outside_hours",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"^\+[1-9]\d{5,14}$")
YIELD_PER = 1000


class ExportError(ValueError):
    """The export cannot start (unknown campaign)."""


def reader_engine(url: str) -> Engine:
    """An engine whose SQLite reads don't take the write lock (see `db.make_engine`)."""
    return make_engine(url, reader=True)


def safe_cell(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def iter_rows(session: Session, campaign_id: int) -> Iterator[list[str]]:
    """The header, then one list of cells per current result, oldest received first."""
    if session.get(Campaign, campaign_id) is None:
        raise ExportError(f"no campaign with id {campaign_id}")
    yield list(HEADER)
    newer = aliased(Result)
    query = (
        select(
            Result,
            Contact.first_name,
            Contact.last_name,
            Contact.phone,
            Contact.ward,
            Volunteer.username,
        )
        .join(Contact, Contact.id == Result.contact_id)
        .join(Volunteer, Volunteer.id == Result.volunteer_id)
        .where(
            Result.campaign_id == campaign_id,
            ~select(newer.id).where(newer.supersedes == Result.id).exists(),
        )
        .order_by(Result.received_at, Result.id)
        .execution_options(yield_per=YIELD_PER)
    )
    for result, first, last, phone, ward, username in session.execute(query):
        yield _row(result, first, last, phone, ward, username)
        session.expunge(result)  # keep the identity map from growing with the export


def _row(result: Result, first: str, last: str, phone: str, ward: str, username: str) -> list[str]:
    return [
        result.id,
        str(result.campaign_id),
        str(result.contact_id),
        safe_cell(first),
        safe_cell(last),
        phone if _E164.match(phone) else safe_cell(phone),
        safe_cell(ward),
        safe_cell(result.outcome),
        safe_cell(_json(result.answers)),
        safe_cell(result.notes),
        safe_cell(username),
        iso_z(result.started_at) or "",
        str(result.duration_s),
        iso_z(result.callback_at) or "",
        iso_z(result.recorded_at) or "",
        iso_z(result.received_at) or "",
        "true" if result.late else "false",
        "true" if result.outside_hours else "false",
    ]


def _json(value: Any) -> str:
    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def iter_csv(session: Session, campaign_id: int) -> Iterator[str]:
    """The export as chunks of CSV text (RFC 4180, CRLF), for a streaming response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for n, row in enumerate(iter_rows(session, campaign_id)):
        writer.writerow(row)
        if n % 500 == 0 or buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def write_csv(session: Session, campaign_id: int, out: IO[str]) -> int:
    """Write the export to a text stream opened with ``newline=""``; results written."""
    writer = csv.writer(out)
    count = -1  # the header is not a result
    for row in iter_rows(session, campaign_id):
        writer.writerow(row)
        count += 1
    return count
