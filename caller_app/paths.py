"""Where the app keeps its database and logs.

One override for tests and development: `--data-dir` (via `set_data_dir`) or the
environment variable `CALLER_APP_DATA`. With an override, logs live in a `logs`
folder inside it, so a test never touches the real user folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "caller-app"
ENV_DATA = "CALLER_APP_DATA"
DB_FILE = "caller-app.sqlite3"

_override: Path | None = None


def set_data_dir(path: Path | str | None) -> None:
    """Use `path` for data and logs (the `--data-dir` option); None restores the default."""
    global _override
    _override = Path(path).expanduser().resolve() if path else None


def _base_override() -> Path | None:
    if _override is not None:
        return _override
    env = os.environ.get(ENV_DATA)
    return Path(env).expanduser().resolve() if env else None


def data_dir() -> Path:
    base = _base_override()
    path = base or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    base = _base_override()
    path = base / "logs" if base else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path() -> Path:
    return data_dir() / DB_FILE


ENV_CACHE = "CALLER_APP_CACHE"


def cache_dir() -> Path:
    """Rebuildable files (the prepared practice database); env CALLER_APP_CACHE overrides."""
    env = os.environ.get(ENV_CACHE)
    path = (
        Path(env).expanduser().resolve()
        if env
        else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    )
    path.mkdir(parents=True, exist_ok=True)
    return path
