"""Rotating log file in the platform's log folder.

What goes in: ids, counts, states and error classes. Never a name, phone number,
note or answer: callers log `contact_id=…`, not the contact.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FILE = "caller-app.log"
_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def setup_logging(folder: Path, level: int = logging.INFO) -> Path:
    """Attach one rotating file handler (1 MiB x 5) to the `caller_app` logger.

    Idempotent: a second call with the same folder changes nothing; with another
    folder it moves the log there (tests use a fresh folder each).
    """
    path = folder / LOG_FILE
    logger = logging.getLogger("caller_app")
    for handler in list(logger.handlers):
        if getattr(handler, "_caller_app", False):
            if Path(handler.baseFilename) == path:  # type: ignore[attr-defined]
                return path
            logger.removeHandler(handler)
            handler.close()
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1024 * 1024, backupCount=5, encoding="utf-8"
    )
    handler._caller_app = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    return path
