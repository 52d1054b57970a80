"""Where the token lives: the OS keyring, or memory only when there is none."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import keyring.backends.fail

from caller_app.credentials import SERVICE, Credentials
from tests.support.keyring_backend import memory_keyring


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
