"""Needs attention, handled; and the words of the progress panel, status bar and summary.

On a real store without a server: `LocalCore` is the app's CallerCore minus the sync
engine (choosing a campaign only opens a session); "uploading" is the store's claim.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.models import (
    Account,
    Campaign,
    Connectivity,
    Contact,
    Rejection,
    ResultDraft,
    Script,
    SessionStats,
    SyncStatus,
    TeamProgress,
)
from caller_app.store import PENDING, Store
from caller_app.ui.attention_dialog import REASON, AttentionDialog
from caller_app.ui.attention_model import AttentionViewModel
from caller_app.ui.formatting import per_hour
from caller_app.ui.progress_panel import ProgressPanel
from caller_app.ui.status_bar import SyncStatusBar, describe_status
from caller_app.ui.summary_dialog import SummaryDialog
from caller_app.ui.viewmodels import CallerViewModel

UTC = dt.UTC
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")
ELSEWHERE = Account("https://other-bank.example.org", "priya", 9, "Priya Shah")
LONG_REASON = (
    "The question “support” is no longer in this campaign's script, so the server "
    "cannot store this answer. Ask your organiser to put the question back or to "
    "tell you how to record this call instead."
)


class LocalCore(CallerCore):
    def choose_campaign(self, campaign_id: int) -> None:
        self.campaign_id = campaign_id
        self.session_id = self.store.start_session(campaign_id)


def people(batch_id: int, campaign_id: int, names: list[str], start: int = 1) -> list[Contact]:
    return [
        Contact(i, batch_id, campaign_id, first, "Nolan", f"+4411349600{i:02d}", "Ward 1", 1)
        for i, first in enumerate(names, start)
    ]


@pytest.fixture
def setup(tmp_path: Path, campaign: Campaign, script: Script):
    campaign = dataclasses.replace(campaign, calling_hours="00:00-24:00")
    hillside = dataclasses.replace(campaign, id=2, name="Hillside by-election")
    store = Store(tmp_path / "app.sqlite3")
    store.save_account(ACCOUNT)
    store.save_campaigns([campaign, hillside])
    store.save_script(script, None)
    now = dt.datetime.now(UTC)
    store.add_batch(1, 1, now + dt.timedelta(hours=2), people(1, 1, ["Niamh", "Owen", "Ruth"]))
    store.add_batch(2, 2, now + dt.timedelta(hours=2), people(2, 2, ["Tam"], start=10))
    core = LocalCore(store, Credentials(), watch_network=False)
    core.choose_campaign(1)
    model = CallerViewModel(core, campaign)
    yield model, core, store, campaign
    core.shutdown()
    store.close()


def refuse(store: Store, contact: Contact, outcome: str, reason: str) -> str:
    draft = ResultDraft(
        contact.id, contact.batch_id, contact.campaign_id, outcome, dt.datetime.now(UTC), 30
    )
    result = store.record(draft)
    store.claim_for_upload()
    store.mark_rejected([Rejection(result.id, "invalid_answers", reason)])
    return result.id


def refused_results(store: Store) -> dict[str, str]:
    """Two here (Niamh, Owen), one in the other campaign, one of another server."""
    niamh, owen, _ = people(1, 1, ["Niamh", "Owen", "Ruth"])
    (tam,) = people(2, 2, ["Tam"], start=10)
    ids = {
        "niamh": refuse(store, niamh, "answered", LONG_REASON),
        "owen": refuse(store, owen, "not_home", "=cmd|' /C calc'!A0"),
        "tam": refuse(store, tam, "busy", "Closed."),
    }
    store.save_account(ELSEWHERE)  # someone signed in elsewhere on this computer once
    ids["away"] = refuse(store, niamh, "busy", "Unknown batch.")
    store.save_account(ACCOUNT)
    return ids


def test_the_status_bar_never_says_all_uploaded_while_results_need_attention(qtbot, setup):
    model, _core, store, _ = setup
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    model.attention_changed.connect(bar.set_attention)
    bar.set_status(SyncStatus(Connectivity.ONLINE))
    assert bar.current_text() == "Online · all results uploaded"
    refused_results(store)
    model.refresh()
    assert bar.current_text() == "Online · nothing waiting · 4 results need your attention"
    assert "all results uploaded" not in bar.current_text()
    assert bar.attention.text() == "4 need attention"
    assert describe_status(SyncStatus(Connectivity.ONLINE, needs_attention=1)) == (
        "Online · nothing waiting · 1 result needs your attention"
    )
    assert describe_status(SyncStatus(Connectivity.ONLINE, waiting=3, needs_attention=2)) == (
        "Online · 3 results waiting · 2 results need your attention"
    )
    assert describe_status(
        SyncStatus(Connectivity.OFFLINE, waiting=1, needs_attention=2, retry_in_s=5)
    ) == ("Offline · 1 result waiting · retrying in 5 s · 2 results need your attention")


def test_the_attention_list_names_whom_and_why_and_says_where_the_rest_belong(
    qtbot, setup, script, tmp_path, monkeypatch
):
    _model, core, store, campaign = setup
    ids = refused_results(store)
    labels = {o.code: o.label for o in script.outcomes}
    dialog = AttentionDialog(AttentionViewModel(core, ACCOUNT, campaign, labels))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.width() >= 800  # opens wide enough for the reasons
    assert dialog.isSizeGripEnabled()
    table = dialog.table
    assert table.topLevelItemCount() == 2  # this server and campaign only
    rows = [table.topLevelItem(i) for i in range(2)]
    assert [r.text(0) for r in rows] == ["Niamh Nolan", "Owen Nolan"]
    assert [r.text(1) for r in rows] == ["Spoke to them", "Not home"]
    assert rows[0].text(REASON) == LONG_REASON  # whole, word-wrapped in the column
    assert table.wordWrap()
    assert rows[0].text(2)  # when it was recorded
    table.setCurrentItem(rows[0])
    rows[0].setSelected(True)
    assert LONG_REASON in dialog.detail.text()
    assert "Niamh Nolan" in dialog.detail.text()
    elsewhere = dialog.elsewhere.text()
    assert "1 more belongs to “Hillside by-election”" in elsewhere
    assert "1 more belongs to https://other-bank.example.org" in elsewhere
    assert not dialog.elsewhere.isHidden()

    # the copy for the organiser: a CSV read back, formulas defused
    target = tmp_path / "for-organiser.csv"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Saved"), timeout=5000)
    assert dialog.message.text() == "Saved 2 results to for-organiser.csv."
    with target.open(encoding="utf-8-sig", newline="") as f:
        saved = list(csv.DictReader(f))
    assert [r["contact_name"] for r in saved] == ["Niamh Nolan", "Owen Nolan"]
    assert saved[0]["reason"] == LONG_REASON
    assert saved[0]["outcome"] == "Spoke to them"
    assert saved[1]["reason"] == "'=cmd|' /C calc'!A0"
    assert {r["result_id"] for r in saved} == {ids["niamh"], ids["owen"]}

    # Retry the selected one, then all: they leave the list and wait to upload again
    table.clearSelection()
    rows[1].setSelected(True)
    dialog.retry_selected.click()
    assert store.result(ids["owen"]) is not None
    assert [r.id for r in store.results(PENDING)] == [ids["owen"]]
    assert table.topLevelItemCount() == 1
    assert dialog.message.text() == "Sending 1 result again."
    dialog.retry_all.click()
    assert {r.id for r in store.results(PENDING)} == {ids["owen"], ids["niamh"]}
    assert table.topLevelItemCount() == 0
    assert "Nothing here needs attention" in dialog.detail.text()
    assert not dialog.retry_all.isEnabled()
    assert "Hillside" in dialog.elsewhere.text()  # the others stay, where they belong


def test_names_are_removed_with_the_contacts(qtbot, setup):
    _model, core, store, campaign = setup
    refused_results(store)
    vm = AttentionViewModel(core, ACCOUNT, campaign, {})
    assert [r.name for r in vm.rows()] == ["Niamh Nolan", "Owen Nolan"]
    store.release_batch(1)  # handed back: the local contact rows are wiped
    core.session_ended.emit(2)  # as the core says once contacts went back
    assert [r.name for r in vm.rows()] == ["Name removed when the contacts were handed back"] * 2
    assert not any(r.name_known for r in vm.rows())
    store.wipe_account_data()  # signed out: no name anywhere
    assert all(e.contact_name is None for e in core.attention_entries())


def test_saved_says_whom_and_what(qtbot, setup):
    model, _core, _store, _ = setup
    notices: list[str] = []
    model.notice.connect(notices.append)
    contact = model.contact
    model.record(
        contact,
        "not_home",
        answers={},
        notes="",
        callback_at=None,
        started_at=dt.datetime.now(UTC),
        duration_s=20,
    )
    assert notices[-1] == "Saved: Niamh Nolan, Not home"


def test_uploaded_counts_calls_not_corrections(qtbot, setup):
    model, _core, store, _ = setup
    for outcome in ("not_home", "busy", "answered"):
        model.record(
            model.contact,
            outcome,
            answers={},
            notes="",
            callback_at=None,
            started_at=dt.datetime.now(UTC),
            duration_s=20,
        )
    store.mark_delivered([r.id for r in store.claim_for_upload()])
    model.undo()  # already uploaded: the next save is a correction
    model.record(
        model.contact,
        "wrong_number",
        answers={},
        notes="",
        callback_at=None,
        started_at=dt.datetime.now(UTC),
        duration_s=20,
    )
    store.mark_delivered([r.id for r in store.claim_for_upload()])
    _core._on_status(model.status)  # as the sync engine reports after an upload
    stats = model.stats()
    assert len(store.results()) == 4  # four results went up...
    assert (stats.calls, stats.uploaded, stats.waiting) == (3, 3, 0)  # ...for three calls
    summary = SummaryDialog(stats, model.outcome_labels(), 600)
    qtbot.addWidget(summary)
    assert summary.uploaded.text() == "3"
    assert summary.calls.text() == "3"


def test_summary_words_and_attention(qtbot):
    started = dt.datetime.now(UTC) - dt.timedelta(minutes=20)
    stats = SessionStats(started, 1, 2, {"answered": 1}, 0, 1, needs_attention=2)
    summary = SummaryDialog(stats, {"answered": "Spoke to them"}, 1200)
    qtbot.addWidget(summary)
    summary.show()
    assert summary.sentence.text() == "You made 1 call and reached 2 people."
    assert summary.attention.text() == "2"
    assert summary.attention_note.isVisible()
    assert "2 results were not accepted" in summary.attention_note.text()
    assert summary.waiting_note.text().startswith("1 result could not be uploaded yet. It is")
    summary.set_stats(dataclasses.replace(stats, calls=2, reached=1))
    assert summary.sentence.text() == "You made 2 calls and reached 1 person."


def test_rate_waits_five_minutes_and_a_stale_tally_says_its_time(qtbot):
    assert per_hour(3, 69) == "–"  # not "156 calls/hour" after 69 s
    assert per_hour(3, 299) == "–"
    assert per_hour(10, 1800) == "20"
    panel = ProgressPanel(target_per_hour=10)
    qtbot.addWidget(panel)
    now = dt.datetime.now(UTC)
    panel.set_stats(SessionStats(now - dt.timedelta(seconds=69), 3, 1, {}, 3, 0))
    assert panel.rate.text() == "–"
    assert "5 minutes" in panel.rate.toolTip()
    panel.set_stats(SessionStats(now - dt.timedelta(minutes=6), 3, 1, {}, 3, 0))
    assert panel.rate.text() == "30"

    one = TeamProgress(calls=1, reached=1, volunteers_active=1, my_calls=1, my_reached=1)
    panel.set_team(one)
    assert panel.team.text() == "The team has made 1 call tonight and reached 1 person."
    panel.set_status(SyncStatus(Connectivity.OFFLINE))
    taken = panel.team_at.astimezone().strftime("%H:%M")
    assert panel.team.text() == f"Team tally as of {taken}: 1 call made, 1 person reached."
    panel.set_status(SyncStatus(Connectivity.ONLINE))
    assert panel.team.text().startswith("The team has made")
    old = now - dt.timedelta(minutes=10)  # online, but the tally stopped coming
    panel.set_team(dataclasses.replace(one, calls=2, reached=0), at=old)
    taken = old.astimezone().strftime("%H:%M")
    assert panel.team.text() == f"Team tally as of {taken}: 2 calls made, 0 people reached."
