"""Against the real server: going offline mid-session, and hostile data shown as text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import update

from caller_server.models import Contact
from tests.support.e2e import export_rows, open_screen, record
from tests.support.server import engine_for, seed

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = (
    "Hi {first_name}! <script>alert(1)</script>\n\n"
    '<img src="http://evil.test/x.png">\n\n'
    "![pic](http://evil.test/y.png) [click](javascript:alert(1))"
)


def test_offline_mid_session_changes_status_and_loses_nothing(
    qtbot, server, make_launcher, tmp_path
):
    seeded = seed(server.db_url, contacts=15, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded)
    window.activateWindow()
    for code in ("answered", "not_home", "busy"):
        record(qtbot, screen, code)
    qtbot.waitUntil(
        lambda: window.status.current_text() == "Online · all results uploaded", timeout=15000
    )

    server.stop()
    for code in ("voicemail", "not_home", "refused", "busy"):
        record(qtbot, screen, code)
    texts = []

    def offline_with_four() -> bool:
        texts.append(window.status.current_text())
        return texts[-1].startswith("Offline · 4 results waiting")

    try:
        qtbot.waitUntil(offline_with_four, timeout=15000)
    except qtbot.TimeoutError:
        raise AssertionError(sorted(set(texts))) from None
    assert screen.card.contact is not None  # calling goes on from the local batch
    assert launcher.core.store.waiting_count() == 4

    server.start()  # same port, same database
    qtbot.waitUntil(
        lambda: window.status.current_text() == "Online · all results uploaded", timeout=20000
    )
    local = launcher.core.store.results()
    assert len(local) == 7
    rows = export_rows(server.url, seeded.organiser, seeded.password, seeded.campaign_id)
    assert sorted(r["result_id"] for r in rows) == sorted(r.id for r in local)
    assert sorted(r["outcome"] for r in rows) == sorted(
        ["answered", "not_home", "busy", "voicemail", "not_home", "refused", "busy"]
    )


def test_results_waiting_at_quit_are_kept_and_uploaded_next_launch(
    qtbot, server, make_launcher, tmp_path
):
    seeded = seed(server.db_url, contacts=6, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded, remember=True)
    server.stop()
    record(qtbot, screen, "answered")
    record(qtbot, screen, "not_home")
    window.end_session()
    summary = window.summary
    assert summary.waiting.text() == "2"
    assert summary.waiting_note.isVisible()
    assert "uploaded first when you next open the app" in summary.waiting_note.text()
    with qtbot.waitSignal(launcher.finished, timeout=30000):
        summary.finish_button.click()
    launcher.close()
    launcher.core.store.close()

    server.start()
    again = make_launcher(tmp_path / "app", None)
    again.start()
    qtbot.waitUntil(lambda: again.window is not None, timeout=15000)
    qtbot.waitUntil(
        lambda: again.window.status.current_text() == "Online · all results uploaded",
        timeout=20000,
    )
    rows = export_rows(server.url, seeded.organiser, seeded.password, seeded.campaign_id)
    assert sorted(r["outcome"] for r in rows) == ["answered", "not_home"]


def test_hostile_contact_and_script_render_as_text(qtbot, server, make_launcher, tmp_path):
    script = {
        "intro": HOSTILE_SCRIPT,
        "crib_sheet": f"Crib {HOSTILE}",
        "candidate_bio": "<iframe src='http://evil.test'></iframe>",
        "questions": [],
    }
    seeded = seed(
        server.db_url, contacts=3, callers=1, script=script, candidate=HOSTILE, seat="<b>Seat</b>"
    )
    with engine_for(server.db_url).begin() as conn:
        conn.execute(
            update(Contact)
            .where(Contact.campaign_id == seeded.campaign_id)
            .values(first_name=HOSTILE, ward="<i>ward</i>")
        )
    launcher = make_launcher(tmp_path / "app", server.url)
    _window, screen = open_screen(qtbot, launcher, seeded)

    card = screen.card
    assert card.name.text().startswith(HOSTILE)
    assert card.name.textFormat() == Qt.TextFormat.PlainText
    assert card.details.text().startswith("<i>ward</i>")
    views = (screen.script.script_view, screen.script.crib_view, screen.script.bio_view)
    intro = views[0]
    assert f"Hi {HOSTILE}!" in intro.toPlainText()
    assert "<script>alert(1)</script>" in intro.toPlainText()
    assert "!pic" in intro.toPlainText()  # an image turned into a plain link
    for view in views:
        html = view.toHtml()
        assert "<img" not in html
        assert "<iframe" not in html
        assert "<script" not in html
        assert "javascript:" not in html.replace("[click](javascript:alert(1))", "")
    assert HOSTILE in views[1].toPlainText()
