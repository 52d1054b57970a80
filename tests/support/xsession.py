"""A real X server for tests that drive the real app with real key presses.

`XServer` starts Xvfb on a free display (it picks the number itself and writes it to a
pipe: `-displayfd`), at a laptop's 1366x768; `X` runs xdotool against it: wait for a
window by its title, focus it, type, press keys, and take a screenshot for a failed
test. `AppProcess` runs `python -m caller_app` on that display with its own data
folder and no OS keyring, as a volunteer's double-click would (the sign-in is kept in
memory for the run). The server side is `tests.support.server.LiveServer`.

Everything here waits on something observable (a window title, a process exit, a line
in a log); nothing sleeps for a fixed long time. Every process started here is
stopped by `stop()`, and dies with the test process (PR_SET_PDEATHSIG) should that be
killed first.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from tests.support.server import REPO

SCREEN = "1366x768x24"
XVFB = "Xvfb"
XDOTOOL = "xdotool"
T = TypeVar("T")


def x_unavailable_reason() -> str | None:
    """None when Xvfb and xdotool are installed, else why the X tests cannot run."""
    missing = [tool for tool in (XVFB, XDOTOOL) if shutil.which(tool) is None]
    if missing:
        return (
            f"{' and '.join(missing)} not installed (Debian: apt-get install xvfb xdotool "
            "libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0; .ci/run does it)"
        )
    return None


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when the test process dies, so none is orphaned."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class AppExited(AssertionError):
    """The app quit while the test waited for it to show something."""


def wait_until(
    check: Callable[[], T],
    timeout: float,
    what: str,
    every: float = 0.1,
    alive: Callable[[], bool] | None = None,
) -> T:
    """Poll `check` until it returns something truthy; TimeoutError naming `what`.

    `alive` (say `AppProcess.alive`) is checked meanwhile: when the app has quit the
    wait fails at once with AppExited instead of after the whole timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if alive is not None and not alive():
            raise AppExited(f"the app exited while the test waited for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(every)


def _stop_process(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


class XServer:
    """Xvfb on a display number of its own choosing (no clash with other test runs)."""

    def __init__(self, screen: str = SCREEN, log_dir: Path | None = None) -> None:
        """`log_dir` keeps Xvfb's own output (a temporary file removed on exit if None)."""
        self.screen = screen
        self.display = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._own_log = log_dir is None
        fd, name = tempfile.mkstemp(prefix="xvfb-", suffix=".log", dir=log_dir)
        os.close(fd)
        self.log_path = Path(name)

    def start(self, timeout: float = 30.0) -> XServer:
        read_end, write_end = os.pipe()
        try:
            argv = [XVFB, "-displayfd", str(write_end), "-screen", "0", self.screen,
                    "-nolisten", "tcp", "-noreset"]  # fmt: skip
            with self.log_path.open("ab") as log:
                self._proc = subprocess.Popen(  # the X server, stopped by stop()
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    pass_fds=(write_end,),
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                )
            os.close(write_end)
            write_end = -1
            number = b""
            deadline = time.monotonic() + timeout
            while not number.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or self._proc.poll() is not None:
                    raise RuntimeError(f"Xvfb did not start:\n{self.log_text()}")
                ready, _, _ = select.select([read_end], [], [], min(left, 0.5))
                if ready:
                    chunk = os.read(read_end, 16)
                    if not chunk:
                        raise RuntimeError(f"Xvfb closed its display pipe:\n{self.log_text()}")
                    number += chunk
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        self.display = f":{int(number)}"
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop_process(proc)

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> XServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
        if self._own_log:
            self.log_path.unlink(missing_ok=True)


class X:
    """xdotool on one display: what a volunteer's hands and eyes do."""

    def __init__(self, display: str, type_delay_ms: int = 40) -> None:
        self.display = display
        self.type_delay_ms = type_delay_ms
        self.env = {**os.environ, "DISPLAY": display}

    def run(self, *args: str, timeout: float = 60.0) -> str:
        proc = subprocess.run(
            [XDOTOOL, *args], env=self.env, capture_output=True, timeout=timeout, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"xdotool {' '.join(args)} failed ({proc.returncode}): "
                f"{proc.stderr.decode(errors='replace').strip()}"
            )
        return proc.stdout.decode(errors="replace")

    def windows(self, name: str) -> list[str]:
        """Ids of the visible windows whose title matches the regular expression `name`."""
        proc = subprocess.run(
            [XDOTOOL, "search", "--onlyvisible", "--name", name],
            env=self.env,
            capture_output=True,
            timeout=30,
            check=False,
        )
        return proc.stdout.decode().split()  # exit 1 with no output: none found

    def wait_window(
        self, name: str, timeout: float = 60.0, alive: Callable[[], bool] | None = None
    ) -> str:
        """The id of the (first) visible window titled like `name`, once there is one;
        AppExited as soon as `alive()` says the app has quit."""

        def found() -> str:
            ids = self.windows(name)
            return ids[0] if ids else ""

        return wait_until(found, timeout, f"a window titled {name!r}", 0.2, alive)

    def wait_gone(self, name: str, timeout: float = 60.0) -> None:
        wait_until(lambda: not self.windows(name), timeout, f"no window titled {name!r}")

    def title(self, window: str) -> str:
        return self.run("getwindowname", window).strip()

    def focus(self, window: str) -> None:
        """Give `window` the keyboard focus and wait until X says it has it (no window
        manager runs here, so xdotool sets the input focus itself)."""
        self.run("windowfocus", "--sync", window)

    def focused_window(self) -> str:
        return self.run("getwindowfocus").strip()

    def type(self, text: str) -> None:
        """Type `text` into whatever has the focus, a key at a time."""
        self.run("type", "--clearmodifiers", "--delay", str(self.type_delay_ms), "--", text)

    def key(self, *keys: str) -> None:
        """Press keys in turn, e.g. key("Tab"), key("ctrl+Return"), key("Right", "space")."""
        self.run("key", "--clearmodifiers", "--delay", str(self.type_delay_ms), *keys)

    def screenshot(self, path: Path) -> Path | None:
        """The whole X screen as a PNG, for a failed test; None when nothing could grab it.

        ImageMagick's `import` when installed, else Qt in a child process."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if shutil.which("import"):
            argv = ["import", "-window", "root", str(path)]
        else:
            argv = [sys.executable, "-c", _QT_GRAB, str(path)]
        env = {**self.env, "QT_QPA_PLATFORM": "xcb"}
        try:
            subprocess.run(argv, env=env, capture_output=True, timeout=60, check=True)
        except (subprocess.SubprocessError, OSError):
            return None
        return path if path.exists() else None


_QT_GRAB = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)
"""


class AppProcess:
    """The caller app, started as a volunteer starts it, on an X display.

    Its own data folder (`--data-dir`), so it sees no other run's account or settings;
    no OS keyring (PYTHON_KEYRING_BACKEND selects keyring's "fail" backend), so the
    token is kept in memory for this run, as on a headless Linux box."""

    def __init__(
        self, display: str, data_dir: Path, server_url: str, args: Sequence[str] = ()
    ) -> None:
        self.display = display
        self.data_dir = data_dir
        self.server_url = server_url
        self.args = list(args)
        self._proc: subprocess.Popen[bytes] | None = None
        self.output_path = data_dir.parent / f"{data_dir.name}-output.txt"

    def start(self) -> AppProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        runtime = self.data_dir.parent / f"{self.data_dir.name}-runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
        env.update(
            DISPLAY=self.display,
            QT_QPA_PLATFORM="xcb",
            XDG_RUNTIME_DIR=str(runtime),
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        )
        env.pop("CALLER_APP_DATA", None)
        argv = [
            sys.executable, "-m", "caller_app", "--data-dir", str(self.data_dir),
            "--server", self.server_url, "--theme", "light", *self.args,
        ]  # fmt: skip
        with self.output_path.open("ab") as out:
            self._proc = subprocess.Popen(  # the app under test, stopped by stop()
                argv,
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        return self

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def wait(self, timeout: float = 60.0) -> int:
        """The exit code, once the app has exited by itself."""
        assert self._proc is not None, "the app was not started"
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"the app did not exit within {timeout:.0f} s") from None

    def stop(self) -> None:
        proc = self._proc
        if proc is not None:
            _stop_process(proc)

    def output(self) -> str:
        try:
            return self.output_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_text(self) -> str:
        """The app's own log file (ids and counts only, never names)."""
        path = self.data_dir / "logs" / "caller-app.log"
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def log_lines(text: str, pattern: str) -> list[str]:
    """The lines of a log matching the regular expression `pattern`."""
    regex = re.compile(pattern)
    return [line for line in text.splitlines() if regex.search(line)]


@contextmanager
def x_display(screen: str = SCREEN) -> Iterator[X]:
    """An Xvfb for the block, and xdotool on it."""
    with XServer(screen) as server:
        yield X(server.display)
