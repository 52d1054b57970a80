"""`caller-app --self-test` from source, as a volunteer or CI would run it.

The PyInstaller bundle runs the same self-test in CI (.ci/run); building the bundle is
too slow for the test suite, so here it runs from the source tree in a subprocess:
a real embedded server, a real store, sign-in, one upload and an offscreen render.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_self_test(tmp_path: Path, extra_env: dict[str, str] | None = None):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "-m", "caller_app", "--self-test", "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.slow
def test_self_test_passes_and_says_so(tmp_path: Path) -> None:
    proc = run_self_test(tmp_path)
    output = f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode == 0, output
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "self-test ok", output
    # The keyring is reported either way; with none, the line says so plainly.
    assert any(line.startswith(("keyring: ", "no keyring: ")) for line in lines), output
    # It used a throwaway folder: nothing was written to the given data folder's store.
    assert not (tmp_path / "data" / "caller-app.sqlite3").exists()


@pytest.mark.slow
def test_self_test_names_the_failing_step(tmp_path: Path) -> None:
    """A broken install (resources without the demo campaign) fails at a named step."""
    broken = tmp_path / "broken"
    (broken / "caller_resources").mkdir(parents=True)
    (broken / "caller_resources" / "__init__.py").write_text("")
    proc = run_self_test(tmp_path, {"PYTHONPATH": str(broken)})
    output = f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode != 0, output
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("self-test failed at practice server: "), output
    assert "campaign.toml" in last, output
