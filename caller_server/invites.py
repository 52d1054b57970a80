"""Invites (issue 14): one link that turns a stranger into a volunteer of a campaign.

An organiser makes an invite for a campaign (expiry, maximum uses, optionally "I approve
each sign-up") and hands out `https://<server>/join/K7P-2QX`. Anyone holding it may
create an account there (the join page) or in the app (`POST /api/v1/invites/{code}/
accept`); both go through `join()`, so they can never disagree:

- The code is public, so it is stored as is. Unknown, expired, revoked, used-up codes and
  closed campaigns all answer the same `InviteGone`, and each such try counts against the
  client address in the sign-in throttle (`signin_throttle`): guessing codes is as slow as
  guessing passwords. A usable code takes its count back.
- A use is taken by one conditional UPDATE (`uses < max_uses`) in the transaction that
  creates the account, so two sign-ups racing for the last use get one account, not two.
- The password is hashed on the hashing pool before that transaction (`hashing`).
- With approval, the account is made turned off and marked pending until an organiser
  approves it on the campaign's invites page.

Audit entries carry ids and counts only, never a name or username.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from caller_server import accounts, audit, hashing, signin, signin_throttle
from caller_server.models import Campaign, Invite, Volunteer
from caller_server.passwords import password_problem
from caller_server.signin_gate import Full, SigninGate
from caller_server.timeutil import as_utc, utcnow

T = TypeVar("T")

# No 0/O, 1/I: a code read aloud or from a poster is typed right the first time.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6  # 32**6, about a billion codes; guessing is throttled per address
MAX_USES = 1000
MAX_DAYS = 90
ENV_URL = "CALLER_SERVER_URL"
GONE = (
    "This invite doesn't work any more: it may have expired, been used up or been "
    "turned off. Ask your organiser for a new one."
)
PENDING = (
    "Your account is made. An organiser will approve it soon; then sign in with "
    "your username and password."
)


class InviteGone(Exception):
    """The code is not a usable invite (whatever the reason: they look the same)."""

    def __init__(self) -> None:
        super().__init__(GONE)


class JoinProblems(Exception):
    """What to fix in the sign-up form: field name -> one plain sentence."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class InviteView:
    """What a visitor may see of a usable invite."""

    id: int
    code: str
    campaign_id: int
    campaign_name: str
    seat: str
    needs_approval: bool


@dataclass(frozen=True)
class Joined:
    volunteer_id: int
    campaign_id: int
    pending: bool
    extra: object = field(default=None)  # what `then` returned (the API's token)


def public_url(request: Request) -> str:
    """The server's address as volunteers reach it: env CALLER_SERVER_URL (behind a
    proxy the request's own address may be internal), else the request's."""
    configured = os.environ.get(ENV_URL, "").strip().rstrip("/")
    return configured or str(request.base_url).rstrip("/")


def join_path(code: str) -> str:
    return f"/join/{code}"


def normalise_code(text: str) -> str | None:
    """`k7p 2qx`, `K7P2QX` -> `K7P-2QX`; None when it cannot be a code."""
    if len(text) > 64:
        return None
    compact = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(compact) != CODE_LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    half = CODE_LENGTH // 2
    return f"{compact[:half]}-{compact[half:]}"


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:3]}-{raw[3:]}"


# --- organiser's side --------------------------------------------------------------------


def create(
    session: Session,
    campaign: Campaign,
    actor: int | None,
    days: int,
    max_uses: int,
    needs_approval: bool,
    now: dt.datetime | None = None,
) -> Invite:
    """A new invite with a fresh unique code (the caller commits)."""
    if not 1 <= days <= MAX_DAYS:
        raise accounts.AccountError(f"an invite lasts 1 to {MAX_DAYS} days")
    if not 1 <= max_uses <= MAX_USES:
        raise accounts.AccountError(f"an invite allows 1 to {MAX_USES} sign-ups")
    if campaign.status == "closed":
        raise accounts.AccountError("this campaign is closed; nobody can join it")
    now = now or utcnow()
    taken = set(session.scalars(select(Invite.code)))
    code = _new_code()
    while code in taken:
        code = _new_code()
    invite = Invite(
        code=code,
        campaign_id=campaign.id,
        created_by=actor,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
        max_uses=max_uses,
        uses=0,
        needs_approval=needs_approval,
    )
    session.add(invite)
    session.flush()
    audit.record(
        session, actor, "invite_created", campaign.id, at=now, invite_id=invite.id,
        days=days, max_uses=max_uses, needs_approval=needs_approval,
    )  # fmt: skip
    return invite


def revoke(session: Session, invite: Invite, actor: int | None, now: dt.datetime) -> bool:
    if invite.revoked_at is not None:
        return False
    invite.revoked_at = now
    audit.record(session, actor, "invite_revoked", invite.campaign_id, at=now, invite_id=invite.id)
    return True


def of_campaign(session: Session, campaign_id: int) -> list[Invite]:
    return list(
        session.scalars(
            select(Invite).where(Invite.campaign_id == campaign_id).order_by(Invite.id.desc())
        )
    )


def state(invite: Invite, now: dt.datetime) -> str:
    """In words, for the organiser: live, revoked, expired or used up."""
    if invite.revoked_at is not None:
        return "turned off"
    if as_utc(invite.expires_at) <= now:
        return "expired"
    if invite.uses >= invite.max_uses:
        return "used up"
    return "working"


def pending(session: Session, campaign_id: int) -> list[Volunteer]:
    """Sign-ups through this campaign's invites waiting for an organiser's approval."""
    return list(
        session.scalars(
            select(Volunteer)
            .join(Invite, Invite.id == Volunteer.pending_invite_id)
            .where(Invite.campaign_id == campaign_id)
            .order_by(Volunteer.created_at, Volunteer.id)
        )
    )


def decide(
    session: Session, volunteer: Volunteer, approve: bool, actor: int | None, now: dt.datetime
) -> bool:
    """Approve a pending sign-up (the account turns on) or turn it down (stays off)."""
    if volunteer.pending_invite_id is None:
        return False
    invite = session.get(Invite, volunteer.pending_invite_id)
    volunteer.pending_invite_id = None
    if approve:
        volunteer.disabled_at = None
    action = "signup_approved" if approve else "signup_declined"
    campaign_id = invite.campaign_id if invite is not None else None
    audit.record(session, actor, action, campaign_id, at=now, volunteer_id=volunteer.id)
    return True


# --- a visitor's side --------------------------------------------------------------------


def _live(session: Session, code: str | None, now: dt.datetime) -> tuple[Invite, Campaign] | None:
    if code is None:
        return None
    row = session.execute(
        select(Invite, Campaign)
        .join(Campaign, Campaign.id == Invite.campaign_id)
        .where(
            Invite.code == code,
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
            Invite.uses < Invite.max_uses,
            Campaign.status != "closed",
        )
    ).first()
    return None if row is None else (row[0], row[1])


def _keys(code: str, address: str) -> signin_throttle.Keys:
    return signin_throttle.Keys.of(f"invite:{code[:64]}", address)


def _look(sessions: sessionmaker[Session], text: str, address: str) -> InviteView:
    now = utcnow()
    keys = _keys(text.upper(), address)
    with sessions() as session:
        wait = signin_throttle.reserve(session, keys, now)  # commits: counted as a failure
        if wait is not None:
            raise signin.Throttled(wait)
        found = _live(session, normalise_code(text), now)
        if found is None:
            session.rollback()
            raise InviteGone
        invite, campaign = found
        view = InviteView(
            invite.id, invite.code, campaign.id, campaign.name, campaign.seat,
            invite.needs_approval,
        )  # fmt: skip
        signin_throttle.succeeded(session, keys, now)  # a usable code takes its count back
        session.commit()
        return view


async def look(sessions: sessionmaker[Session], text: str, address: str) -> InviteView:
    """The usable invite `text` names; raises InviteGone or signin.Throttled."""
    return await run_in_threadpool(_look, sessions, text, address)


def check_fields(name: str, username: str, password: str) -> dict[str, str]:
    """Problems with a sign-up form, per field (empty when all is well)."""
    problems: dict[str, str] = {}
    name = name.strip()
    if not name:
        problems["name"] = "Enter your name, as the team will know you."
    elif len(name) > 200 or not name.isprintable():
        problems["name"] = "That name is too long or has characters we can't store."
    try:
        accounts.check_username(username)
    except accounts.AccountError:
        problems["username"] = (
            "Choose a username of 1 to 100 letters, numbers or symbols, without spaces."
        )
    problem = password_problem(password, username.strip())
    if problem:
        problems["password"] = (
            problem[0].upper() + problem[1:] + ("" if problem.endswith(".") else ".")
        )
    return problems


def _create(
    sessions: sessionmaker[Session],
    invite_id: int,
    name: str,
    username: str,
    password_hash: str,
    then: Callable[[Session, Volunteer], T] | None,
) -> Joined:
    now = utcnow()
    with sessions() as session:
        taken = session.execute(
            update(Invite)
            .where(
                Invite.id == invite_id,
                Invite.revoked_at.is_(None),
                Invite.expires_at > now,
                Invite.uses < Invite.max_uses,
            )
            .values(uses=Invite.uses + 1)
        ).rowcount  # type: ignore[attr-defined]  # a CursorResult
        invite = session.get(Invite, invite_id)
        campaign = session.get(Campaign, invite.campaign_id) if invite is not None else None
        if not taken or invite is None or campaign is None or campaign.status == "closed":
            session.rollback()
            raise InviteGone
        try:
            volunteer = accounts.add_volunteer(session, username, name, "caller", None, None, now)
        except accounts.AccountError:
            session.rollback()
            raise JoinProblems(
                {"username": "That username is taken. Please choose another."}
            ) from None
        volunteer.password_hash = password_hash
        if invite.needs_approval:
            volunteer.disabled_at = now
            volunteer.pending_invite_id = invite.id
        accounts.add_member(session, campaign.id, volunteer, volunteer.id)
        audit.record(
            session, volunteer.id, "invite_used", campaign.id, at=now, invite_id=invite.id,
            volunteer_id=volunteer.id, pending=invite.needs_approval,
        )  # fmt: skip
        extra = None if then is None or invite.needs_approval else then(session, volunteer)
        try:
            session.commit()
        except IntegrityError:  # the same username, at the same moment, from another sign-up
            session.rollback()
            raise JoinProblems(
                {"username": "That username is taken. Please choose another."}
            ) from None
        return Joined(volunteer.id, campaign.id, invite.needs_approval, extra)


async def join(
    sessions: sessionmaker[Session],
    text: str,
    name: str,
    username: str,
    password: str,
    address: str,
    then: Callable[[Session, Volunteer], T] | None = None,
    *,
    gate: SigninGate,
) -> Joined:
    """Make the account, a member of the invite's campaign, and take one use.

    `then(session, volunteer)` runs in the same transaction when the account may sign
    in at once (the API issues its token there). Raises InviteGone, JoinProblems or
    signin.Throttled (signin.Busy when the sign-in `gate`'s queue is full)."""
    view = await look(sessions, text, address)
    problems = check_fields(name, username, password)
    if problems:
        raise JoinProblems(problems)
    try:
        async with gate.admit():
            password_hash = await hashing.hash_async(password)
            return await run_in_threadpool(
                _create, sessions, view.id, name.strip(), username.strip(), password_hash, then
            )
    except Full as exc:
        raise signin.Busy(exc.wait) from None


__all__ = [
    "ALPHABET",
    "GONE",
    "PENDING",
    "InviteGone",
    "InviteView",
    "JoinProblems",
    "Joined",
    "check_fields",
    "create",
    "decide",
    "join",
    "join_path",
    "look",
    "normalise_code",
    "of_campaign",
    "pending",
    "public_url",
    "revoke",
    "state",
]
