"""CallerViewModel on a real store, without a server: corrections, calling hours, retry.

`LocalCore` is the app's CallerCore minus the sync engine (choosing a campaign only
opens a session), with a clock the test sets; "uploading" is the store's own claim.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.models import Account, Campaign, Contact
from caller_app.store import Store
from caller_app.ui.viewmodels import HOURS_RECHECK_MS, CallerViewModel

UTC = dt.UTC
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class LocalCore(CallerCore):
    def choose_campaign(self, campaign_id: int) -> None:
        self.campaign_id = campaign_id
        self.session_id = self.store.start_session(campaign_id)


def contacts(n: int) -> list[Contact]:
    return [
        Contact(i, 1, 1, f"Ann{i}", "Example", f"+4420794601{i:02d}", "Gasworks", 1)
        for i in range(1, n + 1)
    ]


def make_model(
    tmp_path: Path, campaign: Campaign, now: dt.datetime, n: int = 3
) -> tuple[CallerViewModel, LocalCore, Clock]:
    clock = Clock(now)
    store = Store(tmp_path / "app.sqlite3", clock=clock)
    store.save_account(ACCOUNT)
    store.save_campaigns([campaign])
    store.add_batch(1, campaign.id, now + dt.timedelta(hours=12), contacts(n))
    core = LocalCore(store, Credentials(), watch_network=False)
    core.choose_campaign(campaign.id)  # the launcher's job, not the view model's
    return CallerViewModel(core, campaign), core, clock


@pytest.fixture
def always(campaign: Campaign) -> Campaign:
    return dataclasses.replace(campaign, calling_hours="00:00-24:00")


def save(model: CallerViewModel, outcome: str = "not_home"):
    contact = model.contact
    assert contact is not None
    return model.record(
        contact,
        outcome,
        answers={},
        notes="",
        callback_at=None,
        started_at=model.core.clock() - dt.timedelta(minutes=1),
        duration_s=60,
    )


NOON = dt.datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 12:00 in London (GMT)


# --- A: undoing a correction ---------------------------------------------------------
def test_undoing_an_unsent_correction_goes_back_to_correcting(qtbot, tmp_path, always):
    model, core, _ = make_model(tmp_path, always, NOON)
    notices: list[str] = []
    model.notice.connect(notices.append)
    a = save(model, "not_home")
    core.store.claim_for_upload()  # A is on its way: frozen
    model.undo()
    assert model._correcting is not None
    assert model._correcting.id == a.id
    b = save(model, "busy")
    assert b.supersedes == a.id
    model.undo()  # B has not started uploading: it is simply deleted
    assert core.store.result(b.id) is None
    assert model.contact is not None
    assert model.contact.id == a.contact_id
    assert model._correcting is not None
    assert model._correcting.id == a.id
    assert "Correction undone" in notices[-1]
    assert core.remaining() == 2  # the contact stays worked: A still counts
    c = save(model, "answered")
    assert c.supersedes == a.id  # not a second call for one contact
    assert notices[-1] == "Correction saved: Ann1 Example, answered"  # no script: the code
    assert [r.id for r in core.store.results()] == [a.id, c.id]


def test_a_second_correction_names_the_first_once_it_is_sent(qtbot, tmp_path, always):
    model, core, _ = make_model(tmp_path, always, NOON)
    a = save(model, "not_home")
    core.store.claim_for_upload()
    model.undo()
    b = save(model, "busy")
    core.store.claim_for_upload()  # B frozen too
    model.undo()
    assert model._correcting is not None
    assert model._correcting.id == b.id
    c = save(model, "answered")
    assert c.supersedes == b.id
    # even when asked to correct A (the start of the chain), the store names B's successor
    contact = core.store.contact(1, a.contact_id)
    assert contact is not None
    d = core.correct(a.id, dataclasses.replace(_draft_of(c), outcome="busy"))
    assert d.supersedes == c.id


def _draft_of(result):
    from caller_app.domain.models import ResultDraft

    return ResultDraft(
        result.contact_id,
        result.batch_id,
        result.campaign_id,
        result.outcome,
        result.started_at,
        result.duration_s,
    )


# --- B: calling hours ----------------------------------------------------------------
def test_outside_hours_no_contact_and_when_it_opens(qtbot, tmp_path, campaign):
    early = dt.datetime(2026, 11, 26, 7, 30, tzinfo=UTC)  # 07:30 in London, opens 09:00
    model, core, clock = make_model(tmp_path, campaign, early)
    assert model.contact is None
    assert core.current_contact() is None
    assert core.remaining() == 3  # the contacts are here, just not offered
    assert model.empty_reason() == ("Outside calling hours. Calling opens at 09:00 London time.")
    assert model.hours_text() == "Calling opens at 09:00 London time"
    assert model._hours_timer.isActive()
    assert 0 < model._hours_timer.remainingTime() <= HOURS_RECHECK_MS

    clock.now = dt.datetime(2026, 11, 26, 8, 59, 30, tzinfo=UTC)
    model._check_hours()
    assert model._hours_timer.remainingTime() <= 30_250  # aimed at the opening itself
    assert model.contact is None

    shown: list[object] = []
    model.contact_changed.connect(shown.append)
    clock.now = dt.datetime(2026, 11, 26, 9, 0, 1, tzinfo=UTC)
    model._hours_timer.timeout.emit()  # what the QTimer does at 09:00
    assert model.contact is not None
    assert shown == [model.contact]
    assert model.hours_text() == "Calling closes at 21:00 London time"


def test_a_shown_contact_stays_past_closing_and_its_result_is_kept(qtbot, tmp_path, campaign):
    model, core, clock = make_model(tmp_path, campaign, dt.datetime(2026, 11, 26, 20, tzinfo=UTC))
    notices: list[str] = []
    model.notice.connect(notices.append)
    model._check_hours()
    assert notices == []  # an hour to go: only the progress panel says it
    assert model.hours_text() == "Calling closes at 21:00 London time"
    assert 59_000 < model._hours_timer.remainingTime() <= HOURS_RECHECK_MS  # capped
    clock.now = dt.datetime(2026, 11, 26, 20, 45, tzinfo=UTC)
    model._check_hours()  # the timer at 20:45
    assert notices == ["Calling closes at 21:00 London time"]  # within 30 minutes
    model._check_hours()
    assert len(notices) == 1  # said once per closing
    model.refresh()  # a window just connected: say it again
    assert notices == ["Calling closes at 21:00 London time"] * 2
    shown = model.contact
    assert shown is not None

    clock.now = dt.datetime(2026, 11, 26, 21, 5, tzinfo=UTC)
    model._check_hours()  # closing time passed while the volunteer was on the call
    assert model.contact == shown  # never taken away mid-call
    assert model.hours_text() == "Calling opens tomorrow at 09:00 London time"
    result = save(model, "answered")
    assert result is not None
    assert core.store.result(result.id) is not None  # kept; the server flags it
    assert model.contact is None  # but no next one
    assert model.empty_reason() == (
        "Outside calling hours. Calling opens tomorrow at 09:00 London time."
    )


def test_hours_in_another_zone_across_midnight(qtbot, tmp_path, campaign):
    ny = dataclasses.replace(campaign, timezone="America/New_York", calling_hours="18:00-02:00")
    late = dt.datetime(2026, 11, 27, 6, 30, tzinfo=UTC)  # 01:30 in New York
    model, _, clock = make_model(tmp_path, ny, late)
    assert model.contact is not None
    assert model.hours_text() == "Calling closes at 02:00 New York time"
    clock.now = dt.datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    model._check_hours()
    assert model.hours_text() == "Calling opens at 18:00 New York time"


def test_the_server_saying_outside_hours_is_worded_in_the_campaign_zone(qtbot, tmp_path, always):
    model, core, _ = make_model(tmp_path, always, NOON, n=0)
    assert model.hours_text() == ""
    assert not model._hours_timer.isActive()  # open around the clock: nothing to watch
    reasons: list[str] = []
    model.out_of_contacts.connect(reasons.append)
    core.out_of_contacts.emit("outside_calling_hours", dt.datetime(2026, 11, 26, 18, tzinfo=UTC))
    assert reasons[-1] == "Outside calling hours. Calling opens at 18:00 London time."
    core.out_of_contacts.emit("outside_calling_hours", None)
    assert reasons[-1] == "Outside calling hours."
    core.out_of_contacts.emit("holding_limit", None)
    assert reasons[-1] == ("You hold as many contacts as this campaign allows; finish these first.")
    # every reason the server can give has words of its own, never the bare code
    for code in ("recovering", "paused", "closed", "no_contacts"):
        core.out_of_contacts.emit(code, None)
        assert reasons[-1] != code
        assert reasons[-1][-1] in ".!"
        assert len(reasons[-1]) > 30


def test_contacts_lost_while_away_are_said_in_words(qtbot, tmp_path, always):
    model, core, _ = make_model(tmp_path, always, NOON)
    notices: list[str] = []
    model.notice.connect(notices.append)
    core.contacts_lost.emit(1)
    core.contacts_lost.emit(3)
    assert notices == [
        "1 contact went to another volunteer while you were away.",
        "3 contacts went to another volunteer while you were away.",
    ]


def test_a_paused_campaign_offers_nobody_until_it_resumes(qtbot, tmp_path, always):
    model, core, _ = make_model(tmp_path, always, NOON)
    reasons: list[str] = []
    model.out_of_contacts.connect(reasons.append)
    shown = model.contact
    assert shown is not None
    core._on_campaign_status("paused")
    assert model.contact == shown  # the call on screen can still be recorded
    save(model)
    assert model.contact is None  # but nobody else is offered
    assert reasons[-1].startswith("Paused by the organiser.")
    core._on_campaign_status("active")
    assert model.contact is not None
    assert model.contact.id != shown.id


def test_bad_hours_do_not_stop_calling(qtbot, tmp_path, campaign):
    odd = dataclasses.replace(campaign, timezone="Mars/Olympus_Mons")
    model, core, _ = make_model(tmp_path, odd, NOON)
    assert core.calling_window() is None
    assert model.contact is not None
    assert model.hours_text() == ""


def test_the_screen_shows_the_hours_and_resumes_when_they_open(qtbot, tmp_path, campaign):
    from caller_app.ui.caller_screen import CallerScreen

    early = dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    model, _, clock = make_model(tmp_path, campaign, early)
    screen = CallerScreen(model)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.card.contact is None
    assert not screen.form.isEnabled()
    assert screen.empty.text() == "Outside calling hours. Calling opens at 09:00 London time."
    assert screen.progress.hours.text() == "Calling opens at 09:00 London time"
    clock.now = dt.datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    model._hours_timer.timeout.emit()
    assert screen.card.contact is not None
    assert screen.form.isEnabled()
    assert screen.progress.hours.text() == "Calling closes at 21:00 London time"


def test_session_numbers_are_kept_from_record_not_recounted(
    tmp_path: Path, always: Campaign, script, monkeypatch
):
    """Issue 15: after each save the screen's numbers come from the core's running
    tally; the store counts again only after something else changed them (undo, a
    correction, the sync thread). Each kept figure equals a fresh count."""
    model, core, _ = make_model(tmp_path, always, NOON, n=6)
    core.store.save_script(dataclasses.replace(script, campaign_id=always.id), "v1")
    counted: list[int] = []
    real = core.store.session_stats

    def counting(session_id: int):
        counted.append(session_id)
        return real(session_id)

    monkeypatch.setattr(core.store, "session_stats", counting)
    reached = next(o.code for o in script.outcomes if o.reached)
    model.stats()
    assert len(counted) == 1
    for outcome in ("not_home", reached, "not_home"):
        save(model, outcome)
        assert model.stats() == real(core.session_id)
    assert len(counted) == 1  # three saves, no count
    assert model.stats().calls == 3
    assert model.stats().reached == 1
    model.undo()
    assert model.stats() == real(core.session_id)
    assert len(counted) == 2  # undone: counted again
    assert model.stats().calls == 2
    core._on_status(model.status)  # the sync thread reported (an upload, say)
    model.stats()
    assert len(counted) == 3


def test_a_save_counts_the_outbox_once(tmp_path: Path, always: Campaign, monkeypatch):
    """The core counts the outbox after a save and tells the view model; the view model
    no longer counts it a second time (issue 15)."""
    model, core, _ = make_model(tmp_path, always, NOON)
    core._on_status(model.status)  # as after the engine's first report
    counts: list[str] = []
    for name in ("outbox_counts", "waiting_count"):
        real = getattr(core.store, name)
        monkeypatch.setattr(
            core.store, name, lambda real=real, name=name: counts.append(name) or real()
        )
    save(model)
    assert counts == ["outbox_counts"]
    assert model.status.waiting == 1
