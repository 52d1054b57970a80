"""One canonical spelling per server: results, keyring entries and the account agree."""

from __future__ import annotations

import pytest

from caller_app.api import BadServerUrl, normalise_server_url
from caller_app.credentials import Credentials
from tests.support.keyring_backend import memory_keyring


@pytest.mark.parametrize(
    "typed",
    [
        "https://PhoneBank.example.org",
        "HTTPS://phonebank.EXAMPLE.org:443/",
        "phonebank.example.org:443",
        "phonebank.example.org//",
    ],
)
def test_spellings_of_one_server_are_one_address(typed: str) -> None:
    assert normalise_server_url(typed) == "https://phonebank.example.org"


def test_the_path_and_other_ports_are_kept() -> None:
    assert normalise_server_url("https://Example.org:8443/Bank/") == "https://example.org:8443/Bank"
    assert normalise_server_url("http://LOCALHOST:80/") == "http://localhost"
    assert normalise_server_url("http://[::1]:8000") == "http://[::1]:8000"


@pytest.mark.parametrize(
    "bad", ["https://user:pw@bank.example.org", "https://bank.example.org:99999", "https://:443"]
)
def test_odd_addresses_are_refused(bad: str) -> None:
    with pytest.raises(BadServerUrl):
        normalise_server_url(bad)


def test_a_token_saved_under_the_old_spelling_is_found_once_and_moved() -> None:
    with memory_keyring() as backend:
        creds = Credentials()
        creds.set("https://PhoneBank.example.org:443", "priya", "tok")
        assert creds.get("https://phonebank.example.org", "priya") is None
        got = creds.get(
            "https://phonebank.example.org", "priya", "https://PhoneBank.example.org:443"
        )
        assert got == "tok"
        assert list(backend.store) == [("caller-app", "https://phonebank.example.org|priya")]
        assert creds.get("https://phonebank.example.org", "priya") == "tok"
