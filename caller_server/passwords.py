"""The password policy: one function for the CLI, the console, the set-password page and
(later) the invite join page, so they can never disagree.

At least 10 characters; not the username, whatever the case; not a common password
(resources/common-passwords.txt, see its README), nor a common password followed only
by digits or symbols ("password123!"), which is the first thing a guesser tries.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes anything, but a megabyte "password" is an attack


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, case-folded: the checkout's `resources/`, else the installed package's."""
    checkout = Path(__file__).resolve().parents[1] / "resources" / "common-passwords.txt"
    if checkout.is_file():
        text = checkout.read_text(encoding="utf-8")
    else:
        text = (resources.files("caller_resources") / "common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def password_problem(password: str, username: str = "") -> str | None:
    """Why this password cannot be used, in words for the person choosing it; None if it can."""
    if len(password) < MIN_LENGTH:
        return f"Choose a password of at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Choose a password of at most {MAX_LENGTH} characters."
    folded = password.strip().casefold()
    if username.strip() and folded == username.strip().casefold():
        return "Choose a password that is not your username."
    common = common_passwords()
    stem = folded.rstrip("0123456789!@#$%^&*()-_=+.,?~ ")
    if folded in common or (len(stem) >= 4 and stem in common):
        return "That password is one of the most common, so it is easy to guess. Choose another."
    return None


__all__ = ["MIN_LENGTH", "common_passwords", "password_problem"]
