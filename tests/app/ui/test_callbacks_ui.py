"""Call-backs in two keys, the call timer and Dial without a phone app (issue 12).

The caller screen runs on the app's real core and store (no sync engine: choosing a
campaign only opens a session) with a wall clock the test moves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.domain.callbacks import QuickChoice
from caller_app.domain.models import Account, Campaign, Contact, Script
from caller_app.store import Store
from caller_app.ui.caller_screen import CallerScreen
from caller_app.ui.viewmodels import CallerViewModel
from tests.support.clock import MovableClock
from tests.support.e2e import press, type_text

UTC = dt.UTC
K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")
NOON = dt.datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # Thursday, 12:00 in London (GMT)
CALL_BACK = K.Key_4  # the fourth outcome of the sample script


class LocalCore(CallerCore):
    """The app's core minus the sync engine: choosing a campaign opens a session."""

    def choose_campaign(self, campaign_id: int) -> None:
        self.campaign_id = campaign_id
        self.session_id = self.store.start_session(campaign_id)


def contacts(n: int) -> list[Contact]:
    return [
        Contact(i, 1, 1, f"Ann{i}", "Example", f"+4420794601{i:02d}", "Gasworks", 1)
        for i in range(1, n + 1)
    ]


def open_screen(
    qtbot, tmp_path: Path, campaign: Campaign, script: Script, start: dt.datetime = NOON
) -> tuple[CallerScreen, LocalCore, MovableClock]:
    clock = MovableClock(start, frozen=True)
    tmp_path.mkdir(parents=True, exist_ok=True)
    store = Store(tmp_path / "app.sqlite3", clock=clock)
    store.save_account(ACCOUNT)
    store.save_campaigns([campaign])
    store.save_script(script, "v1")
    store.add_batch(1, campaign.id, start + dt.timedelta(hours=12), contacts(3))
    core = LocalCore(store, Credentials(), watch_network=False)
    core.choose_campaign(campaign.id)
    screen = CallerScreen(CallerViewModel(core, campaign))
    qtbot.addWidget(screen)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    if screen.card.contact is not None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.card.dial)
    return screen, core, clock


def test_call_back_and_a_quick_choice_are_two_keys(qtbot, tmp_path, campaign, script):
    screen, core, _ = open_screen(qtbot, tmp_path, campaign, script)
    first = screen.card.contact
    press(qtbot, CALL_BACK)
    picker = screen.form.callback
    assert picker.isVisible()
    assert QApplication.focusWidget() is picker.buttons[QuickChoice.IN_AN_HOUR]
    press(qtbot, K.Key_T)  # tomorrow evening: saved at once
    [result] = core.store.results()
    assert (result.contact_id, result.outcome) == (first.id, "call_back")
    # tomorrow at 19:00 on the campaign's clock (London: GMT in November)
    assert result.callback_at == dt.datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
    assert screen.card.contact != first


def test_enter_on_a_focused_quick_choice_takes_it(qtbot, tmp_path, campaign, script):
    screen, core, _ = open_screen(qtbot, tmp_path, campaign, script)
    press(qtbot, CALL_BACK)
    press(qtbot, K.Key_Tab)
    assert QApplication.focusWidget() is screen.form.callback.buttons[QuickChoice.THIS_EVENING]
    press(qtbot, K.Key_Return)
    [result] = core.store.results()
    assert result.callback_at == dt.datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def test_the_quick_choices_name_the_campaign_zone(qtbot, tmp_path, campaign, script):
    screen, _, _ = open_screen(qtbot, tmp_path, campaign, script)
    press(qtbot, CALL_BACK)
    texts = {c: b.text() for c, b in screen.form.callback.buttons.items()}
    assert texts[QuickChoice.IN_AN_HOUR] == "H  In 1 hour · Thu 13:00 London time"
    assert texts[QuickChoice.THIS_EVENING] == "E  This evening · Thu 19:00 London time"
    assert texts[QuickChoice.TOMORROW_EVENING] == "T  Tomorrow evening · Fri 19:00 London time"


def test_another_zone_is_named_and_its_evening_used(qtbot, tmp_path, campaign, script):
    new_york = dataclasses.replace(campaign, timezone="America/New_York")
    screen, _, _ = open_screen(qtbot, tmp_path, new_york, script)  # 07:00 there: closed
    assert screen.card.contact is None  # calling opens at 09:00 New York time
    assert "New York time" in screen.empty.text()
    screen2, core2, _ = open_screen(
        qtbot, tmp_path / "later", new_york, script, NOON + dt.timedelta(hours=3)
    )
    press(qtbot, CALL_BACK)
    evening = screen2.form.callback.buttons[QuickChoice.THIS_EVENING]
    assert evening.text() == "E  This evening · Thu 19:00 New York time"
    press(qtbot, K.Key_E)
    [result] = core2.store.results()
    assert result.callback_at == dt.datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 19:00 EST


def test_a_time_already_past_is_refused_with_a_sentence_and_nothing_saved(
    qtbot, tmp_path, campaign, script
):
    screen, core, _ = open_screen(qtbot, tmp_path, campaign, script)
    first = screen.card.contact
    press(qtbot, CALL_BACK)
    press(qtbot, K.Key_P)  # pick a time: today is offered first, the evening preset
    picker = screen.form.callback
    assert QApplication.focusWidget() is picker.day
    assert picker.day.currentText().startswith("Today")
    press(qtbot, K.Key_2)  # a digit in the day list stays there
    assert screen.form.selected().code == "call_back"
    picker.day.setCurrentIndex(0)
    press(qtbot, K.Key_Tab)
    assert QApplication.focusWidget() is picker.time
    type_text(qtbot, "1130")  # digits fill the time, never an outcome
    assert picker.time.time() == QTime(11, 30)
    assert screen.form.selected().code == "call_back"
    assert "has already passed" in picker.feedback.text()
    press(qtbot, K.Key_Return)
    assert screen.message.text() == "Thu 11:30 London time has already passed. Choose a later time."
    assert core.store.results() == []
    assert screen.card.contact == first
    # a later time is taken, on the campaign's clock
    picker.time.setTime(QTime(18, 45))
    press(qtbot, K.Key_Return)
    [result] = core.store.results()
    assert result.callback_at == dt.datetime(2026, 11, 26, 18, 45, tzinfo=UTC)


def test_a_time_outside_calling_hours_is_refused(qtbot, tmp_path, campaign, script):
    screen, core, _ = open_screen(qtbot, tmp_path, campaign, script)
    press(qtbot, CALL_BACK)
    press(qtbot, K.Key_P)
    screen.form.callback.time.setTime(QTime(22, 30))
    press(qtbot, K.Key_Return, CTRL)
    assert screen.message.text() == (
        "Thu 22:30 London time is outside calling hours (09:00–21:00 London time). "
        "Choose a time within them."
    )
    assert core.store.results() == []


def test_saving_a_call_back_without_a_time_asks_for_one(qtbot, tmp_path, campaign, script):
    screen, core, _ = open_screen(qtbot, tmp_path, campaign, script)
    press(qtbot, CALL_BACK)
    press(qtbot, K.Key_Return, CTRL)
    assert screen.message.text().startswith("Choose when to call back first")
    assert core.store.results() == []


def test_late_in_the_evening_choices_that_cannot_be_are_greyed_with_why(
    qtbot, tmp_path, campaign, script
):
    late = dt.datetime(2026, 11, 26, 20, 30, tzinfo=UTC)
    screen, _, _ = open_screen(qtbot, tmp_path, campaign, script, late)
    press(qtbot, CALL_BACK)
    buttons = screen.form.callback.buttons
    assert not buttons[QuickChoice.IN_AN_HOUR].isEnabled()
    assert buttons[QuickChoice.IN_AN_HOUR].text().endswith("outside calling hours")
    assert not buttons[QuickChoice.THIS_EVENING].isEnabled()
    assert buttons[QuickChoice.THIS_EVENING].text().endswith("already over")
    assert QApplication.focusWidget() is buttons[QuickChoice.TOMORROW_EVENING]


# --- the call timer and the stored duration ----------------------------------------------
def test_the_call_counts_from_dial_and_dial_without_a_phone_app_copies_the_number(
    qtbot, tmp_path, campaign, script
):
    screen, core, clock = open_screen(qtbot, tmp_path, campaign, script)
    contact = screen.card.contact
    QGuiApplication.clipboard().clear()
    clock.advance(seconds=30)  # reading the card is not talk time
    assert screen.timer.seconds() == 0
    assert screen.card.timer_label.text() == "0:00"
    press(qtbot, K.Key_D)
    # the offscreen platform has no tel: handler, like a laptop without a phone app
    assert screen.message.text() == (
        "No phone app on this computer can dial, so the number 020 7946 0101 was copied. "
        "Dial it on your phone, or paste it into your calling app."
    )
    assert QGuiApplication.clipboard().text() == contact.phone
    clock.advance(seconds=95)
    press(qtbot, K.Key_D)  # dialling again keeps counting
    press(qtbot, K.Key_2)
    press(qtbot, K.Key_Return, CTRL)
    [result] = core.store.results()
    assert result.started_at == NOON + dt.timedelta(seconds=30)
    assert result.duration_s == 95


def test_without_dial_the_call_counts_from_the_first_outcome(qtbot, tmp_path, campaign, script):
    screen, core, clock = open_screen(qtbot, tmp_path, campaign, script)
    clock.advance(seconds=40)
    press(qtbot, K.Key_2)
    clock.advance(seconds=7)
    press(qtbot, K.Key_3)  # a second outcome key does not restart the call
    clock.advance(seconds=5)
    press(qtbot, K.Key_Return, CTRL)
    [result] = core.store.results()
    assert result.started_at == NOON + dt.timedelta(seconds=40)
    assert result.duration_s == 12
    assert screen.timer.seconds() == 0  # the next contact's call has not started
