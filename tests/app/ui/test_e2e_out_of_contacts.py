"""Against the real server: the last contacts are not-home, so the screen says when they
come back for a retry rather than "everyone has been called" (issue 12)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.support.e2e import open_screen, record
from tests.support.server import seed


def test_retries_waiting_are_said_with_their_time(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=2, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded)
    before = dt.datetime.now(dt.UTC)
    record(qtbot, screen, "not_home")  # back in 4 hours (the server's default)
    qtbot.waitUntil(lambda: screen.card.contact is not None, timeout=15000)
    record(qtbot, screen, "answered")
    assert screen.card.contact is None
    qtbot.waitUntil(
        lambda: "wait for a retry" in screen.empty.text() or "comes back" in screen.empty.text(),
        timeout=20000,
    )
    retry = before + dt.timedelta(hours=4)
    london = [
        (retry + dt.timedelta(minutes=m)).astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")
        for m in (0, 1)
    ]
    text = screen.empty.text()
    assert text.startswith("Everyone has been called for now. 1 contact comes back for a retry ")
    assert any(f"at {t} London time." in text for t in london), text
    assert screen.form.selected() is None
    window.close()
    launcher.close()
