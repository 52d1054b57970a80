"""When each sync step may next talk to the server, and each step's own backoff.

Pure Python (no Qt). Every step (upload, script, renew, ...) has its own due time and
its own failure count, so a failing script refresh never holds up an upload. Times
are on the engine's wall clock, which keeps running while the laptop sleeps.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
from collections.abc import Callable
from dataclasses import dataclass

from .backoff import full_jitter


class Step(enum.Enum):
    RELEASE = "release"  # give back batches released locally
    CHECK = "check"  # does the server still hold what it accepted? (session start)
    RENEW = "renew"  # extend leases, learn which contacts are still ours
    SKIP = "skip"  # contacts passed on without an outcome
    UPLOAD = "upload"  # the result outbox
    SCRIPT = "script"
    PREFS = "prefs"  # the leaderboard preference
    LEASE = "lease"  # more contacts
    PROGRESS = "progress"  # the team tally


@dataclass
class _State:
    not_before: dt.datetime | None = None  # None: due whenever the cycle runs
    set_at: dt.datetime | None = None
    failures: int = 0


class Schedule:
    """Due times and backoff per Step. Not thread-safe: the sync thread owns it."""

    def __init__(
        self,
        clock: Callable[[], dt.datetime],
        *,
        backoff_base: float = 2.0,
        backoff_cap: float = 300.0,
        max_retry_after_s: float = 3600.0,
        rng: random.Random | None = None,
    ) -> None:
        self.clock = clock
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.max_retry_after_s = max_retry_after_s
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._steps = {step: _State() for step in Step}

    def due(self, step: Step) -> bool:
        state, now = self._steps[step], self.clock()
        if state.not_before is None or now >= state.not_before:
            return True
        # The clock went back (set by hand, NTP): don't wait out the gap.
        return state.set_at is not None and now < state.set_at

    def later(self, step: Step, seconds: float) -> None:
        """Not before `seconds` from now (a periodic step that just ran)."""
        now = self.clock()
        self._steps[step] = _State(now + dt.timedelta(seconds=seconds), now, 0)

    def sooner(self, step: Step, seconds: float) -> None:
        """Due within `seconds` at the latest (the tally after an upload)."""
        state, now = self._steps[step], self.clock()
        at = now + dt.timedelta(seconds=max(0.0, seconds))
        if state.not_before is not None and at < state.not_before:
            self._steps[step] = _State(at, now, state.failures)

    def never(self, step: Step) -> None:
        """Not again until `reset()` (a once-a-session step that ran)."""
        self._steps[step] = _State(dt.datetime.max.replace(tzinfo=dt.UTC), None, 0)

    def reset(self, step: Step) -> None:
        """Due now, with no failures counted (a kick, a wake, the network back)."""
        self._steps[step] = _State()

    def step_backing_off(self, step: Step) -> bool:
        """Whether the step waits after a failure (a Retry-After is a promise to keep)."""
        return self._steps[step].failures > 0

    def reset_backoff(self) -> None:
        """Every step that is backing off after failures is due now."""
        for step, state in self._steps.items():
            if state.failures:
                self._steps[step] = _State()

    def succeeded(self, step: Step) -> None:
        self._steps[step].failures = 0

    def failed(self, step: Step, at_least_s: float = 0.0) -> float:
        """Back this step off (full jitter; at least `at_least_s`, e.g. a Retry-After)."""
        state = self._steps[step]
        failures = state.failures + 1
        delay = full_jitter(failures, self.backoff_base, self.backoff_cap, self.rng)
        delay = max(delay, min(at_least_s, self.max_retry_after_s))
        now = self.clock()
        self._steps[step] = _State(now + dt.timedelta(seconds=delay), now, failures)
        return delay

    def backing_off(self) -> bool:
        return any(state.failures for state in self._steps.values())

    def next_due(self) -> dt.datetime | None:
        """The earliest future due time of any step (None: nothing is waiting)."""
        now = self.clock()
        times = [
            s.not_before
            for s in self._steps.values()
            if s.not_before is not None and s.not_before > now and s.not_before.year < 9999
        ]
        return min(times, default=None)
