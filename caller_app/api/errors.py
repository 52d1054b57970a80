"""Errors of the API client. Every `str()` is a sentence a volunteer understands.

ApiError
  Offline        network unreachable, refused, reset, timed out      (transient)
  SignedOut      401/403: sign in again                               (waits for sign-in)
  Rejected       other 4xx, with the server's message (status, code; what it means is
                 the caller's call: an upload parks a result only on a 422 to it alone)
  Throttled      429, with retry_after seconds                        (transient)
  ServerError    5xx                                                  (transient)
  ProtocolError  malformed, truncated, wrong types, oversized, HTML   (transient)
    Incompatible the server speaks another API version                (permanent)
      TooOld     the server needs a newer app (with its download page)  (permanent)
  AwaitingApproval  an invite's account waits for an organiser's approval
  BadServerUrl   the address typed in is not usable                   (permanent)
"""

from __future__ import annotations

from collections.abc import Mapping

from caller_app.domain.errors import ExpectedFailure
from caller_app.domain.i18n import QT_TRANSLATE_NOOP


class ApiError(ExpectedFailure):
    default = QT_TRANSLATE_NOOP("Errors", "Something went wrong talking to the phone bank server.")

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message or self.default, params=params)
        self.status = status

    @property
    def transient(self) -> bool:
        """True when trying again later may succeed."""
        return False


class Offline(ApiError):
    default = QT_TRANSLATE_NOOP(
        "Errors", "Can't reach the phone bank server. Check your internet connection."
    )

    @property
    def transient(self) -> bool:
        return True


class SignedOut(ApiError):
    default = QT_TRANSLATE_NOOP("Errors", "You have been signed out. Please sign in again.")


class Rejected(ApiError):
    default = QT_TRANSLATE_NOOP("Errors", "The server refused the request.")

    def __init__(
        self, message: str | None = None, *, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message, status=status)
        self.code = code


class Throttled(ApiError):
    default = QT_TRANSLATE_NOOP("Errors", "The server is busy. Trying again shortly.")

    def __init__(self, message: str | None = None, *, retry_after: float = 30.0) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return True


class ServerError(ApiError):
    default = QT_TRANSLATE_NOOP(
        "Errors", "The phone bank server has a problem. Your calls are safe; we'll keep trying."
    )

    @property
    def transient(self) -> bool:
        return True


class ProtocolError(ApiError):
    default = QT_TRANSLATE_NOOP(
        "Errors",
        "The reply did not come from the phone bank server (a Wi-Fi sign-in page?). "
        "We'll keep trying.",
    )

    @property
    def transient(self) -> bool:
        return True


class Incompatible(ProtocolError):
    default = QT_TRANSLATE_NOOP(
        "Errors", "Incompatible server version: please update the caller app."
    )

    @property
    def transient(self) -> bool:
        return False


class TooOld(Incompatible):
    """The server needs a newer app (health's `min_app_version`). Nothing is lost:
    unsent calls stay on this computer until the new app sends them."""

    def __init__(self, version: str, minimum: str, download_url: str) -> None:
        super().__init__(
            f"This caller app (version {version}) is too old for your phone bank, which "
            f"needs version {minimum} or newer. Please get the new version. The calls you "
            "saved are kept on this computer and will be sent once you have it."
        )
        self.version = version
        self.minimum = minimum
        self.download_url = download_url


class AwaitingApproval(ApiError):
    """The account is made, but an organiser approves it before it may sign in."""

    default = (
        "Your account is made. An organiser will approve it soon; then sign in with "
        "your username and password."
    )


class BadServerUrl(ApiError):
    default = QT_TRANSLATE_NOOP(
        "Errors", "That server address doesn't look right. It should start with https://"
    )
