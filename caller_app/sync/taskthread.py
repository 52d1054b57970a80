"""One worker thread for the core's one-off blocking jobs (sign in, fetch, sign-out).

The electrum `TaskThread` idea: the owner (a GUI-thread object) submits a function;
it runs on the worker's one QThread, one job after another; its value or exception
comes back through a queued signal, so `on_done`/`on_error` always run on the owner's
thread. The owner can `cancel()` (results of queued and running jobs are dropped, jobs
not yet started never run) and `stop(wait_ms)` (cancel, quit the thread and wait for
it), so closing the app leaves no thread behind and no callback lands on a dead object.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

log = logging.getLogger(__name__)

_QUEUED = Qt.ConnectionType.QueuedConnection

Job = Callable[[], Any]
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]


class _Runner(QObject):
    """Lives on the worker thread; runs what it is sent, reports what happened."""

    run = Signal(int, object)  # job id, fn: sent by the owner
    done = Signal(int, object)  # job id, value
    failed = Signal(int, object)  # job id, exception

    def __init__(self, wanted: Callable[[int], bool]) -> None:
        super().__init__()
        self._wanted = wanted
        self.run.connect(self._run, type=_QUEUED)

    @Slot(int, object)
    def _run(self, job_id: int, fn: Job) -> None:
        if not self._wanted(job_id):  # cancelled before it started
            return
        try:
            value = fn()
        except BaseException as exc:  # reported to the owner, which decides
            self.failed.emit(job_id, exc)
        else:
            self.done.emit(job_id, value)


class TaskThread(QObject):
    """Create on the owner's thread; `submit` from it only."""

    def __init__(self, name: str = "tasks") -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # guards _jobs, read by the worker's `wanted`
        self._jobs: dict[int, tuple[OnDone, OnError]] = {}
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._runner = _Runner(self._wanted)
        self._runner.moveToThread(self._thread)
        self._runner.done.connect(self._on_done, type=_QUEUED)
        self._runner.failed.connect(self._on_failed, type=_QUEUED)
        self._thread.finished.connect(self._runner.deleteLater)
        self._stopped = False
        self._thread.start()

    def submit(self, fn: Job, on_done: OnDone, on_error: OnError) -> int:
        """Queue `fn`; returns its id. Refused (RuntimeError) after `stop()`."""
        if self._stopped:
            raise RuntimeError("the task thread is stopped")
        job_id = next(self._ids)
        with self._lock:
            self._jobs[job_id] = (on_done, on_error)
        self._runner.run.emit(job_id, fn)
        return job_id

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._jobs)

    def cancel(self) -> None:
        """Forget every job: queued ones never run, running ones report to no one."""
        with self._lock:
            self._jobs.clear()

    def stop(self, wait_ms: int | None = None) -> bool:
        """Cancel, end the thread after the job now running and wait for it (None: as
        long as it takes); True once it has ended."""
        self.cancel()
        self._stopped = True
        self._thread.quit()
        finished = self._thread.wait() if wait_ms is None else self._thread.wait(wait_ms)
        if not finished:
            log.warning("task thread still busy after %d ms", wait_ms)
        return bool(finished)

    def is_running(self) -> bool:
        return bool(self._thread.isRunning())

    def _wanted(self, job_id: int) -> bool:
        with self._lock:
            return job_id in self._jobs

    def _take(self, job_id: int) -> tuple[OnDone, OnError] | None:
        with self._lock:
            return self._jobs.pop(job_id, None)

    @Slot(int, object)
    def _on_done(self, job_id: int, value: object) -> None:
        callbacks = self._take(job_id)
        if callbacks is not None:
            callbacks[0](value)

    @Slot(int, object)
    def _on_failed(self, job_id: int, exc: BaseException) -> None:
        callbacks = self._take(job_id)
        if callbacks is not None:
            callbacks[1](exc)


class Abortable(Protocol):
    """A client a job uses: `abort()` from any thread ends its exchange in flight."""

    def abort(self) -> None: ...
    def close(self) -> None: ...


A = TypeVar("A", bound=Abortable)


class Jobs:
    """An owner's one-off jobs: a TaskThread started at the first job, and the clients
    the jobs are using, so that `stop()` aborts them instead of waiting out a reply."""

    def __init__(self, name: str, grace_ms: int) -> None:
        self.name, self.grace_ms = name, grace_ms
        self.thread: TaskThread | None = None
        self._lock = threading.Lock()
        self._clients: set[Abortable] = set()

    def submit(self, fn: Job, on_done: OnDone, on_error: OnError) -> None:
        if self.thread is None:
            self.thread = TaskThread(self.name)
        self.thread.submit(fn, on_done, on_error)

    def track(self, client: A) -> A:
        """Abort `client` should the owner stop while a job uses it."""
        with self._lock:
            self._clients.add(client)
        return client

    def done(self, *clients: Abortable | None) -> None:
        """The job ended (owner's thread): stop tracking its clients and close them."""
        for client in clients:
            if client is not None:
                with self._lock:
                    self._clients.discard(client)
                client.close()

    def stop(self) -> None:
        """Abort the clients in use, then wait for the thread (none outlives this)."""
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            client.abort()
        thread, self.thread = self.thread, None
        if thread is not None and not thread.stop(self.grace_ms) and not thread.stop(None):
            log.warning("task thread did not stop")
