"""Passwords and sign-in tokens.

Tokens are random (`secrets.token_urlsafe`) and only their SHA-256 is stored. Signing
in itself (throttling, the hashing pool) is `caller_server.signin`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from caller_server import hashing
from caller_server.models import Token, Volunteer, username_key
from caller_server.timeutil import utcnow


def _seconds_from_env(name: str, default: float) -> dt.timedelta:
    """A duration in seconds from the environment (tests shorten it), else the default."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        value = default
    return dt.timedelta(seconds=value if value > 0 else default)


# May be shortened for tests: CALLER_SERVER_TOKEN_LIFETIME_S.
TOKEN_LIFETIME = _seconds_from_env("CALLER_SERVER_TOKEN_LIFETIME_S", 12 * 3600)


class VolunteerExists(ValueError):
    """The username is taken."""


def hash_password(password: str) -> str:
    """*Blocking*; the sign-in endpoints hash on `hashing`'s pool instead."""
    return hashing.hash_password(password)


def verify_password(password_hash: str, password: str) -> bool:
    return hashing.verify_password(password_hash, password)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_volunteer(
    session: Session, username: str, name: str, password: str, organiser: bool = False
) -> Volunteer:
    """Add a volunteer (the caller commits). Raises VolunteerExists or ValueError."""
    username = username.strip()
    if not username or len(username) > 100:
        raise ValueError("username must be 1 to 100 characters")
    if not name.strip() or len(name) > 200:
        raise ValueError("name must be 1 to 200 characters")
    if not password:
        raise ValueError("password must not be empty")
    taken = session.scalar(
        select(Volunteer.id).where(Volunteer.username_key == username_key(username))
    )
    if taken is not None:
        raise VolunteerExists(f"volunteer {username!r} already exists")
    volunteer = Volunteer(
        username=username,
        name=name.strip(),
        password_hash=hash_password(password),
        role="organiser" if organiser else "caller",
    )
    session.add(volunteer)
    session.flush()
    return volunteer


def issue_token(
    session: Session, volunteer: Volunteer, now: dt.datetime | None = None
) -> tuple[str, dt.datetime]:
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires = now + TOKEN_LIFETIME
    session.add(
        Token(
            token_hash=hash_token(token),
            volunteer_id=volunteer.id,
            created_at=now,
            expires_at=expires,
        )
    )
    return token, expires


def signed_in(token: str, now: dt.datetime) -> Select[Volunteer]:
    """The volunteer a live token belongs to: unexpired, unrevoked, not disabled. Read
    afresh on every request, so a revoked token or a disabled volunteer stops at once;
    callers may join more to it (deps.campaign_access adds the campaign)."""
    return (
        select(Volunteer)
        .join(Token, Token.volunteer_id == Volunteer.id)
        .where(
            Token.token_hash == hash_token(token),
            Token.revoked_at.is_(None),
            Token.expires_at > now,
            Volunteer.disabled_at.is_(None),
        )
    )


def volunteer_for_token(session: Session, token: str, now: dt.datetime) -> Volunteer | None:
    """The volunteer a live (unexpired, unrevoked) token belongs to."""
    return session.scalar(signed_in(token, now))


def revoke_token(session: Session, token: str, now: dt.datetime) -> None:
    session.execute(
        update(Token)
        .where(Token.token_hash == hash_token(token), Token.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_all(session: Session, volunteer_id: int, now: dt.datetime) -> int:
    """Revoke every live token of a volunteer; returns how many."""
    result = session.execute(
        update(Token)
        .where(Token.volunteer_id == volunteer_id, Token.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult
