"""Passwords, sign-in tokens and login throttling.

Tokens are random (`secrets.token_urlsafe`) and only their SHA-256 is stored. Failed
sign-ins live in the database so every server process sees the same count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from caller_server.models import LoginFailure, Token, Volunteer, username_key
from caller_server.timeutil import as_utc, utcnow


def _seconds_from_env(name: str, default: float) -> dt.timedelta:
    """A duration in seconds from the environment (tests shorten it), else the default."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        value = default
    return dt.timedelta(seconds=value if value > 0 else default)


# Both may be shortened for tests: CALLER_SERVER_TOKEN_LIFETIME_S, CALLER_SERVER_THROTTLE_WINDOW_S.
TOKEN_LIFETIME = _seconds_from_env("CALLER_SERVER_TOKEN_LIFETIME_S", 12 * 3600)
THROTTLE_WINDOW = _seconds_from_env("CALLER_SERVER_THROTTLE_WINDOW_S", 5 * 60)
THROTTLE_FAILURES = 5

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash("not a real password")


class VolunteerExists(ValueError):
    """The username is taken."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


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


def throttle_retry_after(
    session: Session, username: str, now: dt.datetime, exclude: int | None = None
) -> int | None:
    """Seconds until `username` may try again, or None when not throttled.

    `exclude` is the caller's own attempt row (see `begin_attempt`), not counted.
    """
    since = now - THROTTLE_WINDOW
    query = select(LoginFailure.at).where(
        LoginFailure.username == username[:100], LoginFailure.at > since
    )
    if exclude is not None:
        query = query.where(LoginFailure.id != exclude)
    recent = session.scalars(query.order_by(LoginFailure.at.desc()).limit(THROTTLE_FAILURES)).all()
    if len(recent) < THROTTLE_FAILURES:
        return None
    # Throttled until the oldest of the last N failures leaves the window.
    # (Concurrent attempts may have stamped their rows a little after our `now`.)
    free_at = as_utc(recent[-1]) + THROTTLE_WINDOW
    wait = math.ceil((free_at - now).total_seconds())
    return max(1, min(wait, math.ceil(THROTTLE_WINDOW.total_seconds())))


def begin_attempt(session: Session, username: str, now: dt.datetime) -> int:
    """Count a sign-in as failed before its password is checked, and commit; returns the row id.

    Checking first and recording afterwards let a burst of guesses sent at once all
    pass the check (seen on PostgreSQL with two workers: 30 of 30 were verified). With
    the row committed first, the k-th concurrent attempt sees at least k-1 others, so
    at most THROTTLE_FAILURES passwords are ever verified per window. A success clears
    the rows (`clear_failures`); a throttled attempt takes its row back (`forget_attempt`).
    """
    row = LoginFailure(username=username[:100], at=now)
    session.add(row)
    # Old rows are useless; trim them so the table stays small.
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - THROTTLE_WINDOW * 2))
    session.commit()
    return row.id


def forget_attempt(session: Session, attempt: int) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.id == attempt))


def authenticate(session: Session, username: str, password: str) -> Volunteer | None:
    """The volunteer, when the password is theirs; the username matches in any case.

    A disabled account never signs in (accounts.disable).
    """
    volunteer = session.scalar(
        select(Volunteer).where(Volunteer.username_key == username_key(username))
    )
    if volunteer is None or volunteer.disabled_at is not None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(volunteer.password_hash, password):
        return None
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


def volunteer_for_token(session: Session, token: str, now: dt.datetime) -> Volunteer | None:
    """The volunteer a live (unexpired, unrevoked) token belongs to."""
    return session.scalar(
        select(Volunteer)
        .join(Token, Token.volunteer_id == Volunteer.id)
        .where(
            Token.token_hash == hash_token(token),
            Token.revoked_at.is_(None),
            Token.expires_at > now,
            Volunteer.disabled_at.is_(None),
        )
    )


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


def clear_failures(session: Session, username: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.username == username[:100]))
