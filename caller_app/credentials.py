"""The sign-in token: in the OS keyring, never in a plain file.

Where no keyring backend exists (a headless Linux box) the token is kept in memory
for this run only, and that is logged once; the volunteer signs in again next time.
"""

from __future__ import annotations

import logging

import keyring
import keyring.backends.fail
import keyring.errors

log = logging.getLogger(__name__)

SERVICE = "caller-app"


def keyring_key(server_url: str, username: str) -> str:
    return f"{server_url}|{username}"


class Credentials:
    """Get, set and delete the token of one (server, username) pair."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._memory: dict[str, str] = {}
        self._warned = False

    @property
    def persistent(self) -> bool:
        """True when tokens survive a restart (a real keyring backend exists)."""
        return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)

    def _no_keyring(self, exc: Exception | None) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "no usable keyring (%s); the sign-in is kept in memory for this run only",
                type(exc).__name__ if exc else "no backend",
            )

    def get(self, server_url: str, username: str, former_url: str | None = None) -> str | None:
        """The token; when none is kept under `server_url` but one is under `former_url`
        (the same server as spelled before addresses were made canonical), it is moved
        to the new key and returned."""
        token = self._get(server_url, username)
        if token is None and former_url and former_url != server_url:
            token = self._get(former_url, username)
            if token is not None:
                self.set(server_url, username, token)
                self.delete(former_url, username)
                log.info("sign-in token moved to the canonical server address")
        return token

    def _get(self, server_url: str, username: str) -> str | None:
        key = keyring_key(server_url, username)
        if key in self._memory:
            return self._memory[key]
        if not self.persistent:
            self._no_keyring(None)
            return None
        try:
            return keyring.get_password(self.service, key)
        except keyring.errors.KeyringError as exc:
            self._no_keyring(exc)
            return None

    def set(self, server_url: str, username: str, token: str) -> None:
        key = keyring_key(server_url, username)
        if self.persistent:
            try:
                keyring.set_password(self.service, key, token)
                self._memory.pop(key, None)
                return
            except keyring.errors.KeyringError as exc:
                self._no_keyring(exc)
        else:
            self._no_keyring(None)
        self._memory[key] = token

    def delete(self, server_url: str, username: str) -> None:
        key = keyring_key(server_url, username)
        self._memory.pop(key, None)
        if not self.persistent:
            return
        try:
            keyring.delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored
        except keyring.errors.KeyringError as exc:
            self._no_keyring(exc)
