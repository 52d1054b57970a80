"""Admission of sign-ins: a few at a time per process; the rest wait, or come back later.

A sign-in is two short database transactions around a password check on the hashing
pool (`signin`, `hashing`). In a storm (200 sign-ins at once) every sign-in used to
start its first transaction at once: up to 40 request threads per worker and as many
database connections, and on SQLite as many transactions queueing for the write lock
ahead of the leases and polls of the volunteers already calling. Behind the gate only
`slots` sign-ins per process do their work (two per hashing thread: one hashing while
the other is at the database); the others wait on the event loop, holding neither a
thread nor a connection.

A sign-in that would wait longer than `max_wait_s` (default 20 s, under the app's
30 s read timeout) is turned away with `Full` (429 with Retry-After) rather than
queueing past the moment its client gives up and costing a hash all the same: at
once when the expected wait is longer (the queue ahead of it, shared among the
slots, times what one sign-in has recently taken; at first `FIRST_ESTIMATE_S`), else
when it has waited that long after all (the estimate lags when a storm arrives at once
on a machine busier than it assumes).
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from caller_server import hashing

ENV_MAX_WAIT = "CALLER_SERVER_SIGNIN_MAX_WAIT_S"
MAX_WAIT_S = 20.0
# A sign-in's duration before the first one is timed: an OWASP-sized argon2 hash plus
# two short transactions on a small server. Not measured at start-up, so that a server
# that never signs anyone in (practice mode) never hashes; the estimate then follows
# the real sign-ins, and a wait that runs long is cut at `max_wait_s` anyway.
FIRST_ESTIMATE_S = 0.1
SMOOTHING = 0.2  # weight of the latest sign-in in the running estimate of one's duration


class Full(Exception):
    """The queue is longer than `max_wait_s`; `wait` whole seconds is a fair time to retry."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"sign-in queue full for about {wait} s")
        self.wait = wait


def max_wait_from_env() -> float:
    """env CALLER_SERVER_SIGNIN_MAX_WAIT_S when a positive number, else MAX_WAIT_S."""
    try:
        value = float(os.environ.get(ENV_MAX_WAIT, ""))
    except ValueError:
        return MAX_WAIT_S
    return value if value > 0 else MAX_WAIT_S


class SigninGate:
    """At most `slots` sign-ins at work at once in this event loop (one per app)."""

    def __init__(self, slots: int, max_wait_s: float, first_estimate_s: float) -> None:
        self.slots = max(1, slots)
        self.max_wait_s = max_wait_s
        self.seconds_each = max(first_estimate_s, 0.001)
        self._free = asyncio.Semaphore(self.slots)
        self._working = 0
        self._waiting = 0

    @classmethod
    def for_this_process(cls) -> SigninGate:
        """Two slots per hashing thread, the wait limit from the environment."""
        return cls(2 * hashing.pool_size(), max_wait_from_env(), FIRST_ESTIMATE_S)

    def expected_wait(self) -> float:
        """Seconds a sign-in arriving now would wait for a slot (0 when one is free)."""
        if self._working < self.slots:
            return 0.0
        return (self._waiting + 1) / self.slots * self.seconds_each

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """Wait for a slot (raises Full when the wait would be, or has been, too long),
        hold it for the body, then fold the body's duration into the estimate."""
        wait = self.expected_wait()
        if wait > self.max_wait_s:
            raise Full(math.ceil(wait))
        self._waiting += 1
        try:
            async with asyncio.timeout(self.max_wait_s):
                await self._free.acquire()
        except TimeoutError:
            raise Full(max(1, math.ceil(self.expected_wait()))) from None
        finally:
            self._waiting -= 1
        self._working += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - started
            self.seconds_each += SMOOTHING * (took - self.seconds_each)
            self._working -= 1
            self._free.release()
