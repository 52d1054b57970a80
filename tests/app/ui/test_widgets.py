"""Widget tests with plain domain dataclasses: no core, no server."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QWidget

from caller_app.domain.callbacks import QuickChoice
from caller_app.domain.models import Connectivity, SessionStats, SyncStatus, TeamProgress
from caller_app.ui.call_form import CallForm
from caller_app.ui.campaign_picker import CampaignPicker, choose_campaign
from caller_app.ui.contact_card import ContactCard
from caller_app.ui.formatting import clock, national_phone, per_hour
from caller_app.ui.progress_panel import ProgressPanel
from caller_app.ui.status_bar import SyncStatusBar, describe_status, smooth_status

HOSTILE = "<img src=x onerror=alert(1)>"


def test_formatting():
    assert national_phone("+442079460123") == "020 7946 0123"
    assert national_phone("+441134960999") == "0113 496 0999"
    assert national_phone("not a number") == "not a number"
    assert clock(0) == "0:00"
    assert clock(75) == "1:15"
    assert clock(3725) == "1:02:05"
    assert per_hour(5, 30) == "–"
    assert per_hour(5, 1800) == "10"


def test_contact_card_shows_national_number_and_hostile_name_as_text(qtbot, contact):
    card = ContactCard()
    qtbot.addWidget(card)
    hostile = contact.__class__(**{**contact.__dict__, "first_name": HOSTILE})
    card.show_contact(hostile, max_attempts=3)
    assert card.name.text().startswith(HOSTILE)
    assert card.name.textFormat() == Qt.TextFormat.PlainText
    assert card.phone.text() == "020 7946 0123"
    assert "Gasworks" in card.details.text()
    assert "attempt 2 of 3" in card.details.text()
    assert "Asked about buses" in card.previous_notes.text()
    for widget in card.findChildren(QWidget):
        if widget.isVisibleTo(card) and widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
            assert widget.accessibleName(), widget


def test_contact_card_names_the_household_sharing_the_number(qtbot, contact):
    card = ContactCard()
    qtbot.addWidget(card)
    card.show_contact(contact, 3, ["Bob", HOSTILE])
    assert card.household.isVisibleTo(card)
    assert card.household.text() == f"Same number as Bob, {HOSTILE}: ask for them too."
    assert card.household.textFormat() == Qt.TextFormat.PlainText
    card.show_contact(contact, 3)
    assert not card.household.isVisibleTo(card)


def test_status_texts():
    online = SyncStatus(Connectivity.ONLINE)
    assert describe_status(online) == "Online · all results uploaded"
    offline = SyncStatus(Connectivity.OFFLINE, waiting=7, retry_in_s=20)
    assert describe_status(offline) == "Offline · 7 results waiting · retrying in 20 s"
    signed_out = SyncStatus(Connectivity.SIGNED_OUT, waiting=7)
    assert describe_status(signed_out) == "Signed out · sign in to upload 7 results"
    assert describe_status(SyncStatus(Connectivity.ONLINE, waiting=1, uploading=True)) == (
        "Online · uploading 1 result"
    )


def test_an_upload_attempt_while_offline_is_not_called_online():
    offline = SyncStatus(Connectivity.RETRYING, waiting=3, retry_in_s=2)
    attempt = SyncStatus(Connectivity.ONLINE, waiting=3, uploading=True)
    shown = smooth_status(offline, attempt)
    assert describe_status(shown) == "Offline · 3 results waiting · retrying now"
    done = smooth_status(shown, SyncStatus(Connectivity.ONLINE))
    assert describe_status(done) == "Online · all results uploaded"
    again = smooth_status(done, SyncStatus(Connectivity.ONLINE, waiting=2, uploading=True))
    assert describe_status(again) == "Online · uploading 2 results"


def test_status_bar_counts_down_and_lists_attention(qtbot):
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.set_status(SyncStatus(Connectivity.RETRYING, waiting=3, retry_in_s=2))
    assert bar.current_text() == "Offline · 3 results waiting · retrying in 2 s"
    qtbot.waitUntil(lambda: "retrying in 1 s" in bar.current_text(), timeout=3000)

    assert bar.attention.isHidden()
    bar.set_attention([("r-1", "Ann: the contact was never leased to you")])
    assert not bar.attention.isHidden()
    assert "1 needs attention" in bar.attention.text()


def test_call_form_callback_and_survey(qtbot, script):
    form = CallForm()
    qtbot.addWidget(form)
    form.set_script(script)
    form.show()
    assert not form.save.isEnabled()
    form.outcomes.choose("not_home")
    assert form.selected().code == "not_home"
    assert form.survey_area.isHidden()
    assert form.answers() == {}
    form.outcomes.choose("answered")
    assert form.survey_area.isVisible()
    form.survey.box("vote").options()[2].setChecked(True)
    form.survey.box("issues").options()[0].setChecked(True)
    form.survey.box("issues").options()[3].setChecked(True)
    form.survey.box("say").text.setText("  likes parks ")
    assert form.answers() == {
        "vote": "Undecided",
        "issues": ["Buses", "Crime"],
        "say": "likes parks",
    }
    assert form.callback_at() is None
    form.outcomes.choose("call_back")
    assert form.callback.isVisible()
    assert form.callback_at() is None  # no time chosen yet: nothing silently assumed
    assert form.callback_refusal() is not None
    form.callback.buttons[QuickChoice.TOMORROW_EVENING].click()
    when = form.callback_at()
    assert when is not None
    assert when.tzinfo is not None
    assert when > dt.datetime.now(dt.UTC)
    assert form.callback_refusal() is None
    form.reset()
    assert form.selected() is None
    assert form.survey.answers() == {}


def test_outcome_clicks_keep_one_choice(qtbot, script):
    """(The outcome keys are the caller screen's: tests/app/ui/test_keymap.py.)"""
    form = CallForm()
    qtbot.addWidget(form)
    form.set_script(script)
    form.show()
    for _ in range(2):  # a click chooses; a second click keeps the choice
        qtbot.mouseClick(form.outcomes.buttons[4], Qt.MouseButton.LeftButton)
        assert form.selected().code == "wrong_number"
        assert [b.isChecked() for b in form.outcomes.buttons].count(True) == 1


def test_progress_panel(qtbot, utc_now):
    panel = ProgressPanel(target_per_hour=10)
    qtbot.addWidget(panel)
    started = utc_now - dt.timedelta(minutes=30)
    panel.set_stats(
        SessionStats(started, calls=12, reached=4, by_outcome={}, uploaded=10, waiting=2)
    )
    assert panel.calls.text() == "12"
    assert panel.reached.text() == "4"
    assert panel.rate.text() == "24"
    assert panel.bar.maximum() == 10
    assert panel.bar.value() == 4
    assert panel.leaderboard.isHidden()
    panel.set_team(
        TeamProgress(
            calls=287,
            reached=90,
            volunteers_active=5,
            my_calls=12,
            my_reached=4,
            leaderboard=(("Priya", 30),),
        )
    )
    assert "287 calls tonight" in panel.team.text()
    panel.show()
    panel.leaderboard_opt_in.setChecked(True)
    assert panel.leaderboard.isVisible()
    assert "Priya" in panel.leaderboard.text()
    assert panel.hours.isHidden()  # open around the clock: nothing to say
    panel.set_hours("Calling closes at 21:00 London time")
    assert panel.hours.isVisible()
    assert panel.hours.text() == "Calling closes at 21:00 London time"
    panel.set_hours("")
    assert panel.hours.isHidden()


def test_campaign_picker(qtbot, campaign):
    other = campaign.__class__(**{**campaign.__dict__, "id": 2, "name": "Second"})
    assert choose_campaign([campaign]) is campaign
    assert choose_campaign([]) is None
    picker = CampaignPicker([campaign, other])
    qtbot.addWidget(picker)
    picker.show()
    assert picker.selected() is campaign
    assert "calling hours 09:00–21:00 London time" in picker.list.item(0).text()
    qtbot.keyClick(picker.list, Qt.Key.Key_Down)
    with qtbot.waitSignal(picker.accepted):
        qtbot.keyClick(picker.list, Qt.Key.Key_Return)
    assert picker.selected() is other


def test_tel_url_shape(contact):
    assert QUrl(f"tel:{contact.phone}").toString() == "tel:+442079460123"


def test_theme_light_and_dark(qapp):
    from PySide6.QtGui import QPalette

    from caller_app.ui.resources import icon
    from caller_app.ui.theme import apply_theme

    try:
        apply_theme(qapp, "dark")
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
        apply_theme(qapp, "light")
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
        assert "QPushButton#outcome" in qapp.styleSheet()
    finally:
        qapp.setStyleSheet("")
    for name in (
        "app",
        "dial",
        "copy",
        "undo",
        "end",
        "attention",
        "sync-online",
        "sync-offline",
        "sync-uploading",
        "sync-signed-out",
    ):
        assert not icon(name).pixmap(32, 32).isNull(), name


def test_crash_handler_logs_and_shows_a_dialog(qtbot, caplog):
    import sys

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from caller_app.__main__ import install_excepthook

    shown: list[str] = []

    def close_dialog() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(20, close_dialog)

    previous = sys.excepthook
    install_excepthook()
    try:
        QTimer.singleShot(0, close_dialog)
        with caplog.at_level("CRITICAL", logger="caller_app"):
            try:
                raise ValueError("boom")
            except ValueError as exc:
                sys.excepthook(ValueError, exc, exc.__traceback__)
    finally:
        sys.excepthook = previous
    assert "uncaught exception" in caplog.text
    assert "ValueError: boom" in caplog.text
    assert shown
    assert "Your saved results are safe" in shown[0]
