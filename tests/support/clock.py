"""A wall clock a test can move: the laptop "sleeps" by `advance(minutes=50)`."""

from __future__ import annotations

import datetime as dt
import threading


class MovableClock:
    """Callable like `datetime.now(UTC)`; starts at `start` (default: now) and runs
    with real time, plus whatever `advance()` added. Thread-safe."""

    def __init__(self, start: dt.datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._offset = dt.timedelta(0)
        self._frozen = start if frozen else None
        self._base = (start or dt.datetime.now(dt.UTC)) - dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        with self._lock:
            if self._frozen is not None:
                return self._frozen + self._offset
            return dt.datetime.now(dt.UTC) + self._base + self._offset

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._offset += dt.timedelta(**delta)
