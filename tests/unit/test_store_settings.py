"""Where the store lives (paths), the log file, and where the token lives (keyring)."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from caller_app import paths
from caller_app.credentials import SERVICE, Credentials
from caller_app.logs import LOG_FILE, setup_logging
from tests.support.keyring_backend import memory_keyring


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


def test_setup_logging_writes_one_rotating_file(tmp_path: Path) -> None:
    first = setup_logging(tmp_path / "a")
    assert setup_logging(tmp_path / "a") == first
    logging.getLogger("caller_app.test").info("result=%s", "abc")
    second = setup_logging(tmp_path / "b")  # moves, never duplicates
    logging.getLogger("caller_app.test").info("moved")
    handlers = [h for h in logging.getLogger("caller_app").handlers if hasattr(h, "_caller_app")]
    assert len(handlers) == 1
    handlers[0].flush()
    assert "result=abc" in first.read_text()
    assert second.name == LOG_FILE
    assert "moved" in second.read_text()
    logging.getLogger("caller_app").removeHandler(handlers[0])
    handlers[0].close()


def test_token_goes_to_the_keyring() -> None:
    with memory_keyring() as backend:
        creds = Credentials()
        assert creds.persistent
        creds.set("https://bank.example.org", "priya", "tok-1")
        assert backend.store == {(SERVICE, "https://bank.example.org|priya"): "tok-1"}
        assert Credentials().get("https://bank.example.org", "priya") == "tok-1"
        creds.delete("https://bank.example.org", "priya")
        creds.delete("https://bank.example.org", "priya")  # twice is fine
        assert backend.store == {}


def test_without_keyring_the_token_stays_in_memory(caplog, tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        creds = Credentials()
        assert not creds.persistent
        with caplog.at_level(logging.WARNING, logger="caller_app"):
            creds.set("https://b.example.org", "sam", "tok-2")
            assert creds.get("https://b.example.org", "sam") == "tok-2"
            creds.set("https://b.example.org", "sam", "tok-3")
        warnings = [r for r in caplog.records if "keyring" in r.getMessage()]
        assert len(warnings) == 1  # said once
        assert "tok-" not in caplog.text
        assert Credentials().get("https://b.example.org", "sam") is None  # the next run
        creds.delete("https://b.example.org", "sam")
        assert creds.get("https://b.example.org", "sam") is None
    finally:
        keyring.set_keyring(previous)
