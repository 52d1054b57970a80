"""Helpers for the end-to-end UI tests: a real server in this process, keys, export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from caller_app.app import CallerCore
from caller_app.store import Store
from caller_app.sync import SyncPolicy
from caller_app.ui.launcher import Launcher
from caller_server.server import EmbeddedServer
from tests.support.server import Api, create_schema, dispose_engine

# Quick retries, no OS network watcher: tests decide when the network "comes back".
ENGINE_OPTIONS = {
    "backoff_base": 0.2,
    "backoff_cap": 1.0,
    "empty_retry_s": 1.0,
    "progress_every_s": 1.0,
}


class Server:
    """An EmbeddedServer on a fresh SQLite file that can go away and come back."""

    def __init__(self, folder: Path) -> None:
        self.db_url = f"sqlite:///{folder / 'server.sqlite3'}"
        create_schema(self.db_url)
        self.port = 0
        self._server: EmbeddedServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self._server = EmbeddedServer(self.db_url, port=self.port).start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path).start()
    yield srv
    srv.stop()
    dispose_engine(srv.db_url)


@pytest.fixture
def make_launcher() -> Iterator:
    """Builds launchers on a data folder; stops their sync threads after the test."""
    made: list[Launcher] = []

    def make(data_dir: Path, url: str | None) -> Launcher:
        data_dir.mkdir(parents=True, exist_ok=True)
        core = CallerCore(
            Store(data_dir / "app.sqlite3"),
            watch_network=False,
            sync_policy=SyncPolicy(**ENGINE_OPTIONS),
        )
        launcher = Launcher(data_dir, url, core=core)
        made.append(launcher)
        return launcher

    yield make
    for launcher in made:
        if launcher.window is not None and not launcher.window._ended:
            launcher.window.save_layout()
            launcher.window._ended = True  # close without the summary
            launcher.window.close()
        launcher.close()
        launcher.core.store.close()


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press delivered where a real one would go: the focused widget."""
    qtbot.keyClick(focused(), key, modifier)


def type_text(qtbot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def export_rows(url: str, organiser: str, password: str, campaign_id: int) -> list[dict]:
    api = Api.login(url, organiser, password)
    try:
        reply = api.get(f"/campaigns/{campaign_id}/results.csv")
        assert reply.status_code == 200, reply.text
        return list(csv.DictReader(io.StringIO(reply.text)))
    finally:
        api.close()


def open_screen(qtbot, launcher, seeded, remember=False):
    launcher.start()
    dialog = launcher.sign_in_dialog
    dialog.username.setText(seeded.callers[0])
    dialog.password.setText(seeded.password)
    dialog.remember.setChecked(remember)
    dialog.submit()
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=15000)
    screen = launcher.window.screen_
    qtbot.waitUntil(
        lambda: (
            screen.card.contact is not None
            and launcher.model.script is not None
            and bool(screen.form.outcomes.buttons)
        ),
        timeout=15000,
    )
    return launcher.window, screen


def record(qtbot, screen, code: str) -> None:
    contact = screen.card.contact
    screen.form.outcomes.choose(code)
    qtbot.keyClick(screen.card.dial, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert screen.card.contact != contact
