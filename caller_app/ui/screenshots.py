"""Regenerate docs/screenshots/*.png: `python -m caller_app.ui.screenshots [OUT_DIR]
[--size WxH ...]`.

Runs the real app against the practice server on the offscreen platform: sign-in,
caller screen (light and dark), offline status, the needs-attention list, session
summary. The first `--size`
(default 1366x768, a common laptop) makes `caller-light.png` and friends; each further
size adds `caller-light-WxH.png` and `caller-dark-WxH.png`, e.g. `--size 1366x768
--size 800x600` for the smallest screen the caller screen supports.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QSize
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

REPO = Path(__file__).resolve().parents[2]
SIZE = QSize(1366, 768)


def parse_size(text: str) -> QSize:
    """ "800x600" -> QSize(800, 600)."""
    width, _, height = text.lower().partition("x")
    return QSize(int(width), int(height))


def parse_args(argv: list[str]) -> tuple[Path, list[QSize]]:
    """The output folder and the window sizes, in the order given."""
    out = REPO / "docs" / "screenshots"
    sizes: list[QSize] = []
    args = iter(argv)
    for arg in args:
        if arg == "--size":
            sizes.append(parse_size(next(args)))
        elif arg.startswith("--size="):
            sizes.append(parse_size(arg.partition("=")[2]))
        else:
            out = Path(arg)
    return out, sizes or [SIZE]


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not reach the expected state")
        QCoreApplication.processEvents()
        time.sleep(0.02)


def settle(seconds: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.02)


def grab(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(f"wrote {path}")


def grab_caller_at(window: QWidget, size: QSize, pattern: Path) -> None:
    """The caller screen at `size`, light and dark; `pattern` has a `{}` for the theme."""
    from caller_app.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window.resize(size)
    for scheme in ("light", "dark"):
        apply_theme(app, scheme)
        grab(window, Path(str(pattern).format(scheme)))
    apply_theme(app, "light")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out, sizes = parse_args(argv)
    out.mkdir(parents=True, exist_ok=True)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(["screenshots"])
    app.setFont(QFont("DejaVu Sans", 10))

    from caller_app import paths
    from caller_app.app import CallerCore
    from caller_app.practice import DEMO_PASSWORD, DEMO_USERNAME, PracticeServer
    from caller_app.store import Store
    from caller_app.sync import SyncPolicy
    from caller_app.ui.launcher import ui_settings
    from caller_app.ui.main_window import MainWindow
    from caller_app.ui.signin_dialog import SignInDialog
    from caller_app.ui.theme import apply_theme
    from caller_app.ui.viewmodels import CallerViewModel, SignInModel

    apply_theme(app, "light")
    with tempfile.TemporaryDirectory() as tmp, PracticeServer() as server:
        data = Path(tmp)
        dialog = SignInDialog(
            SignInModel(lambda *_: None), "https://phonebank.example.org", "priya"
        )
        dialog.show()
        grab(dialog, out / "sign-in.png")
        dialog.close()

        core = CallerCore(
            Store(data / paths.DB_FILE),
            watch_network=False,
            sync_policy=SyncPolicy(backoff_base=5.0, backoff_cap=20.0, progress_every_s=1.0),
        )
        core.sign_in(server.url, DEMO_USERNAME, DEMO_PASSWORD)
        campaign = core.fetch_campaigns()[0]
        core.choose_campaign(campaign.id)
        model = CallerViewModel(core, campaign)
        window = MainWindow(model, ui_settings(data))
        model.refresh()
        window.resize(sizes[0])
        window.show()
        screen = window.screen_
        wait_until(lambda: screen.card.contact is not None and model.script is not None)
        for code in ("not_home", "answered", "busy", "voicemail", "answered"):
            screen.form.outcomes.choose(code)
            screen.save()
        wait_until(lambda: "all results uploaded" in window.status.current_text())
        wait_until(lambda: "made 5 calls" in screen.progress.team.text())
        screen.form.outcomes.choose("answered")
        survey = screen.form.survey
        for key, option in (("voting_intention", 2), ("buses_importance", 3), ("top_issues", 0)):
            box = survey.box(key)
            assert box is not None
            box.options()[option].setChecked(True)
        screen.form.notes.setPlainText("Happy to take a leaflet.")
        grab(window, out / "caller-light.png")
        apply_theme(app, "dark")
        grab(window, out / "caller-dark.png")
        apply_theme(app, "light")
        for size in sizes[1:]:
            grab_caller_at(window, size, out / f"caller-{{}}-{size.width()}x{size.height()}.png")
        window.resize(sizes[0])

        server.stop_server()
        for code in ("not_home", "busy", "answered"):
            screen.form.outcomes.choose(code)
            screen.save()
        wait_until(lambda: "retrying in" in window.status.current_text())
        grab(window, out / "offline.png")

        # Two of the offline calls refused as the server refuses a call for a contact
        # handed back meanwhile (the store's own bookkeeping for a refusal).
        from caller_app.domain.models import Rejection
        from caller_app.store.outbox import PENDING

        waiting = core.store.results(PENDING)[:2]
        core.store.mark_rejected(
            Rejection(r.id, "not_leased", "You released this contact.") for r in waiting
        )
        core.attention_changed.emit()
        attention = window.show_attention()
        attention.resize(760, 360)
        grab(attention, out / "needs-attention.png")
        attention.close()

        window.end_session()  # the summary comes before anything is handed back
        summary = window.summary
        assert summary is not None
        grab(summary, out / "session-summary.png")
        summary.finish_button.click()
        wait_until(lambda: window.summary is None or not summary.isVisible(), timeout=60)
        core.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
