"""From an invite to the first call, in a real browser (issue 14): Debian's headless
Chromium driven by Playwright, then a real app core.

The organiser makes an invite on the campaign's Invites tab; a stranger (a fresh
browser context, no cookies) opens the join link, makes an account, and is offered the
Linux download; then a real app core takes the invite (the app's API client looks the
code up, as the invite dialog does), signs in, and leases and records from that
campaign only.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from caller_app.api import ApiClient
from caller_server.models import Result
from tests.support.browser import needs_chromium
from tests.support.server import LiveServer, create_schema, db_session, seed

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(240),
    needs_chromium,
]
PASSWORD = "juniper rowing postcard"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("invite-browser")
    downloads = folder / "downloads"
    downloads.mkdir()
    (downloads / "caller-app-linux.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    create_schema(url)
    with LiveServer(url, env={"CALLER_SERVER_DOWNLOADS": str(downloads)}) as live:
        yield live


def test_an_invite_link_to_the_first_call(
    server: LiveServer, browser, qapp, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.corekit import Core

    expect = playwright_api.expect
    invited = seed(server.db_url, contacts=6, callers=0, open_to_all=False)
    other = seed(server.db_url, contacts=4, callers=0, open_to_all=False)
    base = server.url + "/admin"

    # The organiser makes an invite.
    organiser = browser.new_context().new_page()
    errors: list[str] = []
    organiser.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    organiser.goto(base + "/login")
    organiser.get_by_label("Username").fill(invited.organiser)
    organiser.get_by_label("Password").fill(invited.password)
    organiser.get_by_role("button", name="Sign in", exact=True).click()
    organiser.goto(f"{base}/campaigns/{invited.campaign_id}/edit")
    organiser.get_by_role("link", name="Invites", exact=True).click()
    organiser.get_by_label("Sign-ups allowed").fill("3")
    organiser.get_by_role("button", name="Make an invite", exact=True).click()
    expect(organiser.get_by_text("Invite made.")).to_be_visible()
    code = organiser.locator(".invite-code").first.inner_text()
    link = organiser.locator(".invite-link").first.inner_text()
    assert link == f"{server.url}/join/{code}"
    qr = organiser.get_by_role("img", name=f"QR code for {code}")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the SVG loaded under the CSP

    # A stranger opens the link, makes an account, and is offered the Linux download.
    stranger = browser.new_context(
        accept_downloads=True,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
        viewport={"width": 390, "height": 844},  # a phone-sized window: still readable
    ).new_page()
    stranger.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    stranger.goto(link)
    expect(stranger.get_by_role("heading", name="Join the phone bank for")).to_be_visible()
    stranger.get_by_label("Your name").fill("Rhian Newcomer")
    stranger.get_by_label("Choose a username").fill("rhian")
    stranger.get_by_label("Choose a password").fill("short")
    stranger.get_by_role("button", name="Create my account", exact=True).click()
    expect(stranger.get_by_text("at least 10 characters").first).to_be_visible()
    assert stranger.get_by_label("Your name").input_value() == "Rhian Newcomer"
    assert stranger.get_by_label("Choose a password").input_value() == ""
    stranger.get_by_label("Choose a password").fill(PASSWORD)
    stranger.get_by_role("button", name="Create my account", exact=True).click()
    expect(stranger.get_by_role("heading", name="Welcome! Your account is ready")).to_be_visible()
    offered = stranger.get_by_role("link", name="Download caller-app-linux.zip")
    expect(offered).to_be_visible()
    with stranger.expect_download() as got:
        offered.click()
    assert got.value.suggested_filename == "caller-app-linux.zip"
    open_link = stranger.get_by_role("link", name="Open in the caller app")
    assert open_link.get_attribute("href").startswith("caller-app://join?server=")
    # No CSP violation or failed resource; the form's 422 (a bad try) is expected.
    assert [e for e in errors if "status of 422" not in e] == []

    # A real app core takes the invite and calls for that campaign only.
    client = ApiClient(server.url)
    try:
        campaign_id = client.invite(code)[0]
        token, _account = client.login("rhian", PASSWORD)
        assert {c.id for c in client.campaigns()} == {invited.campaign_id}
    finally:
        client.close()
    assert campaign_id == invited.campaign_id
    core = Core.start(tmp_path / "app.sqlite3", server.url, "rhian", PASSWORD, campaign_id)
    try:
        core.wait_for_contacts(2)
        recorded = core.record(2, random.Random(21))
        core.wait_delivered()
    finally:
        core.stop()
    with db_session(server.db_url) as s:
        rows = s.scalars(select(Result).where(Result.id.in_([r.id for r in recorded]))).all()
        assert {r.campaign_id for r in rows} == {invited.campaign_id}
        assert len(rows) == 2
    refused = requests.post(
        f"{server.url}/api/v1/campaigns/{other.campaign_id}/batches",
        headers={"Authorization": f"Bearer {token}"},
        json={"size": 2, "request_id": "0b5c1f9e-3a2d-4e8f-9c7b-6d5e4f3a2b1c"},
        timeout=30,
    )
    assert refused.status_code in (403, 404)
