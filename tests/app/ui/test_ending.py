"""Ending a session loses nothing, against the real server in this process.

Ctrl+Q with an unsaved outcome asks first (Save / Discard / Keep calling); the summary
comes before any contact is handed back and offers Keep calling (leases intact),
Switch campaign (no new sign-in, the old sync thread gone) and Finish (hand back, quit).
"""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from caller_app.ui.save_first_dialog import SaveFirstDialog
from caller_server.models import Contact
from tests.support.e2e import export_rows, open_screen, press, record
from tests.support.server import engine_for, seed, seed_campaign, seed_contacts

K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def leased_on_server(db_url: str, campaign_id: int) -> int:
    with engine_for(db_url).connect() as conn:
        return conn.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.campaign_id == campaign_id, Contact.state == "leased")
        )


def in_window(dialog) -> bool:
    """The keyboard focus is inside `dialog` (so a key press goes to it)."""
    focus = QApplication.focusWidget()
    return dialog.isVisible() and focus is not None and focus.window() is dialog


def choose_unsaved(qtbot, screen, code: str = "not_home") -> None:
    screen.form.outcomes.choose(code)
    qtbot.keyClicks(screen.form.notes, "Asked for a leaflet")
    assert screen.model.unsaved_work


@pytest.mark.parametrize("choice", ["save", "discard", "keep"])
def test_ctrl_q_with_an_unsaved_outcome_asks_first(qtbot, server, make_launcher, tmp_path, choice):
    seeded = seed(server.db_url, contacts=6, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded)
    contact = screen.card.contact
    choose_unsaved(qtbot, screen)

    press(qtbot, K.Key_Q, CTRL)
    dialog = window.save_first
    assert isinstance(dialog, SaveFirstDialog)
    qtbot.waitUntil(lambda: in_window(dialog))
    assert dialog.text() == "Save this call first?"
    assert dialog.defaultButton() is dialog.keep_button  # Enter never drops a call
    assert dialog.escapeButton() is dialog.keep_button
    assert window.summary is None  # nothing ends before the volunteer answers

    if choice == "keep":
        press(qtbot, K.Key_Escape)
        qtbot.waitUntil(lambda: window.save_first is None)
        assert window.summary is None
        assert window.isVisible()
        assert screen.card.contact == contact
        assert screen.form.selected().code == "not_home"
        assert screen.form.notes_text() == "Asked for a leaflet"
        assert screen.model.unsaved_work
        assert launcher.core.store.waiting_count() == 0
        return

    button = dialog.save_button if choice == "save" else dialog.discard_button
    button.click()
    qtbot.waitUntil(lambda: window.summary is not None and window.summary.isVisible())
    summary = window.summary
    assert summary.calls.text() == ("1" if choice == "save" else "0")
    with qtbot.waitSignal(launcher.finished, timeout=30000):
        summary.finish_button.click()
    assert leased_on_server(server.db_url, seeded.campaign_id) == 0  # Finish handed back
    launcher.close()
    rows = export_rows(server.url, seeded.organiser, seeded.password, seeded.campaign_id)
    if choice == "save":
        assert len(rows) == 1
        assert int(rows[0]["contact_id"]) == contact.id
        assert rows[0]["outcome"] == "not_home"
        assert rows[0]["notes"] == "Asked for a leaflet"
    else:
        assert rows == []


def test_the_summary_comes_before_the_hand_back_and_keep_calling_keeps_the_leases(
    qtbot, server, make_launcher, tmp_path
):
    seeded = seed(server.db_url, contacts=6, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded)
    record(qtbot, screen, "not_home")
    held = 5  # once the result is in, the other five stay leased to us
    qtbot.waitUntil(
        lambda: leased_on_server(server.db_url, seeded.campaign_id) == held, timeout=15000
    )
    contact = screen.card.contact

    press(qtbot, K.Key_Q, CTRL)  # nothing unsaved: straight to the summary
    assert window.save_first is None
    summary = window.summary
    qtbot.waitUntil(lambda: in_window(summary))
    qtbot.waitUntil(lambda: summary.uploaded.text() == "1", timeout=15000)
    assert summary.calls.text() == "1"
    assert summary.sentence.text() == "You made 1 call and reached 0 people."
    assert summary.waiting.text() == "0"
    assert summary.attention.text() == "0"
    assert not summary.attention_note.isVisible()
    assert {b.text() for b in (summary.keep_button, summary.switch_button)} == {
        "&Keep calling",
        "&Switch campaign",
    }
    # nothing handed back while the summary is up
    assert leased_on_server(server.db_url, seeded.campaign_id) == held
    assert launcher.core.store.remaining(seeded.campaign_id) == 5

    press(qtbot, K.Key_Escape)  # Escape = Keep calling
    qtbot.waitUntil(lambda: window.summary is None)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # keys go back to it
    assert window.isVisible()
    assert screen.card.contact == contact
    assert leased_on_server(server.db_url, seeded.campaign_id) == held
    assert launcher.core.store.live_batches(seeded.campaign_id)
    record(qtbot, screen, "busy")  # calling goes on as before
    assert screen.progress.calls.text() == "2"

    # a second Ctrl+Q works as the first did
    press(qtbot, K.Key_Q, CTRL)
    qtbot.waitUntil(lambda: window.summary is not None and window.summary.isVisible())
    with qtbot.waitSignal(launcher.finished, timeout=30000):
        window.summary.finish_button.click()
    assert leased_on_server(server.db_url, seeded.campaign_id) == 0


def test_switch_campaign_hands_back_and_needs_no_new_sign_in(
    qtbot, server, make_launcher, tmp_path
):
    seeded = seed(server.db_url, contacts=6, callers=1)
    other = seed_campaign(server.db_url, name="Hillside by-election", seat="Hillside")
    seed_contacts(server.db_url, other, 4)
    launcher = make_launcher(tmp_path / "app", server.url)
    launcher.start()
    dialog = launcher.sign_in_dialog
    dialog.username.setText(seeded.callers[0])
    dialog.password.setText(seeded.password)
    dialog.submit()
    qtbot.waitUntil(
        lambda: launcher.picker is not None and launcher.picker.isVisible(), timeout=15000
    )
    first_picker = launcher.picker
    first_picker.accept()  # the first campaign is selected
    qtbot.waitUntil(lambda: launcher.window is not None)
    window, screen = launcher.window, launcher.window.screen_
    qtbot.waitUntil(lambda: screen.card.contact is not None, timeout=15000)
    assert screen.card.contact.campaign_id == seeded.campaign_id
    record(qtbot, screen, "not_home")
    core = launcher.core
    token, old_thread = core._token, core.sync_thread
    assert token
    assert leased_on_server(server.db_url, seeded.campaign_id) > 0

    press(qtbot, K.Key_Q, CTRL)
    qtbot.waitUntil(lambda: window.summary is not None and window.summary.isVisible())
    window.summary.switch_button.click()
    qtbot.waitUntil(
        lambda: launcher.picker is not first_picker and launcher.picker.isVisible(), timeout=20000
    )
    # the first campaign's contacts are back on the server; its sync thread is gone
    assert leased_on_server(server.db_url, seeded.campaign_id) == 0
    assert old_thread.isFinished()
    assert core.engine is None
    assert launcher.window is None
    assert not shiboken6.isValid(window)  # the first campaign's window is gone
    assert not launcher.sign_in_dialog.isVisible()

    picker = launcher.picker
    picker.list.setCurrentRow(next(i for i, c in enumerate(picker.campaigns) if c.id == other))
    press(qtbot, K.Key_Return)
    qtbot.waitUntil(lambda: launcher.window is not None)
    second = launcher.window
    qtbot.waitUntil(lambda: second.screen_.card.contact is not None, timeout=15000)
    assert second.screen_.card.contact.campaign_id == other
    assert second.model.campaign.id == other
    assert core._token == token  # no second sign-in
    assert core.sync_thread is not old_thread
    assert leased_on_server(server.db_url, other) > 0
    # the first campaign's result reached the server
    rows = export_rows(server.url, seeded.organiser, seeded.password, seeded.campaign_id)
    assert [r["outcome"] for r in rows] == ["not_home"]
    QApplication.processEvents()


def test_closing_the_window_or_end_session_asks_the_same(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=3, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded)
    choose_unsaved(qtbot, screen, "busy")
    for end in (window.close, window.end_button.click):
        end()
        dialog = window.save_first
        assert isinstance(dialog, SaveFirstDialog)
        qtbot.waitUntil(lambda d=dialog: in_window(d))
        assert window.isVisible()  # the close was refused until the volunteer answers
        press(qtbot, K.Key_Return)  # Enter = the default: Keep calling
        qtbot.waitUntil(lambda: window.save_first is None)
        assert window.summary is None
        assert screen.form.selected().code == "busy"
    assert leased_on_server(server.db_url, seeded.campaign_id) == 3
