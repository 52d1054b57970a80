"""Signing in, shared by the app's API and the console: throttle, verify, upgrade.

The steps are split so that no thread and no database connection is held while a
password waits for the hashing pool (`hashing`): one short transaction reads the
stored hash and counts the attempt (`signin_throttle.reserve`); the check runs on the
pool; a second short transaction records the success, stores an upgraded hash when
the parameters have changed, and lets the caller issue its token. The whole runs
behind the process's `signin_gate`, so a storm of sign-ins queues there, not for the
request threads, the database connections or SQLite's write lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from caller_server import hashing, signin_throttle
from caller_server.models import Volunteer, username_key
from caller_server.signin_gate import Full, SigninGate
from caller_server.signin_throttle import Keys
from caller_server.timeutil import utcnow

T = TypeVar("T")


class Throttled(Exception):
    """Too many failed sign-ins from this address; `wait` whole seconds to go."""

    code = "throttled"  # the API's error code

    def __init__(self, wait: int, words: str | None = None) -> None:
        super().__init__(words or signin_throttle.wait_words(wait))
        self.wait = wait


class Busy(Throttled):
    """Too many sign-ins queued on the server (a storm, not this client's doing). Every
    caller that shows a Throttled's words with its Retry-After shows these."""

    code = "busy"

    def __init__(self, wait: int) -> None:
        unit = "second" if wait == 1 else "seconds"
        super().__init__(
            wait,
            f"The server is signing in many volunteers right now. "
            f"Please try again in {wait} {unit}.",
        )


class WrongPassword(Exception):
    """Unknown username or wrong password (the two look the same to the client)."""


@dataclass(frozen=True)
class _Stored:
    volunteer_id: int | None
    password_hash: str


def client_address(request: Request) -> str:
    """The client's address: uvicorn has already replaced the peer with the
    X-Forwarded-For client when (and only when) the peer is in --forwarded-allow-ips."""
    return request.client.host if request.client else ""


def _open(sessions: sessionmaker[Session], username: str, keys: Keys, now: dt.datetime) -> _Stored:
    """One transaction (on SQLite one hold of the write lock): the stored hash, then the
    attempt counted and committed."""
    with sessions() as session:
        row = session.execute(
            select(Volunteer.id, Volunteer.password_hash).where(
                Volunteer.username_key == username_key(username),
                Volunteer.disabled_at.is_(None),  # a disabled account never signs in
            )
        ).first()
        wait = signin_throttle.reserve(session, keys, now)  # commits
        if wait is not None:
            raise Throttled(wait)
    if row is None:
        return _Stored(None, hashing.dummy_hash())
    return _Stored(row.id, row.password_hash)


def _finish(
    sessions: sessionmaker[Session],
    keys: Keys,
    stored: _Stored,
    new_hash: str | None,
    then: Callable[[Session, Volunteer], T],
) -> T:
    with sessions() as session:
        volunteer = session.get(Volunteer, stored.volunteer_id, with_for_update=True)
        if (
            volunteer is None
            or volunteer.password_hash != stored.password_hash
            or volunteer.disabled_at is not None
        ):
            session.rollback()  # removed, disabled, or the password changed meanwhile
            raise WrongPassword
        signin_throttle.succeeded(session, keys, utcnow())
        if new_hash is not None:
            volunteer.password_hash = new_hash
        result = then(session, volunteer)
        session.commit()
        return result


async def sign_in(
    sessions: sessionmaker[Session],
    username: str,
    password: str,
    address: str,
    then: Callable[[Session, Volunteer], T],
    *,
    gate: SigninGate,
) -> T:
    """Check the password and run `then(session, volunteer)` in the transaction that
    records the success (it adds the token); raises Throttled (Busy when the gate's
    queue is full) or WrongPassword."""
    username = username.strip()
    keys = Keys.of(username, address)
    try:
        async with gate.admit():
            stored = await run_in_threadpool(_open, sessions, username, keys, utcnow())
            right = await hashing.verify(stored.password_hash, password)
            if not right or stored.volunteer_id is None:
                raise WrongPassword  # the attempt stays counted: it is the failure
            new_hash = None
            if hashing.needs_rehash(stored.password_hash):
                new_hash = await hashing.hash_async(password)
            return await run_in_threadpool(_finish, sessions, keys, stored, new_hash, then)
    except Full as exc:
        raise Busy(exc.wait) from None
