"""The caller screen fits common laptops: 800x600 up to 1366x768 and beyond.

Against the real server (the same fixtures as the other screen tests), with the app's
real style sheet applied, because padding and font sizes decide what fits.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontInfo, QFontMetrics
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QToolButton, QWidget

from caller_app.ui import resources
from caller_app.ui.launcher import ui_settings
from caller_app.ui.main_window import MainWindow
from caller_app.ui.responsive import READABLE_CHARS
from caller_app.ui.screen_fit import FRAME_GUESS, fit_rect, fit_size
from caller_app.ui.text_size import SETTING
from caller_app.ui.theme import apply_theme, scaled_style_sheet
from tests.support.e2e import open_screen, press
from tests.support.server import seed

REPO = Path(__file__).resolve().parents[3]
SIZES = [QSize(800, 600), QSize(1366, 768)]


@pytest.fixture
def themed(qapp, monkeypatch):
    """The app's own style sheet and palette, then back to a bare app and font.

    The style sheet is this checkout's (an editable install elsewhere would otherwise
    supply its own `caller_resources`); in the repository they are the same files."""
    monkeypatch.setattr(resources, "resources_dir", lambda: REPO / "resources")
    font = QApplication.font()
    apply_theme(qapp, "light")
    yield qapp
    qapp.setStyleSheet("")
    QApplication.setFont(font)


def settle(ms: int = 150) -> None:
    """Let posted layout requests (and the moves they trigger) run."""
    deadline = time.monotonic() + ms / 1000
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def show_at(qtbot, window: MainWindow, size: QSize) -> None:
    window.resize(size)
    qtbot.waitUntil(lambda: window.size() == size, timeout=3000)
    settle()


def in_scrolled_content(widget: QWidget) -> bool:
    """Inside a scroll area's viewport: clipped by it, so may extend past the window."""
    parent = widget.parentWidget()
    while parent is not None:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and parent is grand.viewport():
            return True
        parent = grand
    return False


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def script_line_width(view) -> float:
    return view.viewport().width() - 2 * view.document().documentMargin()


def assert_tabs_fully_visible(tabs) -> None:
    bar = tabs.tabBar()
    assert bar.isVisible()
    inside = bar.rect()
    for i in range(bar.count()):
        if bar.isTabVisible(i):
            tab = bar.tabRect(i)
            assert inside.contains(tab), (bar.tabText(i), tab, inside)
            assert bar.fontMetrics().horizontalAdvance(bar.tabText(i)) < tab.width()
    assert all(not b.isVisible() for b in bar.findChildren(QToolButton)), "scroll arrows"
    assert rect_in(bar, tabs.window()).intersects(tabs.window().rect())


# --- pure arithmetic -----------------------------------------------------------
@pytest.mark.parametrize(
    ("saved", "available", "expected"),
    [
        # fits already: untouched
        (QRect(100, 80, 900, 600), QRect(0, 0, 1366, 728), QRect(100, 80, 900, 600)),
        # 1280x800 saved, 1366x768 laptop with a 40 px taskbar: shrunk, moved up
        (QRect(40, 40, 1280, 800), QRect(0, 0, 1366, 728), QRect(40, 32, 1280, 692)),
        # from a big monitor at the far right: moved back onto the small screen
        (QRect(2500, 300, 1200, 700), QRect(0, 0, 1366, 728), QRect(162, 32, 1200, 692)),
        # off the top-left of a second screen that starts at x=1920
        (QRect(1800, -50, 800, 500), QRect(1920, 0, 1024, 768), QRect(1924, 32, 800, 500)),
        # bigger than the screen both ways: the whole available area, less the frame
        (QRect(0, 0, 3000, 2000), QRect(0, 0, 800, 600), QRect(4, 32, 792, 564)),
    ],
)
def test_fit_rect_keeps_the_window_on_screen(saved, available, expected):
    fitted = fit_rect(saved, available)
    assert fitted == expected
    assert available.contains(fitted.marginsAdded(FRAME_GUESS))


def test_fit_size_never_grows():
    assert fit_size(QSize(1280, 800), QRect(0, 0, 1920, 1040)) == QSize(1280, 800)
    assert fit_size(QSize(1280, 800), QRect(0, 0, 1366, 728)) == QSize(1280, 692)
    assert fit_size(QSize(1280, 800), QRect(0, 0, 800, 600), QMargins()) == QSize(800, 600)


# --- the window on a small screen -------------------------------------------------
def test_a_saved_too_large_window_opens_inside_the_screen(
    qtbot, themed, server, make_launcher, tmp_path
):
    seeded = seed(server.db_url, contacts=3, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, _screen = open_screen(qtbot, launcher, seeded)
    available = window.screen().availableGeometry()  # offscreen: 800 x 800
    assert available.contains(window.geometry().marginsAdded(FRAME_GUESS)), "default size"

    window.setGeometry(QRect(available.right() - 100, 300, 1280, 1000))  # too big, off edge
    window.save_layout()
    again = MainWindow(launcher.model, ui_settings(tmp_path / "app"))
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    settle()
    assert available.contains(again.geometry().marginsAdded(FRAME_GUESS))
    status = rect_in(again.status, again).translated(again.geometry().topLeft())
    assert again.status.isVisible()
    assert available.contains(status), "the status bar is on screen"


# --- the caller screen at laptop sizes ---------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_caller_screen_fits(qtbot, themed, server, make_launcher, tmp_path, size):
    seeded = seed(server.db_url, contacts=3, callers=1)
    window, screen = open_screen(qtbot, make_launcher(tmp_path / "app", server.url), seeded)
    minimum = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert minimum.width() <= 800, minimum
    assert minimum.height() <= 600, minimum
    screen.form.outcomes.choose("answered")  # the survey shows: the fullest form
    show_at(qtbot, window, size)

    bounds = window.rect()
    for widget in screen.findChildren(QWidget):
        if widget.isVisible() and not in_scrolled_content(widget):
            assert bounds.contains(rect_in(widget, window)), (widget, widget.objectName())
    assert window.status.isVisible()
    assert bounds.contains(rect_in(window.status, window))

    view = screen.script.script_view
    assert view.isVisible()
    chars = QFontMetrics(view.font()).averageCharWidth() * READABLE_CHARS
    assert script_line_width(view) >= chars, (script_line_width(view), chars)
    assert_tabs_fully_visible(screen.script)
    assert screen.script.tabText(1) == "Crib sheet"
    assert screen.script.tabText(2) == "Candidate"


def test_side_panels_tuck_into_tabs_when_short_and_come_back(
    qtbot, themed, server, make_launcher, tmp_path
):
    seeded = seed(server.db_url, contacts=3, callers=1)
    window, screen = open_screen(qtbot, make_launcher(tmp_path / "app", server.url), seeded)
    tabs = screen.script

    show_at(qtbot, window, QSize(800, 600))
    assert screen.responsive.compact
    assert tabs.indexOf(screen.progress) == 3
    assert tabs.tabText(3) == "Your session"
    tabs.setCurrentIndex(3)
    settle()
    assert screen.progress.isVisible()
    assert_tabs_fully_visible(tabs)

    show_at(qtbot, window, QSize(1366, 768))
    assert not screen.responsive.compact
    assert tabs.count() == 3
    assert screen.progress.isVisible()
    assert screen.script.script_view.isVisible()
    # the reading column is used to its foot: no mostly-empty side column
    column = screen.progress.parentWidget()
    assert rect_in(screen.progress, column).bottom() >= column.height() - 4
    assert screen.script.height() > screen.progress.height()

    show_at(qtbot, window, QSize(800, 600))
    assert tabs.indexOf(screen.progress) == 3


# --- text size ------------------------------------------------------------------------
def test_text_size_keys_change_the_script_and_are_remembered(
    qtbot, themed, server, make_launcher, tmp_path
):
    seeded = seed(server.db_url, contacts=3, callers=1)
    launcher = make_launcher(tmp_path / "app", server.url)
    window, screen = open_screen(qtbot, launcher, seeded)
    with qtbot.waitActive(window):
        window.activateWindow()
    view = screen.script.script_view

    def size() -> float:
        settle(50)
        return QFontInfo(view.font()).pointSizeF()

    normal = size()
    normal_min_width = view.minimumWidth()
    ctrl = Qt.KeyboardModifier.ControlModifier
    press(qtbot, Qt.Key.Key_Equal, ctrl)
    bigger = size()
    assert bigger > normal
    press(qtbot, Qt.Key.Key_Plus, ctrl)
    assert size() > bigger
    press(qtbot, Qt.Key.Key_0, ctrl)
    assert size() == normal
    press(qtbot, Qt.Key.Key_Minus, ctrl)
    assert size() < normal
    press(qtbot, Qt.Key.Key_0, ctrl)
    for _ in range(20):  # stops at the largest step
        press(qtbot, Qt.Key.Key_Equal, ctrl)
    largest = size()
    assert largest == pytest.approx(normal * 2, abs=0.2)
    assert view.minimumWidth() > 1.5 * normal_min_width  # still 35 characters a line
    assert float(ui_settings(tmp_path / "app").value(SETTING)) == 2.0

    # the next launch starts at the chosen size, even after something else reset it
    themed.setFont(QFont(QApplication.font().family(), 7))
    again = MainWindow(launcher.model, ui_settings(tmp_path / "app"))
    qtbot.addWidget(again)
    again.show()
    settle()
    assert QFontInfo(again.screen_.script.script_view.font()).pointSizeF() == largest
    again.text_size.reset()


# --- styles -------------------------------------------------------------------------
PX_FONT = re.compile(r"font(-size)?\s*:[^;}\"]*\d+(\.\d+)?\s*px", re.IGNORECASE)


def test_styles_give_no_pixel_font_sizes():
    styles = sorted((REPO / "resources").rglob("*.qss"))
    sources = sorted((REPO / "caller_app").rglob("*.py"))
    assert styles
    assert sources
    for path in [*styles, *sources]:
        text = path.read_text(encoding="utf-8")
        assert not PX_FONT.search(text), path
        assert "setPixelSize(" not in text, path
    assert scaled_style_sheet("a { font-size: 1.5em; }", 10) == "a { font-size: 15.0pt; }"
    assert scaled_style_sheet("a { font-size: .5em }", 12) == "a { font-size: 6.0pt }"
