"""One-off blocking jobs (sign in, first fetch) on the thread pool, never the GUI thread.

The job reports back through a signal on a QObject of the GUI thread, so the
callbacks always run there (the electrum `TaskThread` idea, on QThreadPool).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)

    def __init__(
        self, on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_error)

    @Slot(object)
    def _deliver_done(self, value: object) -> None:
        _pending.discard(self)
        self._on_done(value)

    @Slot(object)
    def _deliver_error(self, exc: object) -> None:
        _pending.discard(self)
        self._on_error(exc)  # type: ignore[arg-type]


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            value = self.fn()
        except BaseException as exc:  # reported to the GUI thread, which decides
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(value)


_pending: set[_Relay] = set()


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Run `fn` on the global thread pool; call `on_done(value)` or `on_error(exc)` here."""
    relay = _Relay(on_done, on_error)
    _pending.add(relay)
    QThreadPool.globalInstance().start(_Job(fn, relay))
