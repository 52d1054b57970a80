"""Refused results with their context: names while held, owner and campaign, the CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from caller_app.domain.attention import CSV_HEADER, write_attention_csv
from caller_app.domain.models import Account, Campaign, Contact, Rejection, ResultDraft
from caller_app.store import Store

NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")
CAMPAIGN = Campaign(
    7, "Riverside North", "Riverside North", "Priya Hartley", "Europe/London",
    "09:00-21:00", True, None, 15, 10, 3, 45,
)  # fmt: skip


def contact(i: int, batch_id: int = 1, campaign_id: int = 7, first: str = "Niamh") -> Contact:
    return Contact(i, batch_id, campaign_id, first, "Nolan", f"+4411349600{i:02d}", "Ward 1", 1)


def refuse(store: Store, c: Contact, outcome: str, message: str, notes: str = "") -> str:
    result = store.record(
        ResultDraft(c.id, c.batch_id, c.campaign_id, outcome, NOW, 30, notes=notes)
    )
    store.claim_for_upload()
    store.mark_rejected([Rejection(result.id, "invalid_answers", message)])
    return result.id


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "app.sqlite3")
    s.save_account(ACCOUNT)
    s.save_campaigns([CAMPAIGN, dataclasses.replace(CAMPAIGN, id=8, name="Hillside")])
    s.add_batch(1, 7, NOW + dt.timedelta(hours=1), [contact(1), contact(2, first="Owen")])
    s.add_batch(2, 8, NOW + dt.timedelta(hours=1), [contact(3, batch_id=2, campaign_id=8)])
    yield s
    s.close()


def test_entries_carry_name_campaign_and_owner_until_contacts_go(store: Store) -> None:
    long_reason = "The question “support” is no longer in the script. " * 4
    a = refuse(store, contact(1), "answered", long_reason)
    b = refuse(store, contact(3, batch_id=2, campaign_id=8), "not_home", "Closed.")
    entries = {e.result_id: e for e in store.attention_entries()}
    assert entries[a].contact_name == "Niamh Nolan"
    assert entries[a].message == long_reason  # whole, never cut
    assert (entries[a].campaign_id, entries[a].campaign_name) == (7, "Riverside North")
    assert (entries[b].campaign_id, entries[b].campaign_name) == (8, "Hillside")
    assert {(e.server_url, e.username) for e in entries.values()} == {
        ("https://bank.example.org", "priya")
    }

    store.release_batch(1)  # handed back: the contact rows are wiped
    entries = {e.result_id: e for e in store.attention_entries()}
    assert entries[a].contact_name is None
    assert entries[b].contact_name == "Niamh Nolan"  # batch 2 still held

    store.wipe_account_data()  # signed out: no name survives anywhere
    entries = {e.result_id: e for e in store.attention_entries()}
    assert set(entries) == {a, b}  # the results themselves are kept
    assert all(e.contact_name is None and e.campaign_name is None for e in entries.values())


def test_csv_copy_reads_back_and_guards_formulas(store: Store, tmp_path: Path) -> None:
    refuse(store, contact(1), "answered", "=HYPERLINK(bad)", notes="+44 asked for a leaflet")
    refuse(store, contact(2, first="Owen"), "busy", "Unknown question.")
    store.release_batch(1)
    entries = store.attention_entries()
    path = tmp_path / "copy.csv"
    count = write_attention_csv(
        path, entries, {"answered": "Spoke to them"}, name_removed="(name removed)"
    )
    assert count == 2
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CSV_HEADER
    assert [r["contact_name"] for r in rows] == ["(name removed)", "(name removed)"]
    assert rows[0]["reason"] == "'=HYPERLINK(bad)"
    assert rows[0]["notes"] == "'+44 asked for a leaflet"
    assert rows[0]["outcome"] == "Spoke to them"
    assert rows[1]["outcome"] == "busy"  # no label known: the code
    assert rows[1]["reason"] == "Unknown question."
    assert rows[0]["contact_id"] == "1"
    assert rows[0]["campaign"] == "Riverside North"
