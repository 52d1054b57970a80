"""Parsing invite links and codes (issue 14), hostile input included; version order."""

from __future__ import annotations

import pytest

from caller_app.domain.invites import (
    Invite,
    InviteError,
    app_link,
    looks_like_invite,
    normalise_code,
    parse_invite,
)
from caller_app.domain.versions import older_than, version_key

SERVER = "https://phonebank.example.org"


@pytest.mark.parametrize(
    "text",
    [
        "https://phonebank.example.org/join/K7P-2QX",
        "  https://PhoneBank.Example.org:443/join/k7p2qx/  ".replace("/  ", "  "),
        "https://phonebank.example.org/join/K7P%2D2QX",
        "caller-app://join?server=https%3A%2F%2Fphonebank.example.org&code=K7P-2QX",
        "CALLER-APP://join?code=k7p-2qx&server=https://phonebank.example.org/",
    ],
)
def test_every_spelling_of_one_invite(text: str) -> None:
    assert parse_invite(text) == Invite(SERVER, "K7P-2QX")


def test_a_server_under_a_path_and_a_port_is_kept() -> None:
    found = parse_invite("http://127.0.0.1:8765/phonebank/join/K7P-2QX")
    assert found == Invite("http://127.0.0.1:8765/phonebank", "K7P-2QX")


def test_a_bare_code_takes_the_server_field() -> None:
    assert parse_invite("k7p 2qx", "phonebank.example.org/") == Invite(SERVER, "K7P-2QX")
    assert parse_invite("K7P-2QX") == Invite("", "K7P-2QX")


def test_the_app_link_round_trips() -> None:
    invite = Invite(SERVER, "K7P-2QX")
    assert parse_invite(app_link(invite)) == invite


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://phonebank.example.org/join/K7P-2QX",
        "caller-app://evil?server=https://phonebank.example.org&code=K7P-2QX",
        "caller-app://join?server=javascript:alert(1)&code=K7P-2QX",
        "caller-app://join?server=file:///etc&code=K7P-2QX",
        "caller-app://join?code=K7P-2QX",
        "caller-app://join?server=https://a.example&server=https://b.example&code=K7P-2QX",
        "caller-app://join?server=https://phonebank.example.org&code=K0P-2QX",
        "https://phonebank.example.org@evil.example/join/K7P-2QX",
        "https://user:pw@phonebank.example.org/join/K7P-2QX",
        "https://phonebank.example.org/other/K7P-2QX",
        "https://phonebank.example.org/join/K7P-2QX/extra",
        "https://phonebank.example.org/join/OOO-III",
        "https://phonebank.example.org:99999/join/K7P-2QX",
        "https://phonebank.example.org/join/K7P-2QX\x00.evil.example",
        "https://phonebank.example.org/jo\nin/K7P-2QX",
        "K7P-2QX\x00",
        "https://phonebank.example.org/join/" + "A" * 5000,
        "https://" + "a" * 100_000 + ".example/join/K7P-2QX",
        "K7P-2QXX",
        "not an invite at all",
    ],
)
def test_hostile_or_broken_input_is_refused_in_words(text: str) -> None:
    with pytest.raises(InviteError) as caught:
        parse_invite(text, SERVER)
    message = str(caught.value)
    assert message.endswith(".")
    assert len(message) < 200
    assert "\x00" not in message


def test_the_link_names_the_server_not_the_field() -> None:
    """A pasted link always goes to its own server, never to what the field held."""
    found = parse_invite("https://other.example.net/join/K7P-2QX", SERVER)
    assert found.server_url == "https://other.example.net"


def test_codes_and_command_line_arguments() -> None:
    assert normalise_code("k7p2qx") == "K7P-2QX"
    assert normalise_code("K7P-2Q") is None
    assert normalise_code("I1O-0QX") is None
    assert looks_like_invite("caller-app://join?x")
    assert looks_like_invite("https://x.example/join/K7P-2QX")
    assert not looks_like_invite("--demo")


@pytest.mark.parametrize(
    ("version", "minimum", "old"),
    [
        ("0.1.0", "0.1.0", False),
        ("0.1.0", "0.2.0", True),
        ("0.10.0", "0.9.9", False),
        ("1.0", "1.0.1", True),
        ("1.0.0rc1", "1.0.0", False),
        ("0.0.0", "0.1.0", True),
        ("0.1.0", "", False),
        ("garbage", "0.0.1", True),
    ],
)
def test_version_order(version: str, minimum: str, old: bool) -> None:
    assert older_than(version, minimum) is old
    assert version_key("2.3") == (2, 3, 0, 0)
