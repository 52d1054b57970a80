"""The Linux desktop entry for caller-app: links (issue 14): build.py's template and
the per-user install the bundle does at start-up, in a temporary XDG_DATA_HOME."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from caller_app.desktop_entry import FILE_NAME, MIME, desktop_entry, install

ROOT = Path(__file__).resolve().parents[2]


def test_the_entry_claims_the_scheme() -> None:
    text = desktop_entry("'/opt/my apps/caller-app/caller-app'")
    assert "MimeType=x-scheme-handler/caller-app;\n" in text
    assert "Exec='/opt/my apps/caller-app/caller-app' %u\n" in text
    assert text.startswith("[Desktop Entry]\n")


def test_build_writes_the_desktop_file_into_the_bundle(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("caller_build", ROOT / "build" / "build.py")
    assert spec is not None
    assert spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    written = build.write_desktop_file(tmp_path)
    assert written == tmp_path / FILE_NAME
    assert f"MimeType={MIME};" in written.read_text(encoding="utf-8")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's")
def test_install_puts_the_entry_in_xdg_data_home_and_makes_it_the_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "share"))
    (tmp_path / "config").mkdir()
    exe = tmp_path / "unzipped here" / "caller-app" / "caller-app"
    entry = install(exe)
    assert entry == tmp_path / "share" / "applications" / FILE_NAME
    assert f"Exec='{exe}' %u" in entry.read_text(encoding="utf-8")
    if shutil.which("xdg-mime") is None:
        pytest.skip("xdg-utils is not installed: the handler cannot be checked")
    query = subprocess.run(
        ["xdg-mime", "query", "default", MIME], capture_output=True, text=True, timeout=30
    )
    assert query.stdout.strip() == FILE_NAME
