"""Console pages for accounts (issue 14): volunteers, bulk add, links, members, CSRF."""

from __future__ import annotations

import re

from sqlalchemy import select

from caller_server.models import AuditEntry, Campaign, CampaignMember, Volunteer
from tests.support.console import Console, ScriptFinder
from tests.support.server import Seeded, db_session

LINK = re.compile(r"https?://[^<\s]+/admin/set-password/([A-Za-z0-9_-]+)")


def _no_inline_script(html: str) -> None:
    finder = ScriptFinder()
    finder.feed(html)
    assert finder.inline == []


def _volunteer(db_url: str, username: str) -> Volunteer | None:
    with db_session(db_url) as s:
        return s.scalar(select(Volunteer).where(Volunteer.username_key == username.casefold()))


def test_the_list_shows_every_volunteer(organiser: Console, data: Seeded) -> None:
    page = organiser.get("/volunteers")
    assert page.status_code == 200
    _no_inline_script(page.text)
    for username in (*data.callers, data.organiser):
        assert username in page.text
    assert "Calls tonight" in page.text
    assert "Last seen" in page.text


def test_add_one_gives_a_link_that_sets_the_password(
    organiser: Console, anon: Console, data: Seeded
) -> None:
    username = "Newcomer-" + data.organiser[-8:]
    reply = organiser.post(
        "/volunteers/new", {"name": "Nia Newcomer", "username": f"  {username} ", "role": "caller"}
    )
    assert reply.status_code == 200, reply.text
    secret = LINK.search(reply.text)
    assert secret is not None
    volunteer = _volunteer(data.db_url, username)
    assert volunteer is not None
    assert volunteer.username == username
    # The same name in capitals is the same account.
    again = organiser.post("/volunteers/new", {"name": "X", "username": username.upper()})
    assert again.status_code == 422
    assert "already" in again.text
    # The volunteer opens the link, with no session, and chooses a password.
    page = anon.client.get(f"/admin/set-password/{secret.group(1)}")
    assert page.status_code == 200
    _no_inline_script(page.text)
    short = anon.client.post(
        f"/admin/set-password/{secret.group(1)}", data={"password": "abc", "repeat": "abc"}
    )
    assert short.status_code == 422
    assert "at least 10" in short.text
    done = anon.client.post(
        f"/admin/set-password/{secret.group(1)}",
        data={"password": "plum orchard seventy", "repeat": "plum orchard seventy"},
    )
    assert done.status_code == 200
    assert "Your password is set" in done.text
    login = anon.client.post(
        "/api/v1/auth/login",
        json={"username": username.lower(), "password": "plum orchard seventy"},
    )
    assert login.status_code == 200


def test_bulk_add_is_all_or_nothing_with_line_numbers(organiser: Console, data: Seeded) -> None:
    tag = data.organiser[-8:]
    bad = (
        "name,email\r\n"
        f"Ann Able,ann-{tag}@example.org\r\n"
        f",nobody-{tag}@example.org\r\n"
        f"Ben Bold,not-an-email-{tag}\r\n"
        f"Ann Again,ANN-{tag}@example.org\r\n"
        f"Cal Caller,{data.callers[0]}@x\r\n"
    ).encode()
    reply = organiser.client.post(
        "/admin/volunteers/import",
        data={"csrf_token": organiser.csrf},
        files={"file": ("team.csv", bad, "text/csv")},
    )
    assert reply.status_code == 422
    for expected in (
        "Line 3: no name",
        "Line 4: the email address has no @",
        "Line 5: the same username as line 2",
    ):
        assert expected in reply.text
    assert _volunteer(data.db_url, f"ann-{tag}@example.org") is None  # nobody added
    good = f"name,email\r\nAnn Able,ann-{tag}@example.org\r\nBen Bold,ben-{tag}@example.org\r\n"
    reply = organiser.client.post(
        "/admin/volunteers/import",
        data={"csrf_token": organiser.csrf},
        files={"file": ("team.csv", good.encode(), "text/csv")},
    )
    assert reply.status_code == 200, reply.text
    assert len(set(LINK.findall(reply.text))) == 2
    ann = _volunteer(data.db_url, f"ann-{tag}@example.org")
    assert ann is not None
    assert ann.role == "caller"


def test_role_disable_enable_and_reset_are_audited(organiser: Console, data: Seeded) -> None:
    vid = data.volunteer_ids[data.callers[0]]
    organiser.get("/volunteers")
    assert organiser.post(f"/volunteers/{vid}/role", {"role": "organiser"}).status_code == 303
    assert organiser.post(f"/volunteers/{vid}/role", {"role": "caller"}).status_code == 303
    assert organiser.post(f"/volunteers/{vid}/disable").status_code == 303
    with db_session(data.db_url) as s:
        vol = s.get(Volunteer, vid)
        assert vol is not None
        assert vol.disabled_at is not None
    page = organiser.get("/volunteers?notice=disable")
    assert "turned off" in page.text
    assert organiser.post(f"/volunteers/{vid}/enable").status_code == 303
    reset = organiser.post(f"/volunteers/{vid}/reset")
    assert reset.status_code == 200
    assert LINK.search(reset.text)
    with db_session(data.db_url) as s:
        vol = s.get(Volunteer, vid)
        assert vol is not None
        assert vol.disabled_at is None
        actions = [
            a
            for (a, d) in s.execute(select(AuditEntry.action, AuditEntry.detail))
            if (d or {}).get("volunteer_id") == vid
        ]
    assert {"role_changed", "disabled", "enabled", "reset_link"} <= set(actions)
    # An organiser cannot turn off their own account.
    me = data.volunteer_ids[data.organiser]
    assert organiser.post(f"/volunteers/{me}/disable").status_code == 409


def test_members_are_added_and_removed_on_the_campaign_page(
    organiser: Console, data: Seeded
) -> None:
    cid = data.campaign_id
    page = organiser.get(f"/campaigns/{cid}/edit")
    assert "Who can call" in page.text
    assert "open to every volunteer" in page.text
    assert organiser.post(f"/campaigns/{cid}/open", {"open": "off"}).status_code == 303
    reply = organiser.post(f"/campaigns/{cid}/members", {"volunteer": data.callers[0].upper()})
    assert reply.status_code == 303
    assert reply.headers["location"].endswith("notice=member_added")
    page = organiser.get(f"/campaigns/{cid}/edit")
    assert data.callers[0] in page.text
    _no_inline_script(page.text)
    vid = data.volunteer_ids[data.callers[0]]
    with db_session(data.db_url) as s:
        assert s.get(CampaignMember, (cid, vid)) is not None
        assert s.get(Campaign, cid).open_to_all is False  # type: ignore[union-attr]
    # Saving the settings form keeps the campaign members-only (the box stays unticked).
    assert 'name="open_to_every_volunteer" value="on" checked' not in page.text
    reply = organiser.post(f"/campaigns/{cid}/members/remove", {"volunteer_id": str(vid)})
    assert reply.headers["location"].endswith("notice=member_removed")
    with db_session(data.db_url) as s:
        assert s.get(CampaignMember, (cid, vid)) is None
