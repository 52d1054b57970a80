"""Retry delays: exponential backoff with full jitter, and sleep detection.

Pure Python (no Qt), so the maths is tested on its own.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable


def full_jitter(
    attempt: int, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None
) -> float:
    """Delay before retry number `attempt` (1-based): uniform in [0, min(cap, base*2^(n-1))].

    Full jitter spreads the retries of many volunteers' apps after a server outage
    instead of having them all knock at once.
    """
    exponent = min(max(attempt, 1) - 1, 62)
    ceiling = min(cap, base * (2**exponent))
    return (rng or random).uniform(0.0, ceiling)


class WakeDetector:
    """Notices a suspend/resume: the wall clock jumped ahead of the monotonic clock.

    `check()` is called every few seconds; it returns True once after a wake-up.
    """

    def __init__(
        self,
        jump_s: float = 30.0,
        wall: Callable[[], float] = time.time,
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jump_s = jump_s
        self._wall, self._mono = wall, mono
        self._last_wall, self._last_mono = wall(), mono()

    def check(self) -> bool:
        wall, mono = self._wall(), self._mono()
        drift = (wall - self._last_wall) - (mono - self._last_mono)
        self._last_wall, self._last_mono = wall, mono
        return drift > self.jump_s
