"""Earlier attempts are kept with their contact and wiped with it; skips too (issue 12)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from caller_app.domain.models import Account, Attempt, Contact
from caller_app.store import Store
from caller_app.store.schema import ContactRow, SkipRow

NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
ATTEMPTS = (
    Attempt("busy", "Busy / engaged", NOW - dt.timedelta(days=1), "Engaged twice"),
    Attempt("not_home", "Not home", NOW - dt.timedelta(days=3)),
)


def test_earlier_attempts_are_stored_with_the_contact_and_wiped_with_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "app.sqlite3", clock=lambda: NOW)
    try:
        store.save_account(Account("https://bank.example.org", "priya", 3, "Priya Shah"))
        contact = Contact(
            11, 1, 7, "Zelda", "Quimby", "+442079460100", "W", 3, previous_attempts=ATTEMPTS
        )
        other = Contact(12, 1, 7, "Yusuf", "Quimby", "+442079460101", "W", 1)
        store.add_batch(1, 7, NOW + dt.timedelta(hours=1), [contact, other])
        got = store.next_contact(7)
        assert got is not None
        assert got.previous_attempts == ATTEMPTS
        assert store.skip(1, 11) is not None
        store.wipe_account_data()
        with store._read() as s:
            assert s.scalar(select(func.count()).select_from(ContactRow)) == 0
            assert s.scalar(select(func.count()).select_from(SkipRow)) == 0
    finally:
        store.close()
