"""Issue 12 end to end, against the real server in this process: a correction of an
earlier (not the last) call from "This session", Skip, a break that keeps the leases
alive, and the practice banner in `--demo` mode. The server's database and export are
the truth."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from caller_app.app import CallerCore
from caller_app.store import Store
from caller_app.sync import SyncPolicy
from caller_app.ui.launcher import Launcher
from caller_server.models import Batch, Contact, Skip
from tests.support.e2e import ENGINE_OPTIONS, export_rows, open_screen, press, record
from tests.support.server import db_session, seed

K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def test_correcting_an_earlier_call_from_this_session(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=6, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded)
    model = launcher.model
    called = []
    for code in ("not_home", "busy", "not_home"):
        called.append(screen.card.contact)
        record(qtbot, screen, code)
    waiting = screen.card.contact
    qtbot.waitUntil(lambda: model.core.waiting_count() == 0, timeout=15000)

    press(qtbot, K.Key_H, CTRL)
    dialog = screen.extras.session_list
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.summary.text() == "You have called 3 people this session."
    assert dialog.table.rowCount() == 3
    assert dialog.table.item(1, 1).text() == called[1].full_name  # newest first
    assert dialog.table.item(1, 2).text() == "Busy / engaged"
    dialog.select_row(1)
    qtbot.keyClick(dialog.table, K.Key_Return)
    assert not dialog.isVisible()
    qtbot.waitUntil(window.isActiveWindow)

    # the earlier call is back on screen, with what was recorded for it
    assert screen.card.contact == called[1]
    assert screen.form.selected() is not None
    assert screen.form.selected().code == "busy"
    assert "Correcting the call to" in screen.message.text()
    screen.form.outcomes.choose("voicemail")
    qtbot.keyClick(screen.card.dial, K.Key_Return, CTRL)
    assert screen.message.text() == f"Correction saved: {called[1].full_name}, Left a voicemail"
    assert screen.card.contact == waiting  # back to the contact who was waiting

    qtbot.waitUntil(lambda: model.core.waiting_count() == 0, timeout=15000)
    rows = export_rows(server.url, seeded.organiser, seeded.password, seeded.campaign_id)
    assert len(rows) == 3  # three calls: the correction replaces, it does not add
    corrected = [r for r in rows if int(r["contact_id"]) == called[1].id]
    assert [r["outcome"] for r in corrected] == ["voicemail"]
    assert sorted(r["outcome"] for r in rows) == ["not_home", "not_home", "voicemail"]

    # the list now shows the correction, once
    press(qtbot, K.Key_H, CTRL)
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.table.rowCount() == 3
    assert dialog.table.item(1, 2).text() == "Left a voicemail (corrected)"
    dialog.reject()


def test_skip_gives_the_contact_back_on_the_server(qtbot, server, make_launcher, tmp_path):
    seeded = seed(server.db_url, contacts=4, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    _window, screen = open_screen(qtbot, launcher, seeded)
    skipped = screen.card.contact
    press(qtbot, K.Key_K, CTRL)
    assert screen.card.contact is not None
    assert screen.card.contact != skipped
    qtbot.waitUntil(lambda: launcher.core.store.skips_to_send() == [], timeout=15000)
    with db_session(server.db_url) as session:
        contact = session.get(Contact, skipped.id)
        assert contact is not None
        assert (contact.state, contact.batch_id, contact.attempts) == ("available", None, 0)
        skips = session.scalars(select(Skip).where(Skip.contact_id == skipped.id)).all()
        assert [s.released for s in skips] == [True]
    assert export_rows(server.url, seeded.organiser, seeded.password, seeded.campaign_id) == []


def test_on_a_break_the_leases_are_renewed(qtbot, server, tmp_path):
    seeded = seed(server.db_url, contacts=4, callers=1)
    data = tmp_path / "app"
    data.mkdir()
    core = CallerCore(
        Store(data / "app.sqlite3"),
        watch_network=False,
        sync_policy=SyncPolicy(**ENGINE_OPTIONS, renew_every_s=0.5),
    )
    launcher = Launcher(data, server.url, core=core)
    try:
        _window, screen = open_screen(qtbot, launcher, seeded)
        contact = screen.card.contact
        press(qtbot, K.Key_B, CTRL)
        assert screen.extras.on_break

        def lease_end():  # type: ignore[no-untyped-def]
            with db_session(server.db_url) as session:
                return session.scalar(select(Batch.expires_at).where(Batch.id == contact.batch_id))

        first = lease_end()
        qtbot.waitUntil(lambda: lease_end() > first, timeout=15000)  # renewed meanwhile
        assert screen.extras.on_break  # still on the break screen
        qtbot.keyClick(screen.extras.break_screen.resume, K.Key_Return)
        assert screen.card.contact == contact
    finally:
        if launcher.window is not None:
            launcher.window._ended = True  # close without the summary
            launcher.window.close()
        launcher.close()
        core.store.close()


def test_practice_mode_shows_its_banner(qtbot, tmp_path: Path):
    data = tmp_path / "app"
    data.mkdir()
    core = CallerCore(
        Store(data / "app.sqlite3"), watch_network=False, sync_policy=SyncPolicy(**ENGINE_OPTIONS)
    )
    launcher = Launcher(data, None, core=core, demo=True)
    try:
        launcher.start()
        qtbot.waitUntil(lambda: launcher.window is not None, timeout=30000)
        screen = launcher.window.screen_
        banner = screen.extras.banner
        qtbot.waitUntil(banner.isVisible)
        assert banner.text() == "Practice mode — no real calls, nothing is sent"
    finally:
        if launcher.window is not None:
            launcher.window._ended = True
            launcher.window.close()
        launcher.close()
        core.store.close()
