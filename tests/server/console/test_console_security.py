"""The console's security: organisers only, CSRF, CSP without inline script, no-store."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from caller_server import auth, invites
from caller_server.models import Campaign, Volunteer
from tests.support.console import Console, ScriptFinder
from tests.support.server import Seeded, db_session

PAGES = [
    "/",
    "/campaigns/new",
    "/campaigns/{id}/edit",
    "/campaigns/{id}/dashboard",
    "/campaigns/{id}/dashboard/live",
    "/campaigns/{id}/campaign.toml",
    "/campaigns/{id}/contacts",
    "/campaigns/{id}/exports",
    "/optouts",
    "/audit",
    "/volunteers",
    "/campaigns/{id}/invites",
    "/invites/{invite}/qr.svg",
]
POSTS = [
    "/logout",
    "/campaigns/new",
    "/campaigns/{id}/edit",
    "/campaigns/{id}/duplicate",
    "/campaigns/{id}/release",
    "/campaigns/{id}/void",
    "/campaigns/{id}/pause",
    "/campaigns/{id}/resume",
    "/campaigns/{id}/close",
    "/campaigns/upload",
    "/campaigns/{id}/contacts/upload",
    "/campaigns/{id}/contacts/check",
    "/campaigns/{id}/contacts/import",
    "/optouts",
    "/volunteers/new",
    "/volunteers/import",
    "/volunteers/{id}/role",
    "/volunteers/{id}/disable",
    "/volunteers/{id}/enable",
    "/volunteers/{id}/reset",
    "/campaigns/{id}/members",
    "/campaigns/{id}/members/remove",
    "/campaigns/{id}/open",
    "/campaigns/{id}/invites",
    "/invites/{invite}/revoke",
    "/campaigns/{id}/signups/{id}/approve",
    "/campaigns/{id}/signups/{id}/decline",
]


def _invite_id(data: Seeded) -> int:
    """An invite of the seeded campaign, for the invite pages."""
    with db_session(data.db_url) as s:
        campaign = s.get(Campaign, data.campaign_id)
        assert campaign is not None
        invite = invites.create(s, campaign, None, 7, 5, False)
        s.commit()
        return invite.id


def fill(path: str, data: Seeded) -> str:
    invite = _invite_id(data) if "{invite}" in path else 0
    return path.format(id=data.campaign_id, invite=invite)


def pages(data: Seeded) -> list[str]:
    return [fill(p, data) for p in PAGES]


def test_every_page_needs_a_signed_in_organiser(anon: Console, data: Seeded) -> None:
    for path in pages(data):
        reply = anon.get(path, follow_redirects=False)
        assert reply.status_code == 303, path
        assert reply.headers["location"].startswith("/admin/login"), path


def test_a_caller_gets_403_on_every_console_page(anon: Console, data: Seeded) -> None:
    reply = anon.sign_in(data.callers[0], data.password)
    assert reply.status_code == 403
    assert "organisers" in reply.text
    # Even holding a valid sign-in token (as the app has) in the cookie.
    with db_session(data.db_url) as s:
        vol = s.get(Volunteer, data.volunteer_ids[data.callers[0]])
        raw, _ = auth.issue_token(s, vol)
        s.commit()
    anon.client.cookies.set("console_session", raw, path="/admin")
    for path in pages(data):
        assert anon.get(path, follow_redirects=False).status_code == 403, path
    for path in POSTS:
        reply = anon.post(fill(path, data), {"csrf_token": "x"})
        assert reply.status_code == 403, path


def test_a_post_without_a_valid_csrf_token_is_refused(organiser: Console, data: Seeded) -> None:
    for path in POSTS:
        path = fill(path, data)
        assert organiser.post(path, {"volunteer_id": "1"}, token=False).status_code == 403, path
        bad = organiser.post(path, {"volunteer_id": "1", "csrf_token": "forged"}, token=False)
        assert bad.status_code == 403, path
    # The sign-in form too (double-submit cookie).
    organiser.client.cookies.delete("console_login_csrf", path="/admin")
    reply = organiser.post(
        "/login",
        {"username": data.organiser, "password": data.password, "csrf_token": "guess"},
        token=False,
    )
    assert reply.status_code == 403


def test_no_page_has_inline_script_and_every_page_has_the_headers(
    organiser: Console, anon: Console, data: Seeded
) -> None:
    replies = [anon.get("/login")] + [organiser.get(p) for p in pages(data)]
    for reply in replies:
        assert reply.status_code == 200, reply.url
        csp = reply.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert reply.headers["cache-control"] == "no-store"
        assert reply.headers["x-frame-options"] == "DENY"
        if reply.headers["content-type"].startswith("text/html"):
            finder = ScriptFinder()
            finder.feed(reply.text)
            assert finder.inline == [], (reply.url, finder.inline)
            for src in finder.sources:
                assert src.startswith("/admin/static/"), src
                assert organiser.client.get(src).status_code == 200, src


def test_the_volunteer_api_replies_are_not_stored(anon: Console, data: Seeded) -> None:
    client = anon.client
    login = client.post(
        "/api/v1/auth/login", json={"username": data.callers[0], "password": data.password}
    )
    assert login.headers["cache-control"] == "no-store"
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    batch = client.post(
        f"/api/v1/campaigns/{data.campaign_id}/batches",
        headers=headers,
        json={"size": 2, "request_id": "7d0f5a8e-8c1e-4a44-9b7e-2f1f6b5f0a01"},
    )
    assert batch.status_code == 200
    assert batch.headers["cache-control"] == "no-store"
    assert client.get("/api/v1/health").headers["cache-control"] == "no-store"
    script = client.get(f"/api/v1/campaigns/{data.campaign_id}/script", headers=headers)
    assert script.headers["cache-control"] == "no-cache"  # its own ETag revalidation


def test_session_cookie_flags_sign_out_and_expiry(anon: Console, data: Seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    reply = anon.sign_in(data.organiser, data.password)
    cookie = reply.headers["set-cookie"]
    assert "console_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over HTTPS it is Secure
    assert anon.get("/").status_code == 200
    assert anon.post("/logout").status_code == 303
    assert anon.get("/", follow_redirects=False).status_code == 303
    # An expired session sends the organiser back to sign in.
    monkeypatch.setenv("CALLER_CONSOLE_SESSION_S", "0.5")
    signed = anon.sign_in(data.organiser, data.password)
    token = signed.headers["set-cookie"].split("console_session=")[1].split(";")[0]
    time.sleep(1.0)
    anon.client.cookies.set("console_session", token, path="/admin")  # the browser kept it
    reply = anon.get("/", follow_redirects=False)
    assert reply.headers["location"] == "/admin/login?expired=1"


def test_https_sets_a_secure_cookie(console_app, data: Seeded) -> None:  # type: ignore[no-untyped-def]
    with TestClient(console_app, base_url="https://testserver") as client:
        console = Console(client)
        reply = console.sign_in(data.organiser, data.password)
        assert "Secure" in reply.headers["set-cookie"]
