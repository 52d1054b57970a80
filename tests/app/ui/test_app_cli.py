"""`caller-app` from the command line: --version and --demo (the self-test has its own
tests in tests/integration/test_selftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from caller_app import __version__

REPO = Path(__file__).resolve().parents[3]


def run_app(*args: str, data: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CALLER_APP_DATA=str(data),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return subprocess.run(  # the app under test
        [sys.executable, "-m", "caller_app", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_version(tmp_path):
    done = run_app("--version", data=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"caller-app {__version__}"


def test_demo_reaches_the_first_contact(tmp_path):
    """The README's main command: practice server, sign-in as demo, a contact on screen."""
    data = tmp_path / "data"
    done = run_app("--demo", "--data-dir", str(data), "--exit-after-first-contact", data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "first-contact-s" in done.stdout
    log = (data / "logs" / "caller-app.log").read_text()
    assert "practice server on http://127.0.0.1:" in log
    assert "+44" not in log  # no phone numbers in the log
