"""The app's bundles for volunteers, and the lowest app version this server accepts.

The organiser puts the release zips (built by .github/workflows/release.yml) in a folder
and runs `caller-server serve --downloads DIR` (env CALLER_SERVER_DOWNLOADS); the join
and download pages offer the visitor's one, picked from the User-Agent. Only the three
known file names are ever served from that folder.

`GET /api/v1/health` tells the app `min_app_version` (env CALLER_SERVER_MIN_APP_VERSION,
default `MIN_APP_VERSION`) and where to get a newer one (`download_url`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ENV_DOWNLOADS = "CALLER_SERVER_DOWNLOADS"
ENV_MIN_APP_VERSION = "CALLER_SERVER_MIN_APP_VERSION"
# The oldest app that speaks this server's API and sends what it expects.
MIN_APP_VERSION = "0.1.0"
DOWNLOAD_PATH = "/download"


@dataclass(frozen=True)
class Bundle:
    os: str  # windows | macos | linux
    label: str
    file: str


BUNDLES = (
    Bundle("windows", "Windows", "caller-app-windows.zip"),
    Bundle("macos", "macOS", "caller-app-macos.zip"),
    Bundle("linux", "Linux", "caller-app-linux.zip"),
)
BY_FILE = {b.file: b for b in BUNDLES}


def min_app_version() -> str:
    raw = os.environ.get(ENV_MIN_APP_VERSION, "").strip()
    return raw if re.fullmatch(r"\d+(\.\d+){0,3}", raw) else MIN_APP_VERSION


def folder() -> Path | None:
    raw = os.environ.get(ENV_DOWNLOADS, "").strip()
    return Path(raw) if raw else None


def available() -> list[Bundle]:
    """The bundles the organiser has placed in the downloads folder."""
    where = folder()
    if where is None or not where.is_dir():
        return []
    return [b for b in BUNDLES if (where / b.file).is_file()]


def path_of(file: str) -> Path | None:
    """The file to serve for `/downloads/<file>`: a known bundle name only."""
    where = folder()
    if where is None or file not in BY_FILE:
        return None
    candidate = where / file
    return candidate if candidate.is_file() else None


def visitor_os(user_agent: str) -> str | None:
    """windows | macos | linux from a browser's User-Agent; None for phones and the rest
    (a phone cannot run the app: the page then lists every download)."""
    ua = user_agent[:512]
    if re.search(r"Android|iPhone|iPad|iPod|Mobile|CrOS", ua):
        return None
    if "Windows" in ua:
        return "windows"
    if "Macintosh" in ua or "Mac OS X" in ua:
        return "macos"
    if "Linux" in ua or "X11" in ua:
        return "linux"
    return None


__all__ = [
    "BUNDLES",
    "DOWNLOAD_PATH",
    "MIN_APP_VERSION",
    "Bundle",
    "available",
    "folder",
    "min_app_version",
    "path_of",
    "visitor_os",
]
