"""Comparing app versions for the server's version handshake (issue 14)."""

from __future__ import annotations

import re


def version_key(version: str) -> tuple[int, ...]:
    """`"0.10.2"` -> (0, 10, 2); a suffix such as `rc1` or `.dev3` is ignored, a
    missing part counts as 0. Anything unreadable is (0,) (as old as can be)."""
    found = re.match(r"\s*v?(\d+(?:\.\d+){0,3})", version)
    if not found:
        return (0,)
    parts = [int(p) for p in found.group(1).split(".")]
    return tuple(parts + [0] * (4 - len(parts)))


def older_than(version: str, minimum: str) -> bool:
    """Whether `version` is older than `minimum` ("" means no minimum)."""
    if not minimum.strip():
        return False
    return version_key(version) < version_key(minimum)


__all__ = ["older_than", "version_key"]
