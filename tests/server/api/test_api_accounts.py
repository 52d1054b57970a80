"""Accounts over real HTTP (issue 14): membership, disable, one-time links, usernames.

Arranged through accounts.py in the database (as the console and CLI do), checked
through the API a volunteer's app uses, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from caller_server import accounts
from caller_server.models import AuditEntry, Contact, PasswordLink, Volunteer
from caller_server.passwords import password_problem
from tests.support.server import Api, LiveServer, Seeded, db_session, seed, seed_volunteer

pytestmark = pytest.mark.timeout(120)
NEW_PASSWORD = "tangerine bicycle lamp"


def _vol(s, seeded: Seeded, n: int = 0) -> Volunteer:  # type: ignore[no-untyped-def]
    vol = s.get(Volunteer, seeded.volunteer_ids[seeded.callers[n]])
    assert vol is not None
    return vol


def _listed(api: Api) -> set[int]:
    reply = api.get("/campaigns")
    assert reply.status_code == 200, reply.text
    return {c["id"] for c in reply.json()["campaigns"]}


def _held(db_url: str, campaign_id: int) -> int:
    with db_session(db_url) as s:
        return len(
            s.scalars(
                select(Contact.id).where(
                    Contact.campaign_id == campaign_id, Contact.batch_id.is_not(None)
                )
            ).all()
        )


# --- membership ----------------------------------------------------------------------


def test_a_members_only_campaign_is_invisible_to_others_and_open_ones_to_none(
    live_server: LiveServer,
) -> None:
    seeded = seed(live_server.db_url, contacts=6, open_to_all=False)
    open_one = seed(live_server.db_url, contacts=2)
    member = Api.login(live_server.url, seeded.callers[0], seeded.password)
    stranger = Api.login(live_server.url, seeded.callers[1], seeded.password)
    boss = Api.login(live_server.url, seeded.organiser, seeded.password)
    try:
        cid = seeded.campaign_id
        # Nobody is a member yet: not listed, and a lease or script is 404 as if absent.
        assert cid not in _listed(member)
        assert open_one.campaign_id in _listed(member)  # open to every volunteer
        lease = member.post(
            f"/campaigns/{cid}/batches",
            json={"size": 2, "request_id": "6f1c2d3e-0000-4000-8000-000000000001"},
        )
        assert lease.status_code == 404
        assert lease.json()["error"]["code"] == "not_found"
        assert member.get(f"/campaigns/{cid}/script").status_code == 404
        assert member.get(f"/campaigns/{cid}/progress").status_code == 404
        assert cid in _listed(boss)  # organisers see every campaign

        with db_session(live_server.db_url) as s:
            accounts.add_member(s, cid, _vol(s, seeded, 0), None)
            s.commit()
        assert cid in _listed(member)
        assert cid not in _listed(stranger)
        batch = member.lease(cid, size=3)
        assert len(batch["contacts"]) == 3
        assert (
            stranger.post(
                f"/campaigns/{cid}/batches",
                json={"size": 2, "request_id": "6f1c2d3e-0000-4000-8000-000000000002"},
            ).status_code
            == 404
        )

        # Removing the member releases what they hold there, and the campaign vanishes.
        assert _held(live_server.db_url, cid) == 3
        with db_session(live_server.db_url) as s:
            released = accounts.remove_member(
                s, cid, _vol(s, seeded, 0), None, dt.datetime.now(dt.UTC)
            )
            s.commit()
        assert released == 3
        assert _held(live_server.db_url, cid) == 0
        assert cid not in _listed(member)
        with db_session(live_server.db_url) as s:
            actions = s.scalars(
                select(AuditEntry.action).where(AuditEntry.campaign_id == cid)
            ).all()
        assert {"member_added", "member_removed"} <= set(actions)

        # Opened to every volunteer: the stranger sees it too.
        with db_session(live_server.db_url) as s:
            from caller_server.models import Campaign

            campaign = s.get(Campaign, cid)
            assert campaign is not None
            accounts.set_open(s, campaign, True, None, dt.datetime.now(dt.UTC))
            s.commit()
        assert cid in _listed(stranger)
    finally:
        for api in (member, stranger, boss):
            api.close()


def test_closing_a_campaign_to_members_releases_what_non_members_hold(
    live_server: LiveServer, seeded: Seeded, caller: Api
) -> None:
    caller.lease(seeded.campaign_id, size=2)
    assert _held(live_server.db_url, seeded.campaign_id) == 2
    with db_session(live_server.db_url) as s:
        from caller_server.models import Campaign

        campaign = s.get(Campaign, seeded.campaign_id)
        assert campaign is not None
        accounts.set_open(s, campaign, False, None, dt.datetime.now(dt.UTC))
        s.commit()
    assert _held(live_server.db_url, seeded.campaign_id) == 0
    assert seeded.campaign_id not in _listed(caller)


# --- disable -------------------------------------------------------------------------


def test_disable_ends_the_open_session_at_once_and_releases_held_contacts(
    live_server: LiveServer, seeded: Seeded, caller: Api
) -> None:
    caller.lease(seeded.campaign_id, size=4)
    assert _held(live_server.db_url, seeded.campaign_id) == 4
    with db_session(live_server.db_url) as s:
        released = accounts.disable(s, _vol(s, seeded), None, dt.datetime.now(dt.UTC))
        s.commit()
    assert released == 4
    # The very next request of the open session is refused.
    assert caller.get("/campaigns").status_code == 401
    assert _held(live_server.db_url, seeded.campaign_id) == 0
    again = requests.post(
        f"{live_server.url}/api/v1/auth/login",
        json={"username": seeded.callers[0], "password": seeded.password},
        timeout=30,
    )
    assert again.status_code == 401
    # Turned back on: the same password works.
    with db_session(live_server.db_url) as s:
        assert accounts.enable(s, _vol(s, seeded), None, dt.datetime.now(dt.UTC))
        s.commit()
    Api.login(live_server.url, seeded.callers[0], seeded.password).close()


def test_the_last_organiser_cannot_be_disabled_or_demoted(live_server: LiveServer) -> None:
    with db_session(live_server.db_url) as s:
        organisers = s.scalars(select(Volunteer).where(Volunteer.role == "organiser")).all()
        # Leave exactly one organiser who can sign in, in this test's own view.
        keep = organisers[0]
        others = [o for o in organisers if o.id != keep.id]
        for o in others:
            o.disabled_at = dt.datetime.now(dt.UTC)
        s.flush()
        with pytest.raises(accounts.AccountError, match="only organiser"):
            accounts.disable(s, keep, None, dt.datetime.now(dt.UTC))
        with pytest.raises(accounts.AccountError, match="only organiser"):
            accounts.set_role(s, keep, "caller", None)
        s.rollback()


# --- one-time links ------------------------------------------------------------------


def _link(db_url: str, seeded: Seeded) -> str:
    with db_session(db_url) as s:
        secret = accounts.issue_link(s, _vol(s, seeded), None, dt.datetime.now(dt.UTC))
        s.commit()
    return secret


def test_a_reset_link_sets_the_password_once(
    live_server: LiveServer, seeded: Seeded, caller: Api
) -> None:
    secret = _link(live_server.db_url, seeded)
    with db_session(live_server.db_url) as s:
        stored = s.scalars(select(PasswordLink.token_hash)).all()
    assert secret not in stored  # only its hash is kept
    page = f"{live_server.url}/admin/set-password/{secret}"
    shown = requests.get(page, timeout=30)
    assert shown.status_code == 200
    assert seeded.callers[0] in shown.text
    assert "script-src 'self'" in shown.headers["content-security-policy"]
    # A weak password is refused and the link still works.
    weak = requests.post(
        page, data={"password": "password123", "repeat": "password123"}, timeout=30
    )
    assert weak.status_code == 422
    assert "most common" in weak.text
    done = requests.post(page, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}, timeout=30)
    assert done.status_code == 200, done.text
    assert "Your password is set" in done.text
    # Used: a second use is refused, the old sign-in was revoked, the new password works.
    again = requests.post(
        page, data={"password": NEW_PASSWORD + "x", "repeat": NEW_PASSWORD + "x"}, timeout=30
    )
    assert again.status_code == 410
    assert requests.get(page, timeout=30).status_code == 410
    assert caller.get("/campaigns").status_code == 401
    Api.login(live_server.url, seeded.callers[0], NEW_PASSWORD).close()
    old = requests.post(
        f"{live_server.url}/api/v1/auth/login",
        json={"username": seeded.callers[0], "password": seeded.password},
        timeout=30,
    )
    assert old.status_code == 401


def test_an_expired_or_replaced_link_does_nothing(live_server: LiveServer, seeded: Seeded) -> None:
    first = _link(live_server.db_url, seeded)
    second = _link(live_server.db_url, seeded)  # replaces the first
    base = f"{live_server.url}/admin/set-password/"
    assert requests.get(base + first, timeout=30).status_code == 410
    with db_session(live_server.db_url) as s:
        s.execute(
            update(PasswordLink)
            .where(
                PasswordLink.used_at.is_(None),
                PasswordLink.volunteer_id == seeded.volunteer_ids[seeded.callers[0]],
            )
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        s.commit()
    reply = requests.post(
        base + second, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}, timeout=30
    )
    assert reply.status_code == 410
    assert "no longer works" in reply.text
    Api.login(live_server.url, seeded.callers[0], seeded.password).close()  # unchanged


# --- usernames and passwords ---------------------------------------------------------


def test_usernames_are_one_account_whatever_the_case(
    live_server: LiveServer, seeded: Seeded
) -> None:
    shouted = "  " + seeded.callers[0].upper() + " "
    api = Api.login(live_server.url, shouted, seeded.password)
    assert api.get("/campaigns").status_code == 200
    api.close()
    with db_session(live_server.db_url) as s:
        with pytest.raises(accounts.AccountError, match="already"):
            accounts.add_volunteer(s, seeded.callers[0].upper(), "Someone Else")
        s.rollback()
    with pytest.raises(IntegrityError):
        seed_volunteer(live_server.db_url, seeded.callers[0].title())


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 10"),
        ("Robin-the-volunteer", "not your username"),
        ("ROBIN-THE-VOLUNTEER", "not your username"),
        ("1234567890", "most common"),
        ("Password123!", "most common"),
        ("Sunshine2026", "most common"),
        ("tangerine bicycle lamp", None),
    ],
)
def test_the_password_policy(password: str, problem: str | None) -> None:
    found = password_problem(password, "robin-the-volunteer")
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_the_common_list_is_shipped_and_documented() -> None:
    from caller_server.passwords import common_passwords

    words = common_passwords()
    assert len(words) > 500
    assert {"password", "qwertyuiop", "1234567890"} <= words
    text = Path("resources/common-passwords.README.md").read_text(encoding="utf-8")
    readme = re.sub(r"\s+", " ", text)
    assert "public domain" in readme
