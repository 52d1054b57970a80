"""Honest out-of-contacts states (issue 12): the screen clears and says which case it is.

"Everyone has been called" only when nobody waits for a retry; otherwise how many wait
and when the first comes back, or that calling hours end first; the zone is named.
The app's real core, store and sync engine run against `FakeApi`, the fake server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.models import Account, Campaign, Contact, Lease, RetryWait, Script
from caller_app.store import Store
from caller_app.ui.caller_screen import CallerScreen
from caller_app.ui.viewmodels import CallerViewModel
from tests.support.clock import MovableClock
from tests.support.e2e import press, type_text
from tests.support.fakeapi import LEASE_S, FakeApi

UTC = dt.UTC
K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")
EVENING = dt.datetime(2026, 11, 26, 19, 30, tzinfo=UTC)  # 19:30 in London (GMT)


class WaitingServer(FakeApi):
    """The fake server, answering `empty` once the queued batches are handed out."""

    def __init__(self, clock: MovableClock, empty: Lease) -> None:
        super().__init__(clock)
        self.empty = empty

    def lease(self, campaign_id: int, size: int, request_id: str) -> Lease:
        if self.leases:
            return super().lease(campaign_id, size, request_id)
        self._enter("lease", size)
        return self.empty


def empty_lease(retry: RetryWait | None = None) -> Lease:
    return Lease(None, 1, None, (), "no_contacts", next_retry=retry)


def one_contact() -> Lease:
    contact = Contact(7, 5, 1, "Niamh", "Nolan", "+441134960001", "Gasworks", 1, ("Was out",))
    return Lease(5, 1, None, (contact,), lease_expires_in_s=LEASE_S)


@pytest.fixture
def start_screen(qtbot, tmp_path: Path, campaign: Campaign, script: Script):
    cores: list[CallerCore] = []

    def start(
        empty: Lease, *, batches: tuple[Lease, ...] = (), now: dt.datetime = EVENING, **changes
    ) -> CallerScreen:
        clock = MovableClock(now, frozen=True)
        the_campaign = dataclasses.replace(campaign, **changes)
        store = Store(tmp_path / f"app{len(cores)}.sqlite3", clock=clock)
        store.save_account(ACCOUNT)
        store.save_campaigns([the_campaign])
        store.save_script(script, "v1")
        credentials = Credentials()
        credentials.set(ACCOUNT.server_url, ACCOUNT.username, "t0ken")
        server = WaitingServer(clock, empty)
        server.leases = list(batches)
        core = CallerCore(store, credentials, api_factory=lambda _url: server, watch_network=False)
        cores.append(core)
        assert core.resume() == ACCOUNT
        core.choose_campaign(the_campaign.id)
        screen = CallerScreen(CallerViewModel(core, the_campaign))
        qtbot.addWidget(screen)
        with qtbot.waitActive(screen):
            screen.show()
            screen.activateWindow()
        return screen

    yield start
    for core in cores:
        core.shutdown()


def test_when_contacts_run_out_nothing_of_the_last_one_stays(qtbot, start_screen):
    retry = RetryWait(EVENING + dt.timedelta(minutes=12), 2)
    screen = start_screen(empty_lease(retry), batches=(one_contact(),))
    qtbot.waitUntil(lambda: screen.card.contact is not None, timeout=10000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.card.dial)
    assert "Niamh" in screen.script.script_view.toPlainText()
    press(qtbot, K.Key_1)  # reached: the survey shows
    screen.form.notes.setFocus()
    type_text(qtbot, "Wants a leaflet")
    press(qtbot, K.Key_Return, CTRL)

    assert screen.card.contact is None
    assert screen.contact_stack.currentWidget() is screen.empty
    assert screen.card.name.text() == ""
    assert screen.card.phone.text() == ""
    assert screen.card.previous_notes.text() == ""
    assert screen.script.script_view.toPlainText().strip() == ""
    assert screen.form.selected() is None
    assert not any(b.isChecked() for b in screen.form.outcomes.buttons)
    assert screen.form.survey_area.isHidden()
    assert screen.form.notes.toPlainText() == ""
    assert not screen.form.isEnabled()
    assert screen.card.timer_label.text() == "0:00"
    qtbot.waitUntil(lambda: "wait for a retry" in screen.empty.text(), timeout=10000)


@pytest.mark.parametrize(
    ("empty", "changes", "sentence"),
    [
        (
            empty_lease(),
            {},
            "No more contacts for now: everyone on the list has been called. Thank you!",
        ),
        (
            empty_lease(RetryWait(EVENING + dt.timedelta(minutes=12), 2)),
            {},
            "Everyone has been called for now. 2 contacts wait for a retry; the first comes "
            "back at 19:42 London time.",
        ),
        (
            empty_lease(RetryWait(EVENING + dt.timedelta(minutes=12), 1)),
            {},
            "Everyone has been called for now. 1 contact comes back for a retry at 19:42 "
            "London time.",
        ),
        (
            empty_lease(RetryWait(dt.datetime(2026, 11, 27, 9, 0, tzinfo=UTC), 3)),
            {},
            "Everyone has been called for tonight: calling hours end at 21:00 London time. "
            "3 contacts wait for a retry; the first comes back tomorrow at 09:00 London time.",
        ),
        (
            empty_lease(),
            {"calling_hours": "09:00-19:00"},
            "Outside calling hours. Calling opens tomorrow at 09:00 London time.",
        ),
        (
            empty_lease(RetryWait(dt.datetime(2026, 11, 27, 0, 42, tzinfo=UTC), 2)),
            {"timezone": "America/New_York"},  # 14:30 there
            "Everyone has been called for now. 2 contacts wait for a retry; the first comes "
            "back at 19:42 New York time.",
        ),
    ],
    ids=["all-called", "retries", "one-retry", "hours-end-first", "closed", "other-zone"],
)
def test_the_empty_screen_says_which_case_it_is(
    qtbot, start_screen, empty: Lease, changes: dict, sentence: str
):
    screen = start_screen(empty, **changes)
    qtbot.waitUntil(lambda: screen.empty.text() == sentence, timeout=10000)
    assert screen.contact_stack.currentWidget() is screen.empty
    assert not screen.form.isEnabled()
