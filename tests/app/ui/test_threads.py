"""One owner per thread: jobs run on the core's task thread, report on the GUI thread,
and closing the app (even mid sign-in, against a server that never answers) leaves no
thread of ours running."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from caller_app.api import ApiClient, ApiError, Offline
from caller_app.app import CallerCore
from caller_app.credentials import Credentials
from caller_app.store import Store
from caller_app.sync.taskthread import TaskThread
from caller_app.ui.launcher import Launcher


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: a sign-in hangs until its deadline."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, name="silent-server")
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_results_arrive_on_the_gui_thread_and_cancelled_jobs_never_run(qtbot) -> None:
    tasks = TaskThread("test-tasks")
    gui = threading.get_ident()
    ran_on: list[int] = []
    done_on: list[tuple[int, object]] = []
    errors: list[tuple[int, BaseException]] = []

    def job() -> str:
        ran_on.append(threading.get_ident())
        return "value"

    def boom() -> None:
        raise ValueError("no")

    tasks.submit(job, lambda v: done_on.append((threading.get_ident(), v)), errors.append)
    tasks.submit(boom, done_on.append, lambda e: errors.append((threading.get_ident(), e)))
    qtbot.waitUntil(lambda: len(done_on) == 1 and len(errors) == 1, timeout=5000)
    assert ran_on
    assert ran_on[0] != gui
    assert done_on == [(gui, "value")]
    assert errors[0][0] == gui
    assert isinstance(errors[0][1], ValueError)

    gate = threading.Event()
    late: list[object] = []
    tasks.submit(gate.wait, late.append, late.append)  # running when cancelled
    tasks.submit(lambda: late.append("ran"), late.append, late.append)  # never starts
    tasks.cancel()
    gate.set()
    assert tasks.stop(5000)
    assert not tasks.is_running()
    qtbot.wait(50)
    assert late == []
    with pytest.raises(RuntimeError):
        tasks.submit(job, print, print)


def test_closing_during_a_sign_in_leaves_no_thread_running(
    qtbot, tmp_path: Path, silent_server: str
) -> None:
    before = set(threading.enumerate())
    core = CallerCore(Store(tmp_path / "app.sqlite3"), Credentials(), watch_network=False)
    launcher = Launcher(tmp_path, silent_server, core=core)
    launcher.start()
    dialog = launcher.sign_in_dialog
    assert dialog is not None
    dialog.username.setText("priya")
    dialog.password.setText("correct horse battery")
    dialog.submit()
    tasks = core.jobs.thread
    assert tasks is not None
    assert tasks.busy
    qtbot.wait(300)  # the request is in flight, waiting for a reply that never comes
    started = time.monotonic()
    launcher.close()
    assert time.monotonic() - started < 10  # aborted, not waited out (30 s read timeout)
    assert not tasks.is_running()
    assert core.jobs.thread is None
    assert core.engine is None

    # Python threads of ours (a deadline's timer): gone. A QThread that ran Python code
    # stays listed as a `_DummyThread` Python never forgets; `is_running` covers those.
    def extra() -> list[threading.Thread]:
        alive = set(threading.enumerate()) - before
        return [t for t in alive if not isinstance(t, threading._DummyThread)]

    qtbot.waitUntil(lambda: not extra(), timeout=5000)
    core.store.close()


def test_abort_cuts_the_exchange_in_flight_and_refuses_later_ones(silent_server: str) -> None:
    api = ApiClient(silent_server, token="t0ken")  # read timeout 30 s, deadline 120 s
    failures: list[BaseException] = []

    def call() -> None:
        try:
            api.progress(1)
        except ApiError as exc:
            failures.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.3)
    started = time.monotonic()
    api.abort()
    caller.join(10)
    assert not caller.is_alive()
    assert time.monotonic() - started < 5
    assert [type(e) for e in failures] == [Offline]
    with pytest.raises(Offline):
        api.progress(1)
    api.close()
