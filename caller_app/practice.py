"""Practice mode (`caller-app --demo`): the central server embedded in this process.

A temporary SQLite file seeded with the demo campaign, served on a free loopback
port in a daemon thread; the app signs in as the demo volunteer. This is the one
module of `caller_app` that imports `caller_server`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caller_server.server import EmbeddedServer

log = logging.getLogger(__name__)

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented sign-in of the practice server


class PracticeServer:
    """Start with `start()` (blocking, a second or two: call it off the GUI thread)."""

    def __init__(self, folder: Path | None = None) -> None:
        self._own_folder = folder is None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="caller-app-demo-"))
        self.db_url = f"sqlite:///{self.folder / 'demo-server.sqlite3'}"
        self._server: EmbeddedServer | None = None
        self.campaign_id: int | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the practice server is not running")
        return self._server.url

    def start(self) -> PracticeServer:
        from caller_server.demo import seed_demo
        from caller_server.server import EmbeddedServer

        self.campaign_id = seed_demo(self.db_url)
        self._server = EmbeddedServer(self.db_url).start()
        log.info("practice server on %s (campaign %s)", self._server.url, self.campaign_id)
        return self

    def stop_server(self) -> None:
        """Stop serving but keep the database (to show the app going offline)."""
        if self._server is not None:
            self._server.stop()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PracticeServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
