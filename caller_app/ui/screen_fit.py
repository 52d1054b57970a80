"""Keep a window inside the screen it opens on.

A size remembered from a big monitor, or the default 1280x800, must not put the status
bar below the taskbar of a 1366x768 laptop. These functions are pure (QRect in, QRect
out) so the arithmetic is tested without a window manager.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

from caller_app.ui.responsive import invalidate_all

PREFERRED_SIZE = QSize(1280, 800)
# Room for a title bar and borders the window manager adds outside our geometry,
# used until the window has been shown and its real frame is known.
FRAME_GUESS = QMargins(4, 32, 4, 4)


def fit_size(preferred: QSize, available: QRect, frame: QMargins = FRAME_GUESS) -> QSize:
    """`preferred`, shrunk (never grown) so that it and its frame fit in `available`."""
    room = available.marginsRemoved(frame)
    return QSize(min(preferred.width(), room.width()), min(preferred.height(), room.height()))


def fit_rect(rect: QRect, available: QRect, frame: QMargins = FRAME_GUESS) -> QRect:
    """`rect` (a window's geometry without its frame) shrunk and moved, as little as
    possible, so that it and its frame lie inside `available`."""
    room = available.marginsRemoved(frame)
    size = fit_size(rect.size(), available, frame)
    x = min(max(rect.x(), room.left()), room.left() + room.width() - size.width())
    y = min(max(rect.y(), room.top()), room.top() + room.height() - size.height())
    return QRect(x, y, size.width(), size.height())


def centred(size: QSize, available: QRect, frame: QMargins = FRAME_GUESS) -> QRect:
    """A window of `size` whose frame is in the middle of `available`."""
    outer = QRect(0, 0, size.width(), size.height()).marginsAdded(frame)
    outer.moveCenter(available.center())
    return outer.marginsRemoved(frame)


def screen_for(widget: QWidget, rect: QRect | None = None) -> QScreen:
    """The screen `rect` is mostly on, else the widget's, else the primary screen."""
    if rect is not None:
        screen = QGuiApplication.screenAt(rect.center())
        if screen is not None:
            return screen
    return widget.screen() or QGuiApplication.primaryScreen()


def frame_of(widget: QWidget) -> QMargins:
    """The window manager's frame around `widget` once shown, else a fair guess."""
    if not widget.isVisible():
        return FRAME_GUESS
    outer, inner = widget.frameGeometry(), widget.geometry()
    frame = QMargins(
        inner.left() - outer.left(),
        inner.top() - outer.top(),
        outer.right() - inner.right(),
        outer.bottom() - inner.bottom(),
    )
    return frame if frame != QMargins() else FRAME_GUESS


def refresh_layouts(window: QWidget) -> None:
    """Forget the sizes every layout in `window` cached while it was being built.

    Before a window is first shown Qt does not activate its layouts, so a nested layout
    can keep the minimum size of a half-built form (or a label before it could wrap)
    and the window would open wider than it needs to."""
    for widget in (window, *window.findChildren(QWidget)):
        widget.updateGeometry()  # drops the size its parent's layout item cached
        layout = widget.layout()
        if layout is not None:
            invalidate_all(layout)


def fit_window(widget: QWidget, restored: bool, preferred: QSize = PREFERRED_SIZE) -> None:
    """Put a top-level window inside its screen's available area: its `restored`
    geometry moved and shrunk as little as needed, else `preferred` (shrunk to fit)
    in the middle of the screen."""
    if widget.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
        return  # the window manager fits a maximised window to the screen
    refresh_layouts(widget)
    rect = widget.geometry()
    available = screen_for(widget, rect if restored else None).availableGeometry()
    frame = frame_of(widget)
    if restored:
        widget.setGeometry(fit_rect(rect, available, frame))
    else:
        widget.setGeometry(centred(fit_size(preferred, available, frame), available, frame))
