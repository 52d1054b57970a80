"""Results the server refused, as the volunteer and their organiser see them.

A refused result belongs to one server (and account) and one campaign: the screen
lists those of the campaign being called and says where the others belong. The
contact's name is looked up in the held batch; once contacts are handed back or the
volunteer signs out it is gone (privacy), and `contact_name` is None.

`write_attention_csv` writes the copy for the organiser: plain stdlib, no Qt.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# A spreadsheet runs a cell that starts with one of these as a formula (as
# caller_server/export.py guards the organiser's export).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_HEADER = (
    "contact_name",
    "contact_id",
    "batch_id",
    "campaign_id",
    "campaign",
    "outcome",
    "recorded_at",
    "reason",
    "reason_code",
    "notes",
    "server",
    "result_id",
)


@dataclass(frozen=True)
class AttentionEntry:
    """One refused result with what is needed to act on it."""

    result_id: str
    server_url: str  # the account's server (the results' owner)
    username: str  # the account that recorded it on that server
    campaign_id: int
    campaign_name: str | None  # None when the campaign is not cached here
    contact_id: int
    batch_id: int
    contact_name: str | None  # None once the contact data was wiped
    outcome: str  # the outcome code
    recorded_at: dt.datetime
    code: str
    message: str
    notes: str = ""


def split_owner(owner: str) -> tuple[str, str]:
    """(server URL, username) of a results owner key ("server_url|username")."""
    server, _, username = owner.partition("|")
    return server, username


def safe_cell(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_attention_csv(
    path: Path,
    entries: Iterable[AttentionEntry],
    outcome_labels: Mapping[str, str],
    *,
    name_removed: str = "",
) -> int:
    """Write the refused results to `path` (UTF-8 with a BOM, so Excel reads names
    right); returns how many rows. `name_removed` fills the name of a wiped contact."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        for e in entries:
            row = (
                e.contact_name if e.contact_name is not None else name_removed,
                str(e.contact_id),
                str(e.batch_id),
                str(e.campaign_id),
                e.campaign_name or "",
                outcome_labels.get(e.outcome, e.outcome),
                e.recorded_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                e.message,
                e.code,
                e.notes,
                e.server_url,
                e.result_id,
            )
            writer.writerow([safe_cell(cell) for cell in row])
            count += 1
    return count
