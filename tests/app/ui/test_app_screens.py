"""Sign-in, dial and copy, accessibility, out of contacts, signed out, remembered layout.

All against the real server in this process; the `tel:` handler is the one piece
replaced, because no phone app exists on a test machine.
"""

from __future__ import annotations

import keyring
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from sqlalchemy import select, update

from caller_app.credentials import SERVICE, keyring_key
from caller_app.ui.launcher import ui_settings
from caller_app.ui.main_window import MainWindow
from caller_server.models import Campaign
from tests.support.e2e import open_screen, record
from tests.support.server import Api, engine_for, free_port, seed


def sign_in_with(qtbot, launcher, url: str, user: str, password: str, remember=False):
    dialog = launcher.sign_in_dialog
    dialog.server.setText(url)
    dialog.username.setText(user)
    dialog.password.setText(password)
    dialog.remember.setChecked(remember)
    dialog.submit()
    qtbot.waitUntil(lambda: not launcher.sign_in_dialog.model.busy, timeout=15000)
    return dialog


def test_sign_in_errors_are_sentences(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=2, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    launcher.start()
    dialog = sign_in_with(qtbot, launcher, server.url, seeded.callers[0], "wrong password")
    assert dialog.isVisible()
    assert dialog.error.isVisible()
    message = dialog.error.text()
    assert message.endswith(".")
    assert "password" in message.lower()
    assert QApplication.focusWidget() is dialog.password

    dialog = sign_in_with(
        qtbot, launcher, f"http://127.0.0.1:{free_port()}", seeded.callers[0], seeded.password
    )
    assert "reach" in dialog.error.text()
    assert launcher.window is None

    dialog.username.clear()
    dialog.submit()
    assert dialog.error.text() == "Enter your username and password."


def test_remember_me_keeps_the_token_in_the_keyring(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=3, callers=2)
    first, second = seeded.callers
    launcher = make_launcher(tmp_path / "one", server.url)
    launcher.start()
    sign_in_with(qtbot, launcher, server.url, first, seeded.password, remember=True)
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=15000)
    url = launcher.core.account.server_url
    assert keyring.get_password(SERVICE, keyring_key(url, first))
    launcher.window._ended = True  # quit without the summary
    launcher.window.close()
    launcher.close()
    launcher.core.store.close()

    # next launch: no sign-in dialog, straight back to calling
    again = make_launcher(tmp_path / "one", None)
    again.start()
    qtbot.waitUntil(lambda: again.window is not None, timeout=15000)
    assert again.sign_in_dialog is None

    other = make_launcher(tmp_path / "two", server.url)
    other.start()
    sign_in_with(qtbot, other, server.url, second, seeded.password, remember=False)
    qtbot.waitUntil(lambda: other.window is not None, timeout=15000)
    assert keyring.get_password(SERVICE, keyring_key(url, second)) is None


class TelHandler(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_dial_copy_shortcuts_and_accessible_names(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=3, callers=1)
    window, screen = open_screen(qtbot, make_launcher(tmp_path / "app", server.url), seeded)
    with qtbot.waitActive(window):
        window.activateWindow()
    handler = TelHandler()
    QDesktopServices.setUrlHandler("tel", handler, "open")
    try:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_D)
    finally:
        QDesktopServices.unsetUrlHandler("tel")
    contact = screen.card.contact
    assert [u.toString() for u in handler.urls] == [f"tel:{contact.phone}"]
    qtbot.keyClick(
        QApplication.focusWidget(),
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert QGuiApplication.clipboard().text() == contact.phone

    screen.card.dial.setFocus()
    for expected in (
        screen.card.copy,
        screen.form.outcomes.buttons[0],
        screen.form.outcomes.buttons[1],
    ):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected

    screen.form.outcomes.choose("answered")  # show the survey too
    unnamed = [
        w
        for w in window.findChildren(QWidget)
        if w.isVisible()
        and w.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not w.accessibleName()
        and not (isinstance(w, QAbstractButton) and w.text())
        and w.metaObject().className() not in ("QScrollBar", "QSplitterHandle")
    ]
    assert unnamed == [], [w.metaObject().className() for w in unnamed]


def test_out_of_contacts_is_said_in_words(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=2, callers=1)
    _, screen = open_screen(qtbot, make_launcher(tmp_path / "app", server.url), seeded)
    record(qtbot, screen, "not_home")
    screen.form.outcomes.choose("busy")
    screen.save()
    assert screen.card.contact is None
    assert not screen.form.isEnabled()
    # the not-home call comes back for a retry later: said, with its time
    qtbot.waitUntil(
        lambda: screen.empty.text().startswith("Everyone has been called for"), timeout=15000
    )
    assert "retry" in screen.empty.text() or "calling hours end" in screen.empty.text()
    assert screen.contact_stack.currentWidget() is screen.empty


def test_signed_out_mid_session_keeps_results_and_asks_to_sign_in(
    qtbot, server, make_launcher, tmp_path
):
    seeded = seed(server.db_url, contacts=6, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded)
    organiser = Api.login(server.url, seeded.organiser, seeded.password)
    volunteer_id = seeded.volunteer_ids[seeded.callers[0]]
    assert organiser.post(f"/admin/volunteers/{volunteer_id}/revoke").status_code == 200
    organiser.close()
    record(qtbot, screen, "answered")
    record(qtbot, screen, "busy")
    qtbot.waitUntil(lambda: window.status.current_text().startswith("Signed out"), timeout=15000)
    assert window.status.current_text() == "Signed out · sign in to upload 2 results"
    qtbot.waitUntil(
        lambda: launcher.sign_in_dialog is not None and launcher.sign_in_dialog.isVisible(),
        timeout=5000,
    )
    assert screen.card.contact is not None  # calling goes on meanwhile

    sign_in_with(qtbot, launcher, server.url, seeded.callers[0], seeded.password)
    qtbot.waitUntil(
        lambda: window.status.current_text() == "Online · all results uploaded", timeout=15000
    )
    assert not launcher.sign_in_dialog.isVisible()


def test_window_size_and_splitters_are_remembered(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=3, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded)
    window.resize(760, 650)  # offscreen: an 800 x 800 screen
    screen.splitter.setSizes([250, 300, 200])
    sizes = screen.splitter.sizes()
    window.save_layout()
    again = MainWindow(launcher.model, ui_settings(tmp_path / "app"))
    qtbot.addWidget(again)
    again.show()
    assert again.size().height() == 650
    assert again.screen_.splitter.sizes() == sizes
    assert (tmp_path / "app" / "ui-settings.ini").exists()


def test_rejected_result_shows_in_needs_attention(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=4, callers=1)
    window, screen = open_screen(qtbot, make_launcher(tmp_path / "app", server.url), seeded)
    # The organiser drops the survey while this volunteer still has the old script.
    with engine_for(server.db_url).begin() as conn:
        script = conn.execute(select(Campaign.script).where(Campaign.id == seeded.campaign_id))
        changed = {**script.scalar_one(), "questions": []}
        conn.execute(
            update(Campaign).where(Campaign.id == seeded.campaign_id).values(script=changed)
        )
    contact = screen.card.contact
    screen.form.outcomes.choose("answered")
    screen.form.survey.box("support").options()[0].setChecked(True)
    screen.save()
    qtbot.waitUntil(lambda: window.status.attention.isVisible(), timeout=15000)
    assert window.status.attention.text() == "1 needs attention"
    assert len(window.status._items) == 1
    assert window.status._items[0].startswith("Spoke to them call")
    qtbot.waitUntil(lambda: window.status.current_text().endswith("1 result needs your attention"))
    assert "all results uploaded" not in window.status.current_text()

    window.status.attention.click()  # the list: whom, what, when, why
    dialog = window.attention_dialog
    assert dialog is not None
    assert dialog.isVisible()
    item = dialog.table.topLevelItem(0)
    assert item.text(0) == contact.full_name
    assert item.text(1) == "Spoke to them"
    assert item.text(3)  # the server's reason, whole
    dialog.close()
    qtbot.waitUntil(lambda: window.attention_dialog is None)
