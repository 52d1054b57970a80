"""HTTP client of the central server: typed errors, timeouts, strict reply checks."""

from .client import ApiClient, make_session, normalise_server_url
from .errors import (
    ApiError,
    AwaitingApproval,
    BadServerUrl,
    Incompatible,
    Offline,
    ProtocolError,
    Rejected,
    ServerError,
    SignedOut,
    Throttled,
    TooOld,
)

__all__ = [
    "ApiClient",
    "ApiError",
    "AwaitingApproval",
    "BadServerUrl",
    "Incompatible",
    "Offline",
    "ProtocolError",
    "Rejected",
    "ServerError",
    "SignedOut",
    "Throttled",
    "TooOld",
    "make_session",
    "normalise_server_url",
]
