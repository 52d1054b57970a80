"""Invite links and codes (issue 14): what a volunteer pastes or clicks, parsed strictly.

Three spellings name one invite:

- the join page's link: `https://phonebank.example.org/join/K7P-2QX`
- the app's link: `caller-app://join?server=https%3A%2F%2Fphonebank.example.org&code=K7P-2QX`
- a bare code, `K7P-2QX` (any case, with or without the dash or spaces), which needs
  the server address from elsewhere (the sign-in dialog's server field).

Anything else is refused with a sentence a volunteer understands: other schemes
(`javascript:`, `file:`), user names in the address (`https://good@evil/`), other
paths, NUL and control characters, and anything longer than a link can be. The server
is always the one the link names, in `canonical_server_url` form.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from caller_app.domain.errors import ExpectedFailure
from caller_app.domain.urls import canonical_server_url

SCHEME = "caller-app"
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # the server's: no 0/O, 1/I
CODE_LENGTH = 6
MAX_LENGTH = 2048


class InviteError(ExpectedFailure):
    """Not an invite this app can use; the message says what to do."""


@dataclass(frozen=True)
class Invite:
    server_url: str  # canonical; "" for a bare code without a server
    code: str  # "K7P-2QX"


def normalise_code(text: str) -> str | None:
    """`k7p 2qx` -> `K7P-2QX`; None when it cannot be a code."""
    if len(text) > 32:
        return None
    compact = "".join(ch for ch in text.upper() if ch not in " -")
    if len(compact) != CODE_LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return f"{compact[:3]}-{compact[3:]}"


def _server(url: str) -> str:
    try:
        return canonical_server_url(url)
    except ValueError:
        raise InviteError(
            "The invite's server address doesn't look right. Ask your organiser for the link again."
        ) from None


def looks_like_invite(text: str) -> bool:
    """Whether a command-line argument is meant as an invite (a link, not an option)."""
    lowered = text.strip().lower()
    return lowered.startswith(f"{SCHEME}:") or "/join/" in lowered


def parse_invite(text: str, server_url: str = "") -> Invite:
    """The invite in `text`; a bare code takes `server_url` (may be "" for now)."""
    if len(text) > MAX_LENGTH:
        raise InviteError("That is too long to be an invite. Copy just the link or the code.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text.strip()):
        raise InviteError("That invite has characters a link never has. Copy it again.")
    text = text.strip()
    if not text:
        raise InviteError("Paste the invite link or code your organiser sent you.")
    bare = normalise_code(text)
    if bare is not None:
        return Invite(_server(server_url) if server_url.strip() else "", bare)
    if text.lower().startswith(f"{SCHEME}:"):
        return _app_link(text)
    if text.lower().startswith(("https://", "http://")):
        return _web_link(text)
    raise InviteError(
        "That isn't an invite. It looks like https://…/join/K7P-2QX, or a code like K7P-2QX."
    )


def _app_link(text: str) -> Invite:
    parts = urlsplit(text)
    if (
        parts.scheme.lower() != SCHEME
        or parts.netloc.lower() != "join"
        or parts.path not in ("", "/")
    ):
        raise InviteError("That caller-app link isn't an invite. Ask your organiser for it again.")
    query = parse_qs(parts.query, keep_blank_values=True, max_num_fields=8)
    servers, codes = query.get("server", []), query.get("code", [])
    if len(servers) != 1 or len(codes) != 1:
        raise InviteError("That caller-app link is missing its server or code.")
    code = normalise_code(codes[0])
    if code is None:
        raise InviteError("That link's invite code isn't right. Ask your organiser for it again.")
    server = servers[0]
    if not server.lower().startswith(("https://", "http://")):
        raise InviteError(
            "The invite's server address doesn't look right. Ask your organiser for the link again."
        )
    return Invite(_server(server), code)


def _web_link(text: str) -> Invite:
    parts = urlsplit(text)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InviteError("That link has a user name in it: it isn't a phone bank invite.")
    path = unquote(parts.path)
    head, sep, tail = path.rpartition("/join/")
    if not sep or "/" in tail:
        raise InviteError("That link isn't an invite. It should end in /join/ and a code.")
    code = normalise_code(tail)
    if code is None:
        raise InviteError("That link's invite code isn't right. Ask your organiser for it again.")
    server = _server(f"{parts.scheme}://{parts.netloc}{head}")
    return Invite(server, code)


def app_link(invite: Invite) -> str:
    """The `caller-app://join?...` spelling (what the join page offers)."""
    return f"{SCHEME}://join?" + urlencode({"server": invite.server_url, "code": invite.code})


__all__ = [
    "Invite",
    "InviteError",
    "app_link",
    "looks_like_invite",
    "normalise_code",
    "parse_invite",
]
