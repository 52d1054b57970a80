"""Sign-in throttling that cannot be turned against the account's owner.

Failures are counted per (username, client address) and per client address, never per
username alone: a stranger guessing Dave's password from their address slows down only
their own guesses, while Dave signs in from his. Past a free allowance each further
attempt waits twice as long as the last (1 s, 2 s, 4 s, ... up to `MAX_WAIT`), so
there is no hard lockout, only a guessing rate that falls fast:

- per (username, address): `PER_USER` failures free (default 5);
- per address, across every username: `PER_ADDRESS` failures free (default 50), which
  limits spraying one common password over many usernames.

A sign-in is counted as a failure *before* its password is checked and in its own
committed transaction (rows locked, or SQLite's write lock), so a burst of guesses sent
at once sees each other: only the free allowance is ever verified. A success takes its
count back (and clears the (username, address) count). Rows quiet for `FORGET` count
as zero and are pruned now and then, so the table stays small. The state is in the database, so
every server process (`serve --workers N`, SQLite or PostgreSQL) sees the same counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import os
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from caller_server.models import SigninThrottle
from caller_server.timeutil import as_utc


def _env_number(name: str, default: float) -> float:
    """A positive number from the environment (tests shrink the limits), else the default."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        value = default
    return value if value > 0 else default


PER_USER = int(_env_number("CALLER_SERVER_THROTTLE_PER_USER", 5))
PER_ADDRESS = int(_env_number("CALLER_SERVER_THROTTLE_PER_ADDRESS", 50))
MAX_WAIT = dt.timedelta(seconds=_env_number("CALLER_SERVER_THROTTLE_MAX_WAIT_S", 300))
FORGET = dt.timedelta(hours=1)
PRUNE_EVERY = 32  # attempts per process between prunes: one commit fewer per sign-in
_attempts = itertools.count(1)


@dataclass(frozen=True)
class Keys:
    """The two counters one sign-in touches. Hashed: no username is stored here."""

    address: str
    pair: str

    @classmethod
    def of(cls, username: str, address: str) -> Keys:
        user = username.strip().casefold()[:200]
        digest = hashlib.sha256(f"{user}\n{address}".encode("utf-8", "surrogatepass")).hexdigest()
        return cls(
            address="a:" + hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest(),
            pair="u:" + digest,
        )

    def allowances(self) -> dict[str, int]:
        return {self.address: PER_ADDRESS, self.pair: PER_USER}


def delay(failures: int, free: int) -> dt.timedelta:
    """How long to wait after `failures` failures: none within the allowance, then
    1 s, 2 s, 4 s, ... up to MAX_WAIT."""
    if failures < free:
        return dt.timedelta(0)
    exponent = min(failures - free, 40)
    return min(dt.timedelta(seconds=2**exponent), MAX_WAIT)


def wait_words(seconds: int) -> str:
    """The sentence the app and the console show on a 429."""
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many tries. Please wait {seconds} {unit}, then try again."


def _ensure_rows(session: Session, keys: list[str], now: dt.datetime) -> None:
    rows = [{"key": key, "failures": 0, "next_allowed_at": now} for key in keys]
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(SigninThrottle).values(rows).on_conflict_do_nothing()
        session.execute(pg)
    else:
        lite = sqlite.insert(SigninThrottle).values(rows).on_conflict_do_nothing()
        session.execute(lite)


def reserve(session: Session, keys: Keys, now: dt.datetime) -> int | None:
    """Count this attempt as a failure and commit; or, when it must wait, the whole
    seconds until it may try (the attempt is then not counted)."""
    allowances = keys.allowances()
    ordered = sorted(allowances)  # one lock order everywhere: no deadlocks
    _ensure_rows(session, ordered, now)
    rows = session.scalars(
        select(SigninThrottle)
        .where(SigninThrottle.key.in_(ordered))
        .order_by(SigninThrottle.key)
        .with_for_update()
    ).all()
    wait = dt.timedelta(0)
    for row in rows:
        allowed = as_utc(row.next_allowed_at)
        if allowed < now - FORGET:
            row.failures = 0  # quiet for long enough: start again
        wait = max(wait, allowed - now)
    if wait > dt.timedelta(0):
        session.commit()
        return max(1, math.ceil(wait.total_seconds()))
    for row in rows:
        row.failures += 1
        row.next_allowed_at = now + delay(row.failures, allowances[row.key])
    session.commit()
    if next(_attempts) % PRUNE_EVERY == 0:
        _prune(session, now)
    return None


def succeeded(session: Session, keys: Keys, now: dt.datetime) -> None:
    """The password was right: take back this attempt's count (the caller commits)."""
    row = session.scalars(
        select(SigninThrottle).where(SigninThrottle.key == keys.address).with_for_update()
    ).first()
    if row is not None:
        row.failures = max(0, row.failures - 1)
        row.next_allowed_at = min(
            as_utc(row.next_allowed_at), now + delay(row.failures, PER_ADDRESS)
        )
    session.execute(delete(SigninThrottle).where(SigninThrottle.key == keys.pair))


def _prune(session: Session, now: dt.datetime) -> None:
    """Best effort: drop rows nobody has touched for FORGET (they count as zero anyway)."""
    try:
        session.execute(delete(SigninThrottle).where(SigninThrottle.next_allowed_at < now - FORGET))
        session.commit()
    except DBAPIError:  # e.g. two prunes deadlocked on PostgreSQL: the next one will do
        session.rollback()
