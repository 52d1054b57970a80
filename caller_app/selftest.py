"""`caller-app --self-test`: prove this install works end to end, in a few seconds.

Runs the real parts, not stand-ins: a throwaway store in a temporary folder, the embedded
practice server (the same one `--demo` starts), sign-in, one recorded call uploaded by the
sync engine and confirmed by the server, and the caller screen drawn offscreen. It is what
CI runs inside the PyInstaller bundle, and what an organiser can ask a volunteer to run.

Prints `self-test ok` and returns 0, or `self-test failed at <step>: <reason>` and
returns 1. Touches no user data: no real data folder, and no OS keyring (the token lives
in memory); the keyring backend is only looked up and reported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from caller_app.credentials import Credentials

WAIT_S = 30.0  # per network step: generous for a slow CI machine, still bounded


class StepFailed(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


class _MemoryCredentials(Credentials):
    """Keeps the self-test's token out of the volunteer's real keyring."""

    def __init__(self) -> None:
        super().__init__(service="caller-app-self-test")
        self._tokens: dict[tuple[str, str], str] = {}

    def get(self, server_url: str, username: str, former_url: str | None = None) -> str | None:
        return self._tokens.get((server_url, username))

    def set(self, server_url: str, username: str, token: str) -> None:
        self._tokens[(server_url, username)] = token

    def delete(self, server_url: str, username: str) -> None:
        self._tokens.pop((server_url, username), None)


@contextlib.contextmanager
def _step(name: str) -> Iterator[None]:
    """Any exception inside becomes StepFailed(name, a one-line reason)."""
    try:
        yield
    except StepFailed:
        raise
    except Exception as exc:
        text = " ".join(str(exc).split()) or "no details"
        raise StepFailed(name, f"{type(exc).__name__}: {text}") from exc


def _wait_until(app: Any, condition: Callable[[], bool], what: str) -> None:
    """Run the Qt event loop until `condition()` holds; TimeoutError after WAIT_S."""
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {WAIT_S:.0f} s")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


# The keyring backend classes of each OS: (module under keyring.backends, class).
_OS_BACKENDS = {
    "linux": (("SecretService", "Keyring"), ("kwallet", "DBusKeyring")),
    "darwin": (("macOS", "Keyring"),),
    "win32": (("Windows", "WinVaultKeyring"),),
}


def keyring_status() -> str:
    """The OS keyring backend in words, or a clear note that there is none, and why."""
    import keyring
    import keyring.backends.fail

    backend = keyring.get_keyring()
    if not isinstance(backend, keyring.backends.fail.Keyring):
        kind = type(backend)
        return f"keyring: {kind.__module__}.{kind.__qualname__}"
    platform = "linux" if sys.platform.startswith("linux") else sys.platform
    reasons = "; ".join(_why_unusable(*entry) for entry in _OS_BACKENDS.get(platform, ()))
    return "no keyring: sign-ins are kept in memory and asked for again at each start" + (
        f" ({reasons})" if reasons else ""
    )


def _why_unusable(name: str, class_name: str) -> str:
    """One backend's state: missing from this install, or the error it gives."""
    import importlib

    try:
        module = importlib.import_module(f"keyring.backends.{name}")
    except ImportError as exc:
        return f"{name} backend missing: {exc}"
    try:
        priority = getattr(module, class_name).priority
    except Exception as exc:  # each backend explains itself in its exception
        return f"{name}: {' '.join(str(exc).split())}"
    return f"{name}: present (priority {priority})"


def _attach_windows_console() -> None:
    """A windowed Windows build has no stdout: report to the console that started us."""
    if sys.platform != "win32" or sys.stdout is not None:
        return
    import ctypes

    if getattr(ctypes, "windll").kernel32.AttachConsole(-1):  # noqa: B009 - Windows only
        sys.stdout = sys.stderr = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115


def run() -> int:
    """The self-test; 0 when every step worked."""
    _attach_windows_console()
    try:
        with tempfile.TemporaryDirectory(prefix="caller-app-self-test-") as folder:
            _run(Path(folder))
    except StepFailed as exc:
        print(f"self-test failed at {exc.step}: {exc.reason}", flush=True)
        return 1
    print("self-test ok", flush=True)
    return 0


def _run(folder: Path) -> None:
    with _step("Qt start-up"):
        app = _application()
    with _step("keyring"):
        print(keyring_status(), flush=True)
    with _step("local store"):
        from caller_app import paths
        from caller_app.store import Store

        store = Store(folder / paths.DB_FILE)
    cleanups: list[Callable[[], None]] = [store.close]
    try:
        _exercise(app, store, folder, cleanups)
    finally:
        for cleanup in reversed(cleanups):
            with contextlib.suppress(Exception):
                cleanup()


def _application() -> Any:
    """The running QApplication, or a new one on the offscreen platform."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication([sys.argv[0] if sys.argv else "caller-app"])
    return app


def _exercise(app: Any, store: Any, folder: Path, cleanups: list[Callable[[], None]]) -> None:
    with _step("practice server"):
        from caller_app.practice import DEMO_PASSWORD, DEMO_USERNAME, PracticeServer

        (folder / "server").mkdir()
        server = PracticeServer(folder / "server")
        cleanups.append(server.stop)
        server.start()

    with _step("sign in"):
        from caller_app.app import CallerCore

        core = CallerCore(store, _MemoryCredentials())
        cleanups.append(core.shutdown)
        core.sign_in(server.url, DEMO_USERNAME, DEMO_PASSWORD)

    with _step("campaigns"):
        campaigns = core.fetch_campaigns()
        campaign = next((c for c in campaigns if c.id == server.campaign_id), None)
        if campaign is None:
            raise LookupError(f"the demo campaign is not among {len(campaigns)} campaigns")

    with _step("caller screen"):
        from PySide6.QtCore import QSettings

        from caller_app.ui.main_window import MainWindow
        from caller_app.ui.viewmodels import CallerViewModel

        core.choose_campaign(campaign.id)
        model = CallerViewModel(core, campaign)
        settings = QSettings(str(folder / "ui-settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(model, settings)
        cleanups.append(window.deleteLater)
        model.refresh()
        window.show()

    with _step("contacts"):
        _wait_until(
            app,
            lambda: model.contact is not None and model.script is not None,
            "the first contact and script",
        )

    with _step("record a call"):
        contact = model.contact
        assert contact is not None  # waited for above
        result = model.record(
            contact,
            _simple_outcome(model.script),
            answers={},
            notes="",
            callback_at=None,
            started_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5),
            duration_s=5,
        )
        if result is None:
            raise RuntimeError("the store did not save the call")

    with _step("upload"):
        _wait_until(app, lambda: _delivered(store, result.id), "the upload")
        _check_server_counted(server.url, campaign.id)

    with _step("render"):
        _wait_until(app, window.isVisible, "showing the window")
        _check_drawn(window.grab().toImage())


def _simple_outcome(script: Any) -> str:
    """An outcome that needs no answers or callback time ("no answer" where offered)."""
    plain = [o for o in script.outcomes if not o.needs_callback_time and not o.reached]
    if not plain:
        raise LookupError("the demo script offers no simple outcome")
    return str(next((o.code for o in plain if o.code == "no_answer"), plain[0].code))


def _delivered(store: Any, result_id: str) -> bool:
    from caller_app.store.outbox import DELIVERED, REJECTED

    states = {r.id: state for state in (DELIVERED, REJECTED) for r in store.results(state)}
    if states.get(result_id) == REJECTED:
        raise RuntimeError("the server refused the result")
    return states.get(result_id) == DELIVERED


def _check_server_counted(url: str, campaign_id: int) -> None:
    """Ask the server itself, as a second client, whether it counted our call."""
    from caller_app.api import ApiClient

    api = ApiClient(url)
    try:
        from caller_app.practice import DEMO_PASSWORD, DEMO_USERNAME

        api.token, _account = api.login(DEMO_USERNAME, DEMO_PASSWORD)
        if api.progress(campaign_id).my_calls < 1:
            raise RuntimeError("the server does not count the uploaded call")
    finally:
        api.close()


def _check_drawn(image: Any) -> None:
    """Fail on a null or single-colour image: the widgets must have painted something."""
    if image.isNull() or image.width() < 50 or image.height() < 50:
        raise RuntimeError(f"the window image is empty ({image.width()}x{image.height()})")
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), max(1, image.width() // 40))
        for y in range(0, image.height(), max(1, image.height() // 40))
    }
    if len(colours) < 3:
        raise RuntimeError("the window drew as a blank image")
