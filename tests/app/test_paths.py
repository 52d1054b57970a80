"""Where the app keeps its database and logs: the option, the environment, platformdirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from caller_app import paths


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(paths.ENV_DATA, raising=False)
    yield
    paths.set_data_dir(None)


def test_data_dir_override_by_option_and_env(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(paths.ENV_DATA, str(tmp_path / "env"))
    assert paths.data_dir() == tmp_path / "env"
    assert paths.log_dir() == tmp_path / "env" / "logs"
    paths.set_data_dir(tmp_path / "opt")  # --data-dir wins over the environment
    assert paths.db_path() == tmp_path / "opt" / "caller-app.sqlite3"
    assert paths.log_dir().is_dir()


def test_default_folders_come_from_platformdirs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    assert paths.data_dir().is_relative_to(tmp_path / "xdg-data")
    assert paths.log_dir().is_relative_to(tmp_path)
