"""The app's one rotating log file."""

from __future__ import annotations

import logging
from pathlib import Path

from caller_app.logs import LOG_FILE, setup_logging


def test_setup_logging_writes_one_rotating_file(tmp_path: Path) -> None:
    first = setup_logging(tmp_path / "a")
    assert setup_logging(tmp_path / "a") == first
    logging.getLogger("caller_app.test").info("result=%s", "abc")
    second = setup_logging(tmp_path / "b")  # moves, never duplicates
    logging.getLogger("caller_app.test").info("moved")
    handlers = [h for h in logging.getLogger("caller_app").handlers if hasattr(h, "_caller_app")]
    assert len(handlers) == 1
    handlers[0].flush()
    assert "result=abc" in first.read_text()
    assert second.name == LOG_FILE
    assert "moved" in second.read_text()
    logging.getLogger("caller_app").removeHandler(handlers[0])
    handlers[0].close()
