"""Invites in the console and the public join page (issue 14), in-process on both databases.

The console: make, list and turn off invites; the QR route returns an SVG of the link;
approving sign-ups. The join page (a stranger, no account): the campaign's name and
seat, the form's errors next to their fields (typed name and username kept, the password
never), the download for the visitor's OS, "Open in the caller app", the CSP, and the
same page for every unusable code. Each stranger has their own client address.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caller_server.models import AuditEntry, CampaignMember, Invite, Volunteer
from tests.support.console import Console, ScriptFinder
from tests.support.server import Seeded, db_session

PASSWORD = "marmalade kite harbour"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 Version/17.1 Safari/605.1.15"
)
LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
)
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))
JOIN_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def bundles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("caller-app-windows.zip", "caller-app-macos.zip", "caller-app-linux.zip"):
        (tmp_path / name).write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    (tmp_path / "secret.txt").write_text("not for download")
    monkeypatch.setenv("CALLER_SERVER_DOWNLOADS", str(tmp_path))
    monkeypatch.setenv("CALLER_SERVER_URL", "https://phonebank.example.org")
    return tmp_path


@pytest.fixture
def stranger(console_app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(console_app, client=(next(_addresses), 50000)) as client:
        yield client


def make_invite(organiser: Console, campaign_id: int, **form: str) -> tuple[str, int]:
    organiser.get(f"/campaigns/{campaign_id}/invites")
    reply = organiser.post(f"/campaigns/{campaign_id}/invites", {"days": "7", **form})
    assert reply.status_code == 303, reply.text
    page = organiser.get(f"/campaigns/{campaign_id}/invites").text
    code = re.findall(r'class="invite-code">([A-Z0-9-]+)<', page)[0]
    invite_id = int(re.findall(r"/admin/invites/(\d+)/qr.svg", page)[0])
    return code, invite_id


def open_join(client: TestClient, code: str, agent: str = LINUX):  # type: ignore[no-untyped-def]
    return client.get(f"/join/{code}", headers={"User-Agent": agent})


def submit(client: TestClient, code: str, agent: str = LINUX, **form: str):  # type: ignore[no-untyped-def]
    page = open_join(client, code, agent)
    token = JOIN_CSRF.search(page.text)
    assert token, page.text
    data = {"csrf": token.group(1), "name": "Tomasz Newcomer", "username": "tomasz", **form}
    data.setdefault("password", PASSWORD)
    return client.post(f"/join/{code}", data=data, headers={"User-Agent": agent})


def test_make_list_and_turn_off_an_invite(organiser: Console, data: Seeded, bundles: Path) -> None:
    code, invite_id = make_invite(organiser, data.campaign_id, max_uses="3")
    page = organiser.get(f"/campaigns/{data.campaign_id}/invites").text
    assert f"https://phonebank.example.org/join/{code}" in page
    assert "0 of 3" in page
    assert "working" in page
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{3}-[2-9A-HJ-NP-Z]{3}", code)
    qr = organiser.get(f"/invites/{invite_id}/qr.svg")
    assert qr.status_code == 200
    assert qr.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in qr.content
    assert b"<path" in qr.content
    organiser.get(f"/campaigns/{data.campaign_id}/invites")
    assert organiser.post(f"/invites/{invite_id}/revoke").status_code == 303
    page = organiser.get(f"/campaigns/{data.campaign_id}/invites").text
    assert "turned off" in page
    with db_session(data.db_url) as s:
        actions = {
            e.action
            for e in s.scalars(select(AuditEntry).where(AuditEntry.campaign_id == data.campaign_id))
        }
    assert {"invite_created", "invite_revoked"} <= actions


def test_bad_numbers_are_said_in_words(organiser: Console, data: Seeded) -> None:
    organiser.get(f"/campaigns/{data.campaign_id}/invites")
    reply = organiser.post(f"/campaigns/{data.campaign_id}/invites", {"days": "900"})
    assert reply.status_code == 422
    assert "An invite lasts 1 to 90 days" in reply.text


def test_a_stranger_joins_and_is_offered_the_linux_download(
    organiser: Console, stranger: TestClient, data: Seeded, bundles: Path
) -> None:
    code, _ = make_invite(organiser, data.campaign_id)
    page = open_join(stranger, code)
    assert page.status_code == 200
    assert "Test campaign" in page.text or "Join the phone bank for" in page.text
    finder = ScriptFinder()
    finder.feed(page.text)
    assert finder.inline == []
    assert finder.sources == []
    assert "script-src 'self'" in page.headers["content-security-policy"]
    username = f"tomasz-{code}"
    done = submit(stranger, code, username=username)
    assert done.status_code == 200, done.text
    assert "Your account is ready" in done.text
    assert 'href="/downloads/caller-app-linux.zip"' in done.text
    assert "Extract here" in done.text
    link = f"caller-app://join?server=https%3A%2F%2Fphonebank.example.org&amp;code={code}"
    assert link in done.text
    with db_session(data.db_url) as s:
        vol = s.scalar(select(Volunteer).where(Volunteer.username == username))
        assert vol is not None
        assert vol.disabled_at is None
        assert s.get(CampaignMember, (data.campaign_id, vol.id)) is not None
        invite = s.scalar(select(Invite).where(Invite.code == code))
        assert invite is not None
        assert invite.uses == 1
    got = stranger.get("/downloads/caller-app-linux.zip")
    assert got.status_code == 200
    assert got.content.startswith(b"PK")
    assert stranger.get("/downloads/secret.txt").status_code == 404
    assert stranger.get("/downloads/..%2Fsecret.txt").status_code == 404


@pytest.mark.parametrize(
    ("agent", "file", "words"),
    [
        (WINDOWS, "caller-app-windows.zip", "Run anyway"),
        (MAC, "caller-app-macos.zip", "right-click"),
        (LINUX, "caller-app-linux.zip", "Extract here"),
    ],
)
def test_each_os_is_offered_its_own_file_and_steps(
    organiser: Console, stranger: TestClient, data: Seeded, bundles: Path,
    agent: str, file: str, words: str,
) -> None:  # fmt: skip
    code, _ = make_invite(organiser, data.campaign_id)
    done = submit(stranger, code, agent, username=f"os-{code}")
    assert done.status_code == 200, done.text
    first = re.search(r'class="button" href="/downloads/([^"]+)"', done.text)
    assert first
    assert first.group(1) == file
    assert words in done.text


def test_a_phone_is_told_to_use_a_computer(stranger: TestClient, bundles: Path) -> None:
    page = stranger.get("/download", headers={"User-Agent": PHONE})
    assert page.status_code == 200
    assert "not on a phone" in page.text
    assert "caller-app-windows.zip" in page.text


def test_form_errors_sit_by_their_fields_and_keep_all_but_the_password(
    organiser: Console, stranger: TestClient, data: Seeded
) -> None:
    code, _ = make_invite(organiser, data.campaign_id, max_uses="1")
    bad = submit(stranger, code, name="Ffion Newcomer", username="ffion w", password="hunter2")
    assert bad.status_code == 422
    text = bad.text
    assert 'id="username-error"' in text
    assert "without spaces" in text
    assert 'id="password-error"' in text
    assert "10 characters" in text
    assert 'value="Ffion Newcomer"' in text
    assert 'value="ffion w"' in text
    assert "hunter2" not in text
    # An existing username: said next to the username, and the use is not taken.
    taken = submit(stranger, code, username=data.callers[0].upper())
    assert taken.status_code == 422
    assert "That username is taken" in taken.text
    with db_session(data.db_url) as s:
        invite = s.scalar(select(Invite).where(Invite.code == code))
        assert invite is not None
        assert invite.uses == 0


def test_a_form_from_another_site_is_refused(
    organiser: Console, stranger: TestClient, data: Seeded
) -> None:
    code, _ = make_invite(organiser, data.campaign_id)
    reply = stranger.post(
        f"/join/{code}",
        data={"csrf": "forged", "name": "X Y", "username": "xy", "password": PASSWORD},
    )
    assert reply.status_code == 403


def test_every_unusable_code_gets_the_same_clear_page(
    organiser: Console, stranger: TestClient, data: Seeded
) -> None:
    code, invite_id = make_invite(organiser, data.campaign_id)
    organiser.get(f"/campaigns/{data.campaign_id}/invites")
    organiser.post(f"/invites/{invite_id}/revoke")
    pages = [open_join(stranger, c) for c in (code, "ZZZ-ZZZ", "0O1I", "x" * 5000)]
    assert {p.status_code for p in pages} == {404}
    assert all("doesn't work any more" in p.text for p in pages)


def test_approval_waits_for_the_organiser(
    organiser: Console, stranger: TestClient, data: Seeded
) -> None:
    code, _ = make_invite(organiser, data.campaign_id, approval="on")
    assert "An organiser approves each new volunteer" in open_join(stranger, code).text
    username = f"waits-{code}"
    done = submit(stranger, code, username=username)
    assert "waiting for approval" in done.text
    page = organiser.get(f"/campaigns/{data.campaign_id}/invites").text
    assert username in page
    with db_session(data.db_url) as s:
        vol = s.scalar(select(Volunteer).where(Volunteer.username == username))
        assert vol is not None
        assert vol.disabled_at is not None
        vid = vol.id
    reply = organiser.post(f"/campaigns/{data.campaign_id}/signups/{vid}/approve")
    assert reply.status_code == 303
    with db_session(data.db_url) as s:
        vol = s.get(Volunteer, vid)
        assert vol is not None
        assert vol.disabled_at is None
        assert vol.pending_invite_id is None
