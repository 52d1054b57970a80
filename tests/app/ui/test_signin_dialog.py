"""The sign-in dialog by keyboard, against the real server (in this process).

Enter always signs in: after a wrong password or an unreachable server, Enter signs
in again and that attempt reaches the server; Cancel is never the default button.
"""

from __future__ import annotations

import socket

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton

from caller_app.ui.signin_dialog import SignInDialog
from caller_app.ui.viewmodels import SignInModel
from tests.support.e2e import press, type_text
from tests.support.server import seed, seed_campaign

K = Qt.Key


def _cancel(dialog: SignInDialog) -> QPushButton:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert button is not None
    return button


def _default_buttons(dialog: SignInDialog) -> list[QPushButton]:
    return [b for b in dialog.findChildren(QPushButton) if b.isDefault()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_wrong_password_then_enter_signs_in(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=5, callers=1)
    seed_campaign(server.db_url, name="Another campaign")  # so the picker shows
    launcher = make_launcher(tmp_path / "app", server.url)
    quits: list[int] = []
    launcher.finished.connect(quits.append)
    launcher.start()
    dialog = launcher.sign_in_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.username)
    assert _default_buttons(dialog) == [dialog.sign_in_button]

    type_text(qtbot, seeded.callers[0])
    press(qtbot, K.Key_Tab)
    type_text(qtbot, "not the password")
    press(qtbot, K.Key_Return)
    assert dialog.model.busy
    # while signing in, focus stays put (not on Cancel), Cancel is not the default
    assert QApplication.focusWidget() is not _cancel(dialog)
    assert not _cancel(dialog).isDefault()
    qtbot.waitUntil(lambda: not dialog.model.busy, timeout=15000)
    assert dialog.error.isVisible()
    assert dialog.error.text()
    assert QApplication.focusWidget() is dialog.password
    assert _default_buttons(dialog) == [dialog.sign_in_button]

    type_text(qtbot, seeded.password)  # the wrong one is selected: typing replaces it
    assert dialog.password.text() == seeded.password
    press(qtbot, K.Key_Return)
    qtbot.waitUntil(
        lambda: launcher.picker is not None and launcher.picker.isVisible(), timeout=15000
    )
    assert quits == []
    assert launcher.core.store.account() is not None  # the second sign-in reached the server


def test_unreachable_then_enter_retries(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=5, callers=1)
    seed_campaign(server.db_url, name="Another campaign")
    nowhere = f"http://127.0.0.1:{_free_port()}"
    launcher = make_launcher(tmp_path / "app", nowhere)
    quits: list[int] = []
    launcher.finished.connect(quits.append)
    launcher.start()
    dialog = launcher.sign_in_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.username)
    type_text(qtbot, seeded.callers[0])
    press(qtbot, K.Key_Tab)
    type_text(qtbot, seeded.password)
    press(qtbot, K.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=15000)
    assert "reach" in dialog.error.text()
    assert QApplication.focusWidget() is dialog.server  # the field to fix
    assert _default_buttons(dialog) == [dialog.sign_in_button]

    dialog.server.selectAll()
    type_text(qtbot, server.url)
    press(qtbot, K.Key_Return)
    qtbot.waitUntil(
        lambda: launcher.picker is not None and launcher.picker.isVisible(), timeout=15000
    )
    assert quits == []


def test_enter_twice_after_a_failure_never_cancels(qtbot, make_launcher, tmp_path):
    nowhere = f"http://127.0.0.1:{_free_port()}"
    launcher = make_launcher(tmp_path / "app", nowhere)
    quits: list[int] = []
    launcher.finished.connect(quits.append)
    launcher.start()
    dialog = launcher.sign_in_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.username)
    dialog.username.setText("sam")
    dialog.password.setText("pw")
    for _ in range(2):
        dialog.password.setFocus()
        press(qtbot, K.Key_Return)
        qtbot.waitUntil(lambda: not dialog.model.busy and dialog.error.isVisible(), timeout=15000)
        dialog.error.hide()
    assert quits == []
    assert dialog.isVisible()


def test_cancel_is_never_the_default(qtbot):
    dialog = SignInDialog(SignInModel(lambda *_: None), "https://phonebank.example.org", "sam")
    qtbot.addWidget(dialog)
    dialog.show()
    cancel = _cancel(dialog)
    assert not cancel.autoDefault()
    cancel.setFocus()  # even with the focus on it
    assert not cancel.isDefault()
    assert dialog.sign_in_button.isDefault()


@pytest.mark.parametrize("persistent", [True, False])
def test_no_keyring_is_said_near_remember_me(qtbot, persistent, make_launcher, tmp_path):
    if not persistent:
        previous = keyring.get_keyring()
        keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        launcher = make_launcher(tmp_path / "app", "https://phonebank.example.org")
        launcher.start()
        dialog = launcher.sign_in_dialog
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible)
        assert dialog.no_keyring.isVisible() is (not persistent)
        if not persistent:
            assert "sign in again next time" in dialog.no_keyring.text()
            below = dialog.no_keyring.mapTo(dialog, dialog.no_keyring.rect().topLeft()).y()
            remember = dialog.remember.mapTo(dialog, dialog.remember.rect().bottomLeft()).y()
            assert 0 <= below - remember < 30  # right under "Remember me"
            assert dialog.no_keyring.height() >= 2 * dialog.fontMetrics().height() - 4
    finally:
        if not persistent:
            keyring.set_keyring(previous)
