"""Joining with an invite in the app (issue 14), against the real server in this process.

- `caller-app <join link>`: the invite dialog opens filled in, the account is made,
  and the app opens the invite's campaign (not the picker, though there are two).
- "New volunteer? Paste your invite" with a bare code uses the sign-in dialog's server.
- Someone who made the account on the join page just signs in through the invite.
- A bad link is said in words; an approval-first invite says the account waits.
- An app older than the server's `min_app_version` says so in words, offers the
  download page, and keeps the unsent call of the previous session.
"""

from __future__ import annotations

import pytest
import requests
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from sqlalchemy import select

from caller_app.domain.invites import Invite, app_link
from caller_server.models import CampaignMember, Token, Volunteer
from tests.support.e2e import record
from tests.support.invites import make_invite
from tests.support.server import db_session, seed, seed_campaign

PASSWORD = "saffron lantern meadow"


def _fill(dialog, name: str, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    dialog.name.setText(name)
    dialog.username.setText(username)
    dialog.password.setText(password)


def _invite_dialog(qtbot, launcher):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: (
            launcher.sign_in_dialog is not None
            and launcher.sign_in_dialog.invite_dialog is not None
            and launcher.sign_in_dialog.invite_dialog.isVisible()
        ),
        timeout=5000,
    )
    return launcher.sign_in_dialog.invite_dialog


def test_a_join_link_on_the_command_line_makes_the_account_and_opens_its_campaign(
    qtbot, server, make_launcher, tmp_path
) -> None:
    invited = seed(server.db_url, contacts=4, callers=0, open_to_all=False)
    seed_campaign(server.db_url, name="Another campaign")  # open: the picker would show
    code = make_invite(server.db_url, invited.campaign_id)
    launcher = make_launcher(tmp_path / "app", None)
    launcher.invite = f"{server.url}/join/{code}"
    launcher.start()
    dialog = _invite_dialog(qtbot, launcher)
    assert dialog.server.text() == server.url
    _fill(dialog, "Nia Newcomer", "nia-from-link")
    dialog.submit()
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=15000)
    assert launcher.model is not None
    assert launcher.model.campaign.id == invited.campaign_id
    assert launcher.picker is None
    with db_session(server.db_url) as s:
        vol = s.scalar(select(Volunteer).where(Volunteer.username == "nia-from-link"))
        assert vol is not None
        assert s.get(CampaignMember, (invited.campaign_id, vol.id)) is not None


def test_a_pasted_code_uses_the_server_field_of_the_sign_in_dialog(
    qtbot, server, make_launcher, tmp_path
) -> None:
    invited = seed(server.db_url, contacts=4, callers=0, open_to_all=False)
    seed_campaign(server.db_url, name="Another campaign")
    code = make_invite(server.db_url, invited.campaign_id)
    launcher = make_launcher(tmp_path / "app", server.url)
    launcher.start()
    signin = launcher.sign_in_dialog
    assert signin is not None
    assert signin.join.isVisible()
    assert signin.join.text() == "New volunteer? Paste your invite"
    signin.join.click()
    dialog = _invite_dialog(qtbot, launcher)
    dialog.invite.setText(code.lower().replace("-", " "))
    _fill(dialog, "Oisin Newcomer", "oisin-code")
    dialog.submit()
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=15000)
    assert launcher.model.campaign.id == invited.campaign_id


def test_an_account_made_on_the_join_page_just_signs_in(
    qtbot, server, make_launcher, tmp_path
) -> None:
    invited = seed(server.db_url, contacts=4, callers=0, open_to_all=False)
    seed_campaign(server.db_url, name="Another campaign")
    code = make_invite(server.db_url, invited.campaign_id)
    made = requests.post(
        f"{server.url}/api/v1/invites/{code}/accept",
        json={"name": "Pia Web", "username": "pia-web", "password": PASSWORD},
        timeout=30,
    )
    assert made.status_code == 200, made.text
    launcher = make_launcher(tmp_path / "app", None)
    launcher.invite = app_link(Invite(server.url, code))
    launcher.start()
    dialog = _invite_dialog(qtbot, launcher)
    dialog.have_account.setChecked(True)
    assert not dialog.name.isVisible()
    dialog.username.setText("pia-web")
    dialog.password.setText(PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=15000)
    assert launcher.model.campaign.id == invited.campaign_id
    with db_session(server.db_url) as s:  # no second account
        assert len(s.scalars(select(Volunteer).where(Volunteer.name == "Pia Web")).all()) == 1


def test_bad_links_weak_passwords_and_approval_are_said_in_words(
    qtbot, server, make_launcher, tmp_path
) -> None:
    invited = seed(server.db_url, contacts=2, callers=0, open_to_all=False)
    code = make_invite(server.db_url, invited.campaign_id, needs_approval=True)
    launcher = make_launcher(tmp_path / "app", server.url)
    launcher.start()
    dialog = launcher.sign_in_dialog.open_invite(
        "https://phonebank.example.org@evil.example/join/K7P-2QX"
    )
    dialog.submit()
    assert "user name in it" in dialog.error.text()
    assert dialog.error.isVisible()
    dialog.invite.setText(f"{server.url}/join/{code}")
    _fill(dialog, "Quinn Newcomer", "quinn-weak", "password123!")
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.model.busy and dialog.error.isVisible(), timeout=15000)
    assert "common" in dialog.error.text() or "guess" in dialog.error.text()
    _fill(dialog, "Quinn Newcomer", "quinn-waits")
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.model.busy and dialog.error.isVisible(), timeout=15000)
    assert "approve" in dialog.error.text()
    assert launcher.window is None


class _Browser(QObject):
    """Stands in for the web browser: QDesktopServices hands it the URLs it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    catcher = _Browser()
    QDesktopServices.setUrlHandler("http", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("http")


def test_an_app_too_old_for_the_server_says_so_and_keeps_unsent_calls(
    qtbot, server, make_launcher, tmp_path, monkeypatch, browser
) -> None:
    from tests.support.e2e import open_screen

    seeded = seed(server.db_url, contacts=4, callers=2)
    first = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, first, seeded)
    server.stop()  # offline: the next call waits on this computer
    record(qtbot, screen, "not_home")
    qtbot.waitUntil(lambda: first.core.waiting_count() == 1, timeout=10000)
    window.save_layout()
    window._ended = True
    window.close()
    first.close()
    first.core.store.close()

    monkeypatch.setenv("CALLER_SERVER_MIN_APP_VERSION", "99.0")
    server.start()
    second = make_launcher(tmp_path / "app", server.url)
    second.start()
    dialog = second.sign_in_dialog
    assert dialog is not None
    dialog.username.setText(seeded.callers[1])  # someone else: a wipe would follow sign-in
    dialog.password.setText(seeded.password)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.model.busy and dialog.error.isVisible(), timeout=15000)
    text = dialog.error.text()
    assert "too old" in text
    assert "needs version 99.0 or newer" in text
    assert "kept on this computer" in text
    assert dialog.get_app.isVisible()
    dialog.get_app.click()
    assert browser.opened == [f"{server.url}/download"]
    assert second.core.waiting_count() == 1  # the unsent call is still here
    assert second.window is None
    # The version check ran beside the sign-in (issue 15): the token it got is given back.
    with db_session(server.db_url) as session:
        live = session.scalars(
            select(Token.id)
            .join(Volunteer, Volunteer.id == Token.volunteer_id)
            .where(Volunteer.username == seeded.callers[1], Token.revoked_at.is_(None))
        ).all()
    assert live == []
