"""What callers of the best tools expect (issue 12), on the caller screen.

The card's local time, attributes and earlier attempts; Skip; a break; the practice
banner. A real store and core without a server (`LocalCore`: choosing a campaign only
opens a session); the end-to-end tests with a real server are in test_e2e_extras.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut

from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.contract import SKIPS_PER_HOUR
from caller_app.domain.models import Account, Attempt, Campaign, Contact, Script
from caller_app.store import Store
from caller_app.ui.caller_screen import CallerScreen
from caller_app.ui.viewmodels import CallerViewModel

ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")
CTRL = Qt.KeyboardModifier.ControlModifier
EARLIER = (
    Attempt("busy", "Busy / engaged", dt.datetime(2026, 11, 24, 18, 5, tzinfo=dt.UTC), "Engaged"),
    Attempt("not_home", "Not home", dt.datetime(2026, 11, 20, 19, 30, tzinfo=dt.UTC)),
)


class LocalCore(CallerCore):
    def choose_campaign(self, campaign_id: int) -> None:
        self.campaign_id = campaign_id
        self.session_id = self.store.start_session(campaign_id)


def people(n: int) -> list[Contact]:
    return [
        Contact(
            i,
            1,
            1,
            f"Ann{i}",
            "Example",
            f"+4420794601{i:02d}",
            "Gasworks",
            3 if i == 1 else 1,
            previous_notes=("Engaged",) if i == 1 else (),
            attributes={"age_band": "30-45", "polling_district": "GA1", "secret": "x"},
            previous_attempts=EARLIER if i == 1 else (),
        )
        for i in range(1, n + 1)
    ]


@pytest.fixture
def always(campaign: Campaign) -> Campaign:
    return dataclasses.replace(campaign, calling_hours="00:00-24:00")


def make_screen(
    qtbot, tmp_path: Path, campaign: Campaign, script: Script, n: int = 3, practice: bool = False
) -> tuple[CallerScreen, LocalCore]:
    store = Store(tmp_path / "app.sqlite3")
    store.save_account(ACCOUNT)
    store.save_campaigns([campaign])
    shown = dataclasses.replace(script, show_attributes=("polling_district", "age_band", "ward_x"))
    store.save_script(shown, '"v1"')
    store.add_batch(1, campaign.id, dt.datetime.now(dt.UTC) + dt.timedelta(hours=12), people(n))
    core = LocalCore(store, Credentials(), watch_network=False)
    core.choose_campaign(campaign.id)
    model = CallerViewModel(core, campaign)
    model.practice = practice
    screen = CallerScreen(model)
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()  # shortcuts reach the active window only
    qtbot.waitUntil(screen.isActiveWindow)
    return screen, core


def test_the_card_shows_local_time_attributes_and_earlier_attempts(
    qtbot, tmp_path, always, script
) -> None:
    screen, core = make_screen(qtbot, tmp_path, always, script)
    extras = screen.card.extras
    now = dt.datetime.now(ZoneInfo("Europe/London"))
    minutes = {(now + dt.timedelta(minutes=d)).strftime("%H:%M") for d in (0, 1)}
    text = extras.local_time.text()
    assert text.startswith("Their local time: ")
    assert text.endswith("(London)")
    assert any(m in text for m in minutes)
    # the campaign's attributes, in its order, with readable labels; unlisted ones hidden
    assert extras.attribute_rows() == [("Polling district:", "GA1"), ("Age band:", "30-45")]
    assert extras.attributes.isVisible()
    # earlier attempts: newest first, label, date on the campaign's clock, note
    assert extras.attempts.isVisible()
    lines = extras.attempts.text().splitlines()
    assert lines == [
        "• Tue 24 Nov, 18:05 · Busy / engaged · “Engaged”",
        "• Fri 20 Nov, 19:30 · Not home",
    ]
    assert not screen.card.previous_notes.isVisible()  # the notes come with their attempt
    core.store.close()


def test_a_contact_without_earlier_attempts_shows_none(qtbot, tmp_path, always, script) -> None:
    screen, core = make_screen(qtbot, tmp_path, always, script)
    screen.form.outcomes.choose("not_home")
    screen.save()
    extras = screen.card.extras
    assert screen.card.contact is not None
    assert screen.card.contact.id == 2
    assert not extras.attempts.isVisible()
    assert not extras.attempts_heading.isVisible()
    core.store.close()


def test_skip_shows_the_next_contact_and_records_no_call(qtbot, tmp_path, always, script) -> None:
    screen, core = make_screen(qtbot, tmp_path, always, script)
    first = screen.card.contact
    assert first is not None
    qtbot.keyClick(screen.card.dial, Qt.Key.Key_K, CTRL)
    shown = screen.card.contact
    assert shown is not None
    assert shown.id == 2
    assert "Skipped Ann1 Example" in screen.message.text()
    assert [(s.batch_id, s.contact_id) for s in core.store.skips_to_send()] == [(1, 1)]
    assert core.store.results() == []
    stats = core.session_stats()
    assert stats is not None
    assert stats.calls == 0
    assert core.remaining() == 2
    # Undo does not bring a skipped contact back (nor reach past it)
    screen.undo()
    assert screen.card.contact is not None
    assert screen.card.contact.id == 2
    core.store.close()


def test_skips_stop_at_the_hourly_cap_with_a_sentence(qtbot, tmp_path, always, script) -> None:
    screen, core = make_screen(qtbot, tmp_path, always, script, n=SKIPS_PER_HOUR + 2)
    for _ in range(SKIPS_PER_HOUR):
        screen.extras.skip()
    stays = screen.card.contact
    assert stays is not None
    assert stays.id == SKIPS_PER_HOUR + 1
    screen.extras.skip()
    assert screen.card.contact == stays
    assert f"skipped {SKIPS_PER_HOUR} people in the last hour" in screen.message.text()
    assert len(core.store.skips_to_send()) == SKIPS_PER_HOUR
    core.store.close()


def test_a_break_pauses_the_timer_and_resume_returns_to_the_same_contact(
    qtbot, tmp_path, always, script
) -> None:
    screen, core = make_screen(qtbot, tmp_path, always, script)
    extras = screen.extras
    contact = screen.card.contact
    screen.timer.start()  # the call is under way (Dial starts it)
    qtbot.wait(1100)
    qtbot.keyClick(screen.card.dial, Qt.Key.Key_B, CTRL)
    assert extras.on_break
    assert extras.break_screen.isVisible()
    assert not screen.splitter.isVisible()
    assert "On a break — your contacts are kept for you" in extras.break_screen.title.text()
    assert screen.timer.paused
    before = screen.timer.seconds()
    assert before >= 1
    calling_keys = [s for s in screen.findChildren(QShortcut) if s not in extras._own_shortcuts]
    assert calling_keys
    assert not any(s.isEnabled() for s in calling_keys)
    qtbot.wait(1200)
    assert screen.timer.seconds() == before  # the break does not count
    qtbot.keyClick(extras.break_screen.resume, Qt.Key.Key_Return)
    assert not extras.on_break
    assert screen.splitter.isVisible()
    assert screen.card.contact == contact
    assert not screen.timer.paused
    assert all(s.isEnabled() for s in calling_keys)
    qtbot.wait(1100)
    assert screen.timer.seconds() >= before + 1
    assert screen.timer.seconds() < before + 3
    core.store.close()


def test_the_practice_banner_shows_only_in_practice_mode(qtbot, tmp_path, always, script) -> None:
    screen, core = make_screen(qtbot, tmp_path / "a", always, script, practice=True)
    banner = screen.extras.banner
    assert banner.isVisible()
    assert banner.text() == "Practice mode — no real calls, nothing is sent"
    assert banner.geometry().top() <= screen.splitter.geometry().top()
    core.store.close()
    (tmp_path / "b").mkdir()
    plain, core2 = make_screen(qtbot, tmp_path / "b", always, script)
    assert not plain.extras.banner.isVisible()
    core2.store.close()


def test_the_session_list_says_when_a_call_was_already_corrected(qtbot) -> None:
    from caller_app.domain.models import Result
    from caller_app.ui.session_list import SessionListDialog
    from caller_app.ui.session_log import SessionLog

    now = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
    log = SessionLog()
    a, b = people(2)
    log.recorded(Result("r-a", a.id, 1, 1, "not_home", now, 30, now), a)
    log.recorded(Result("r-b", b.id, 1, 1, "busy", now, 30, now, notes="Engaged"), b)
    log.recorded(Result("r-b2", b.id, 1, 1, "answered", now, 30, now, supersedes="r-b"), b)
    dialog = SessionListDialog()
    qtbot.addWidget(dialog)
    labels = {"not_home": "Not home", "busy": "Busy", "answered": "Spoke to them"}
    dialog.set_entries(log.entries(), labels, {"r-b2": "already_corrected"})
    assert dialog.summary.text() == "You have called 2 people this session."
    assert dialog.table.item(0, 2).text() == "Spoke to them (corrected) (not accepted)"
    assert not dialog.correct.isEnabled()
    assert "already corrected once" in dialog.why.text()
    dialog.select_row(1)
    assert dialog.table.item(1, 2).text() == "Not home"
    assert dialog.correct.isEnabled()
    assert dialog.why.text() == ""
    dialog.set_entries(log.entries()[1:], labels, {})
    assert dialog.summary.text() == "You have called 1 person this session."
