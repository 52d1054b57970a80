"""HTTP client of the central server: typed errors, timeouts, strict reply checks."""

from .client import ApiClient, make_session, normalise_server_url
from .errors import (
    ApiError,
    BadServerUrl,
    Incompatible,
    Offline,
    ProtocolError,
    Rejected,
    ServerError,
    SignedOut,
    Throttled,
)

__all__ = [
    "ApiClient",
    "ApiError",
    "BadServerUrl",
    "Incompatible",
    "Offline",
    "ProtocolError",
    "Rejected",
    "ServerError",
    "SignedOut",
    "Throttled",
    "make_session",
    "normalise_server_url",
]
