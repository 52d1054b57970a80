"""One canonical spelling of a server address.

Results are owned by "server_url|username": two spellings of one server
(`https://PhoneBank.example.org:443/` and `https://phonebank.example.org`) must be
one owner, or results recorded under one wait forever under the other.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def canonical_server_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no trailing slash; the path is kept.

    `phonebank.example.org` -> `https://phonebank.example.org`. Raises ValueError when
    the address has no http(s) scheme or host, a bad port, or a user name in it.
    """
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname  # urlsplit lower-cases it
    if scheme not in DEFAULT_PORTS or not host:
        raise ValueError("not an http(s) address with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("a server address holds no user name")
    port = parts.port  # raises ValueError when not a number in 0..65535
    if ":" in host:
        host = f"[{host}]"  # IPv6
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"
