"""The sync engine: one long-lived worker that moves data between store and server.

A QObject living on its own QThread. All network I/O happens in `_cycle`, which
runs on that thread only, so exactly one sender exists and a "sync now" during an
upload simply runs after it (and finds nothing left to send twice). Public methods
are safe to call from any thread: they post a request to the worker thread.
Everything the GUI needs arrives as signals (queued to the GUI thread by Qt).
"""

from __future__ import annotations

import logging
import math
import random
import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from caller_app.api import ApiClient, ApiError, Offline, SignedOut, Throttled
from caller_app.domain.models import Connectivity, SyncStatus
from caller_app.store import Store

from . import tasks
from .backoff import WakeDetector, full_jitter

log = logging.getLogger(__name__)

_QUEUED = Qt.ConnectionType.QueuedConnection


class SyncEngine(QObject):
    status_changed = Signal(object)  # SyncStatus
    contacts_changed = Signal()
    script_changed = Signal(object)  # Script
    progress_changed = Signal(object)  # TeamProgress
    out_of_contacts = Signal(str, object)  # reason, opens_at (datetime | None)
    attention_changed = Signal()  # the needs-attention list changed
    signed_out = Signal()
    released = Signal(int)  # end_session finished; contacts given back
    stopped = Signal()

    _request = Signal(str, object)  # private: a call from another thread

    def __init__(
        self,
        store: Store,
        api: ApiClient,
        campaign_id: int,
        *,
        backoff_base: float = 2.0,
        backoff_cap: float = 300.0,
        prefetch_below: int = 5,
        upload_chunk: int = 100,
        renew_every_s: float | None = None,
        progress_every_s: float = 60.0,
        script_every_s: float = 300.0,
        empty_retry_s: float = 60.0,
        idle_every_s: float = 60.0,
        wake_check_s: float = 10.0,
        wake_jump_s: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self.store, self.api, self.campaign_id = store, api, campaign_id
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.prefetch_below, self.upload_chunk = prefetch_below, upload_chunk
        self.renew_every_s = renew_every_s
        self.progress_every_s, self.script_every_s = progress_every_s, script_every_s
        self.empty_retry_s, self.idle_every_s = empty_retry_s, idle_every_s
        self.wake_check_s, self.wake_jump_s = wake_check_s, wake_jump_s
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._home = QThread.currentThread()
        self._thread: QThread | None = None
        self._timer: QTimer | None = None
        self._wake_timer: QTimer | None = None
        self._wake: WakeDetector | None = None
        self._attempt = 0
        self._signed_out = False
        self._stopped = False
        self._ending = False
        self._connectivity = Connectivity.ONLINE  # until a call fails
        self.pending_leaderboard: bool | None = None  # a preference not yet sent
        self.tally_not_before = 0.0  # monotonic time before which the tally isn't refetched
        self.due: dict[str, float] = {"script": 0.0, "renew": 0.0, "progress": 0.0, "lease": 0.0}
        self._request.connect(self._on_request, type=_QUEUED)

    # -- life cycle (GUI thread) ----------------------------------------------------------
    def run_in_thread(self) -> QThread:
        """Move to a new QThread and start; returns the thread (named "sync")."""
        thread = QThread()
        thread.setObjectName("sync")
        self._thread = thread
        self.moveToThread(thread)
        thread.started.connect(self.start)
        thread.start()
        return thread

    def shutdown(self, wait_ms: int = 10000) -> bool:
        """Stop the worker and wait for its thread; True when it has finished."""
        self.stop()
        thread = self._thread
        if thread is None:
            return True
        finished = thread.wait(wait_ms)
        if finished:
            self._thread = None
        return finished

    # -- thread-safe requests ----------------------------------------------------------
    def sync_now(self) -> None:
        self._request.emit("kick", "sync_now")

    def result_recorded(self) -> None:
        self._request.emit("kick", "result")

    def network_up(self) -> None:
        self._request.emit("kick", "network")

    def set_token(self, token: str) -> None:
        self._request.emit("token", token)

    def end_session(self, logout: bool = False) -> None:
        """Upload what it can, release unworked contacts (and sign out if asked); then
        emit `released(n)`. The engine keeps uploading afterwards but leases no more."""
        self._request.emit("end", logout)

    def set_leaderboard_opt_in(self, opt_in: bool) -> None:
        """Tell the server (soon, on the sync thread) whether to list us on the leaderboard."""
        self._request.emit("leaderboard", opt_in)

    def stop(self) -> None:
        self._request.emit("stop", None)

    # -- worker thread ---------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._cycle)
        self._wake = WakeDetector(self.wake_jump_s)
        self._wake_timer = QTimer(self)
        self._wake_timer.timeout.connect(self._check_wake)
        self._wake_timer.start(int(self.wake_check_s * 1000))
        log.info("sync started for campaign=%d", self.campaign_id)
        self._schedule(0)

    @Slot(str, object)
    def _on_request(self, kind: str, arg: Any) -> None:
        if self._stopped:
            return
        if kind == "kick":
            log.debug("sync kicked: %s", arg)
            self._kick()
        elif kind == "token":
            self.api.token = arg
            self._signed_out = False
            self._attempt = 0
            self._kick()
        elif kind == "leaderboard":
            self.pending_leaderboard = bool(arg)
            self._kick()
        elif kind == "end":
            self._end_session(bool(arg))
        elif kind == "stop":
            self._stop()

    def _kick(self) -> None:
        if not self._signed_out and self._timer is not None:
            self._schedule(0)

    def _schedule(self, delay_s: float) -> None:
        if self._timer is not None and not self._stopped:
            self._timer.start(max(0, int(delay_s * 1000)))

    def _check_wake(self) -> None:
        if self._wake is not None and self._wake.check():
            log.info("wake from sleep detected; syncing")
            self._kick()

    def _stop(self) -> None:
        self._stopped = True
        for timer in (self._timer, self._wake_timer):
            if timer is not None:
                timer.stop()
        log.info("sync stopped")
        self.stopped.emit()
        worker = self.thread()
        if worker is not self._home:
            self.moveToThread(self._home)  # so the GUI thread may drop us safely
            worker.quit()

    def _status(self, state: Connectivity | None, **kw: Any) -> None:
        """Emit the state; None keeps the last one (an upload starting is not "online")."""
        if state is None:
            state = self._connectivity
        self._connectivity = state
        waiting, attention = self.store.outbox_counts()
        self.status_changed.emit(
            SyncStatus(connectivity=state, waiting=waiting, needs_attention=attention, **kw)
        )

    @Slot()
    def _cycle(self) -> None:
        if self._stopped or self._signed_out:
            return
        try:
            tasks.run_cycle(self)
        except SignedOut:
            self._on_signed_out()
        except ApiError as exc:
            self._on_failure(exc)
        except Exception as exc:  # a bug or a local disk problem: log it, keep the thread
            log.exception("sync cycle failed")
            self._on_failure(exc)
        else:
            self._attempt = 0
            self._status(Connectivity.ONLINE)
            now = time.monotonic()
            wait = min([*self.due.values(), now + self.idle_every_s]) - now
            self._schedule(max(1.0, wait))

    def _on_signed_out(self) -> None:
        log.info("signed out by the server; %d results kept", self.store.waiting_count())
        self._signed_out = True
        if self._timer is not None:
            self._timer.stop()
        self._status(Connectivity.SIGNED_OUT, detail=str(SignedOut()))
        self.signed_out.emit()

    def _on_failure(self, exc: Exception) -> None:
        self._attempt += 1
        delay = full_jitter(self._attempt, self.backoff_base, self.backoff_cap, self.rng)
        if isinstance(exc, Throttled):
            delay = max(delay, min(exc.retry_after, self.backoff_cap))
        state = Connectivity.OFFLINE if isinstance(exc, Offline) else Connectivity.RETRYING
        detail = str(exc) if isinstance(exc, ApiError) else "Sync hit a problem; retrying."
        log.info(
            "sync attempt %d failed (%s); retry in %.1fs", self._attempt, type(exc).__name__, delay
        )
        self._status(state, retry_in_s=math.ceil(delay), detail=detail)
        self._schedule(delay)

    def _end_session(self, logout: bool) -> None:
        self._ending = True
        count = 0
        try:
            count = tasks.end_session(self, logout)
        except Exception:  # never leave the GUI waiting for `released`
            log.exception("ending the session failed")
        if logout:  # signed out on purpose: stay quiet until stopped or given a token
            self._signed_out = True
            if self._timer is not None:
                self._timer.stop()
        self.released.emit(count)
        if not self._signed_out:
            self._schedule(0)

    @property
    def ending(self) -> bool:
        return self._ending
