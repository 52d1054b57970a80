"""The sync engine: one long-lived worker that moves data between store and server.

A QObject living on its own QThread. All network I/O happens in `_cycle`, which
runs on that thread only, so exactly one sender exists and a "sync now" during an
upload simply runs after it (and finds nothing left to send twice). Public methods
are safe to call from any thread: they post a request to the worker thread.
Everything the GUI needs arrives as signals (queued to the GUI thread by Qt).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
import random
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from caller_app.api.errors import ApiError, Offline, SignedOut, Throttled
from caller_app.domain.models import Connectivity, RetryWait, Script, SyncStatus, TeamProgress
from caller_app.store import Store

from .backoff import WakeDetector, full_jitter
from .policy import SyncPolicy
from .port import ApiPort
from .schedule import Schedule, Step
from .tasks import SyncSteps

log = logging.getLogger(__name__)

_QUEUED = Qt.ConnectionType.QueuedConnection

# Steps whose failure the status bar reports as "retrying". Script, tally and
# preference failures are logged and retried on their own: the calls still flow.
_CORE_STEPS = (Step.RELEASE, Step.CHECK, Step.RENEW, Step.UPLOAD, Step.LEASE)


class SyncEngine(QObject):
    status_changed = Signal(object)  # SyncStatus
    contacts_changed = Signal()
    campaign_status = Signal(str)  # active | paused | closed, as the server last said
    script_changed = Signal(object)  # Script
    progress_changed = Signal(object)  # TeamProgress
    out_of_contacts = Signal(str, object)  # reason, opens_at (datetime) or next retry (RetryWait)
    contacts_lost = Signal(int)  # unworked contacts that went to someone else meanwhile
    attention_changed = Signal()  # the needs-attention list changed
    signed_out = Signal()
    released = Signal(int)  # end_session finished; contacts given back
    stopped = Signal()

    _request = Signal(object, object)  # private: a call from another thread (_Ask, arg)

    def __init__(
        self,
        store: Store,
        api: ApiPort,
        campaign_id: int,
        policy: SyncPolicy | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        rng: random.Random | None = None,
        **changes: Any,
    ) -> None:
        """`policy`: the numbers (`changes` override some of them by name, for tests);
        `clock`: the wall clock of leases and due times (default: the store's)."""
        super().__init__()
        self.policy = (policy or SyncPolicy()).replace(**changes)
        self.store, self.api, self.campaign_id = store, api, campaign_id
        self.clock = clock or store.clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._home = QThread.currentThread()
        self._thread: QThread | None = None
        self._timer: QTimer | None = None
        self._wake_timer: QTimer | None = None
        self._wake: WakeDetector | None = None
        self._attempt = 0
        self._signed_out = False
        self._stopped = False
        self._connectivity = Connectivity.ONLINE  # until a call fails
        self._detail = ""  # the words of the last failure, kept while it lasts
        self.schedule = Schedule(
            self.clock,
            backoff_base=self.policy.backoff_base,
            backoff_cap=self.policy.backoff_cap,
            max_retry_after_s=self.policy.max_retry_after_s,
            rng=self.rng,
        )
        self._failed: list[tuple[Step, ApiError, float]] = []  # this cycle's failed steps
        self.steps = SyncSteps(
            store, api, campaign_id, self.policy, self.schedule, _Events(self), self.clock
        )
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

    def shutdown(self, wait_ms: int | None = 10000) -> bool:
        """Stop the worker and wait for its thread (None: for as long as it takes); True
        when it has finished. A request in flight holds the thread up to the client's
        reply deadline: the owner aborts it first (`ApiClient.abort`)."""
        self.stop()
        thread = self._thread
        if thread is None:
            return True
        finished = thread.wait() if wait_ms is None else thread.wait(wait_ms)
        if finished:
            self._thread = None
        return finished

    # -- thread-safe requests ----------------------------------------------------------
    def sync_now(self) -> None:
        """Try every step now, even those backing off after failures."""
        self._request.emit(_Ask.RETRY, "sync_now")

    def result_recorded(self) -> None:
        self._request.emit(_Ask.KICK, "result")

    def network_up(self) -> None:
        self._request.emit(_Ask.RETRY, "network")

    def set_token(self, token: str) -> None:
        self._request.emit(_Ask.TOKEN, token)

    def end_session(self, logout: bool = False) -> None:
        """Upload what it can, release unworked contacts (and sign out if asked); then
        emit `released(n)`. The engine keeps uploading afterwards but leases no more."""
        self._request.emit(_Ask.END, logout)

    def set_leaderboard_opt_in(self, opt_in: bool) -> None:
        """Tell the server (soon, on the sync thread) whether to list us on the leaderboard."""
        self._request.emit(_Ask.LEADERBOARD, opt_in)

    def stop(self) -> None:
        self.steps.stop_requested = True  # a cycle in progress skips its remaining steps
        self._request.emit(_Ask.STOP, None)

    # -- worker thread ---------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._cycle)
        self._wake = WakeDetector(self.policy.wake_jump_s)
        self._wake_timer = QTimer(self)
        self._wake_timer.timeout.connect(self._check_wake)
        self._wake_timer.start(int(self.policy.wake_check_s * 1000))
        log.info("sync started for campaign=%d", self.campaign_id)
        self._schedule(0)

    @Slot(object, object)
    def _on_request(self, kind: _Ask, arg: Any) -> None:
        if self._stopped:
            return
        if kind is _Ask.KICK:
            log.debug("sync kicked: %s", arg)
            self._kick()
        elif kind is _Ask.RETRY:
            log.debug("sync retried: %s", arg)
            self.schedule.reset_backoff()
            self._kick()
        elif kind is _Ask.TOKEN:
            self.api.token = arg
            self._signed_out = False
            self._attempt = 0
            self.schedule.reset_backoff()
            self._kick()
        elif kind is _Ask.LEADERBOARD:
            self.steps.pending_leaderboard = bool(arg)
            self._kick()
        elif kind is _Ask.END:
            self._end_session(bool(arg))
        elif kind is _Ask.STOP:
            self._stop()

    def _kick(self) -> None:
        if not self._signed_out and self._timer is not None:
            self._schedule(0)

    def _schedule(self, delay_s: float) -> None:
        if self._timer is not None and not self._stopped:
            self._timer.start(max(0, int(delay_s * 1000)))

    def _check_wake(self) -> None:
        if self._wake is not None and self._wake.check():
            log.info("wake from sleep detected; renewing leases first")
            self.steps.force_renew = True
            self.schedule.reset(Step.RENEW)
            self.schedule.reset_backoff()
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
            kw.setdefault("detail", self._detail if state is not Connectivity.ONLINE else "")
        self._connectivity = state
        self._detail = kw.get("detail", "")
        waiting, attention = self.store.outbox_counts()
        self.status_changed.emit(
            SyncStatus(connectivity=state, waiting=waiting, needs_attention=attention, **kw)
        )

    def _step_failed(self, step: Step, exc: ApiError, delay: float) -> None:
        """A step backs off alone (told by the steps); reported once the cycle ends."""
        self._failed.append((step, exc, delay))

    @Slot()
    def _cycle(self) -> None:
        if self._stopped or self._signed_out:
            return
        self._failed = []
        try:
            self.steps.run_cycle()
        except SignedOut:
            self._on_signed_out()
        except ApiError as exc:  # Offline: the network is down for every step
            self._on_failure(exc)
        except Exception as exc:  # a bug or a local disk problem: log it, keep the thread
            log.exception("sync cycle failed")
            self._on_failure(exc)
        else:
            self._attempt = 0
            self._after_cycle()

    def _after_cycle(self) -> None:
        """Report the cycle and sleep until the next step is due (or the idle tick)."""
        core = [(step, exc, delay) for step, exc, delay in self._failed if step in _CORE_STEPS]
        if core:
            _, exc, _ = core[0]
            retry = min(delay for _, _, delay in core)
            offline = any(isinstance(e, Offline) for _, e, _ in core)
            state = Connectivity.OFFLINE if offline else Connectivity.RETRYING
            self._status(state, retry_in_s=math.ceil(retry), detail=str(exc))
        else:
            self._status(Connectivity.ONLINE)
        now = self.clock()
        times = [now + dt.timedelta(seconds=self.policy.idle_every_s)]
        times += [t for t in (self.schedule.next_due(), self._next_renew()) if t is not None]
        wait = (min(times) - now).total_seconds()
        self._schedule(max(0.0 if self._failed else 1.0, wait))

    def _next_renew(self) -> dt.datetime | None:
        """When a lease next wants renewing; a past one is the renew step's business
        (it ran this cycle, or is backing off), not a reason to spin."""
        try:
            at = self.store.next_renew_at(self.policy.renew_every_s)
        except Exception:  # a locked database: the idle tick comes soon anyway
            log.exception("could not read the renewal times")
            return None
        return at if at is not None and at > self.clock() else None

    def _on_signed_out(self) -> None:
        log.info("signed out by the server; %d results kept", self.store.waiting_count())
        self._signed_out = True
        if self._timer is not None:
            self._timer.stop()
        self._status(Connectivity.SIGNED_OUT, detail=str(SignedOut()))
        self.signed_out.emit()

    def _on_failure(self, exc: Exception) -> None:
        """The whole cycle failed (offline, or a bug): back off every step together."""
        self._attempt += 1
        if isinstance(exc, Offline):
            # the lease may have lapsed meanwhile
            self.steps.force_renew = self.steps.offline_spell = True
        policy = self.policy
        delay = full_jitter(self._attempt, policy.backoff_base, policy.backoff_cap, self.rng)
        if isinstance(exc, Throttled):
            delay = max(delay, min(exc.retry_after, policy.backoff_cap))
        state = Connectivity.OFFLINE if isinstance(exc, Offline) else Connectivity.RETRYING
        detail = str(exc) if isinstance(exc, ApiError) else "Sync hit a problem; retrying."
        log.info(
            "sync attempt %d failed (%s); retry in %.1fs", self._attempt, type(exc).__name__, delay
        )
        self._status(state, retry_in_s=math.ceil(delay), detail=detail)
        self._schedule(delay)

    def _end_session(self, logout: bool) -> None:
        count = 0
        try:
            count = self.steps.end_session(logout)
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
        return self.steps.ending

    @property
    def session_checked(self) -> bool:
        """This session's results check has run: the server holds, or has been sent
        again, every result this app holds (a soak drains until then)."""
        return self.steps.session_checked

    @property
    def recovery_checked_for(self) -> dt.datetime | None:
        """The recovery window whose results check ran (tests watch it)."""
        return self.steps.recovery_checked_for

    # -- what the steps report (sync thread) ------------------------------------------------
    def _report_uploading(self) -> None:
        self._status(None, uploading=True)


class _Ask(enum.Enum):
    """The requests other threads post to the engine."""

    KICK = "kick"
    RETRY = "retry"
    TOKEN = "token"  # noqa: S105 - a request kind, not a secret
    LEADERBOARD = "leaderboard"
    END = "end"
    STOP = "stop"


class _Events:
    """The steps' `SyncEvents`, re-emitted as the engine's signals."""

    def __init__(self, engine: SyncEngine) -> None:
        self._engine = engine

    def uploading(self) -> None:
        self._engine._report_uploading()

    def step_failed(self, step: Step, exc: ApiError, delay: float) -> None:
        self._engine._step_failed(step, exc, delay)

    def contacts_changed(self) -> None:
        self._engine.contacts_changed.emit()

    def contacts_lost(self, count: int) -> None:
        self._engine.contacts_lost.emit(count)

    def script_changed(self, script: Script) -> None:
        self._engine.script_changed.emit(script)

    def progress_changed(self, progress: TeamProgress) -> None:
        self._engine.progress_changed.emit(progress)

    def out_of_contacts(self, reason: str, when: dt.datetime | RetryWait | None) -> None:
        self._engine.out_of_contacts.emit(reason, when)

    def attention_changed(self) -> None:
        self._engine.attention_changed.emit()

    def campaign_status(self, status: str) -> None:
        self._engine.campaign_status.emit(status)
