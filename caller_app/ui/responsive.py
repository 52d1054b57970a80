"""Fit the caller screen to the window, from a 800x600 netbook to a large monitor.

The screen is two columns: the reading column (contact card, the script tabs, session
progress and anything else stacked there) and the form. What changes with the window:

* Wide enough and tall enough: every side panel sits in the reading column, below the
  script, so no column is left mostly empty.
* Short (a 768- or 600-pixel laptop screen): the side panels registered with `tuck()`
  move, whole, into tabs beside Script / Crib sheet / Candidate, so the script keeps
  its height instead of being squeezed to a few lines. They move back when there is
  room again.

The helper only moves whole widgets between containers; it never rebuilds them, so
panels added to the column later are arranged the same way. Sizes are in characters
and lines of the current font, never fixed pixels, so larger text and HiDPI screens
(Qt scales logical pixels) keep the same proportions.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

READABLE_CHARS = 35  # the shortest comfortable line for reading a script aloud
READING_LINES = 12  # the script should show at least this many lines before panels tuck
DIRECT_CHILDREN = Qt.FindChildOption.FindDirectChildrenOnly
FONT_EVENTS = (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.Polish)


def keep_tabs_visible(tabs: QTabWidget | QTabBar) -> None:
    """Every tab label drawn in full: no scroll arrows, no eliding; the tab bar asks
    for the width of all its tabs instead, which the layout then gives it."""
    bar = tabs.tabBar() if isinstance(tabs, QTabWidget) else tabs
    bar.setUsesScrollButtons(False)
    bar.setElideMode(Qt.TextElideMode.ElideNone)
    bar.setExpanding(False)


def readable_min_width(view: QAbstractScrollArea, chars: int = READABLE_CHARS) -> int:
    """The width `view` needs for lines of `chars` average characters in its own font,
    with room for its frame, padding and a vertical scroll bar."""
    text = QFontMetrics(view.font()).averageCharWidth() * chars
    margin = 0.0
    if isinstance(view, QTextEdit | QPlainTextEdit):
        margin = 2 * view.document().documentMargin()
    frame = view.contentsMargins()
    inner = view.viewportMargins()
    scrollbar = view.verticalScrollBar().sizeHint().width()
    return int(
        text
        + margin
        + frame.left()
        + frame.right()
        + inner.left()
        + inner.right()
        + scrollbar
        + 2  # rounding in the text layout
    )


def let_wrap(label: QLabel) -> None:
    """A one-line label may wrap, so its text no longer sets the width of its column."""
    label.setWordWrap(True)
    parent = label.parentWidget()
    while parent is not None:  # every layout on the way up caches the old width
        layout = parent.layout()
        if layout is not None:
            invalidate_all(layout)
        parent = parent.parentWidget()


def invalidate_all(layout: QLayout) -> None:
    """Invalidate `layout` and the layouts nested in it: Qt invalidates only the top
    one, and a nested box layout keeps its cached minimum size.

    Nested layouts are found as QObject children, never through `itemAt()`: a Python
    wrapper of a QLayoutItem outlives the item when Qt deletes it (`removeWidget`),
    and PySide may then hand that stale wrapper out for a new object at its address."""
    for inner in layout.findChildren(QLayout):
        inner.invalidate()
    layout.invalidate()


def lines_high(widget: QWidget, lines: int) -> int:
    """Height of `lines` lines of `widget`'s text plus its frame and document margin."""
    height = QFontMetrics(widget.font()).lineSpacing() * lines
    margins = widget.contentsMargins()
    extra = margins.top() + margins.bottom()
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        extra += int(2 * widget.document().documentMargin())
    return height + extra


@dataclass
class _Tucked:
    panel: QWidget
    title: str
    column: QBoxLayout
    index: int
    stretch: int
    min_height: int
    hidden: bool = False


class ResponsiveLayout(QObject):
    """Moves side panels between the reading column and the script's tabs on resize.

    `column` is the reading column's widget (its layout is a QVBoxLayout), `reader` the
    tab widget in it that holds the script. Call `tuck()` for each side panel that may
    become a tab, `keep_readable()` for a text view that must keep readable lines.
    """

    compact_changed = Signal(bool)

    def __init__(self, column: QWidget, reader: QTabWidget) -> None:
        super().__init__(column)
        layout = column.layout()
        assert isinstance(layout, QBoxLayout), "the reading column needs a box layout"
        self.column = column
        self.layout = layout
        self.reader = reader
        self.compact = False
        self._tucked: list[_Tucked] = []
        self._readable: list[tuple[QAbstractScrollArea, int]] = []
        self._sized_in_lines: list[tuple[QWidget, int, int]] = []
        self._busy = False
        keep_tabs_visible(reader)
        column.installEventFilter(self)

    # --- registration ---
    def tuck(self, panel: QWidget, title: str) -> None:
        """`panel`, now in the column, becomes a tab named `title` when space is short."""
        index = self.layout.indexOf(panel)
        assert index >= 0, "only a panel in the reading column can be tucked"
        stretch = self.layout.stretch(index)
        self._tucked.append(
            _Tucked(panel, title, self.layout, index, stretch, panel.minimumHeight())
        )
        self._let_squeeze(self._tucked[-1], docked=True)
        self.update()

    @staticmethod
    def _let_squeeze(tucked: _Tucked, docked: bool) -> None:
        """A docked panel does not set the column's minimum height: a window made
        shorter than it needs first squeezes it, and the resize then tucks it away
        (else the window could never get short enough to tuck it). As a tab it asks
        for its own minimum again."""
        tucked.panel.setMinimumHeight(1 if docked else tucked.min_height)

    def keep_readable(self, view: QAbstractScrollArea, chars: int = READABLE_CHARS) -> None:
        """`view` never gets narrower than lines of `chars` characters in its font."""
        self._readable.append((view, chars))
        view.installEventFilter(self)
        view.setMinimumWidth(readable_min_width(view, chars))

    def size_in_lines(self, widget: QWidget, lines: int, compact_lines: int = 0) -> None:
        """`widget` at most `lines` lines of its text high (`compact_lines` while the
        screen is compact), following the text size."""
        self._sized_in_lines.append((widget, lines, compact_lines or lines))
        widget.installEventFilter(self)
        self._fit_lines(widget)

    def _fit_lines(self, watched: QObject) -> None:
        for widget, lines, compact_lines in self._sized_in_lines:
            if widget is watched:
                widget.setMaximumHeight(
                    lines_high(widget, compact_lines if self.compact else lines)
                )

    # --- reacting ---
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.column and kind == QEvent.Type.Resize:
            self.update()
        elif kind in FONT_EVENTS:
            self._refit(watched)
        return False

    def _refit(self, watched: QObject) -> None:
        for view, chars in self._readable:
            if view is watched:
                view.setMinimumWidth(readable_min_width(view, chars))
        self._fit_lines(watched)

    def wanted_height(self) -> int:
        """Column height that fits every panel and still shows READING_LINES of script."""
        spacing = max(0, self.layout.spacing())
        margins = self.layout.contentsMargins()
        total = margins.top() + margins.bottom()
        tucked = {t.panel for t in self._tucked}
        # Widgets, not `itemAt()` (see `invalidate_all`): the column's panels in it.
        for widget in self.column.findChildren(QWidget, options=DIRECT_CHILDREN):
            if widget is self.reader or widget in tucked or self.layout.indexOf(widget) < 0:
                continue
            if not widget.isHidden():
                total += widget.sizeHint().height() + spacing
        for t in self._tucked:
            if not (t.hidden if self._is_tucked(t) else t.panel.isHidden()):
                total += t.panel.sizeHint().height() + spacing
        view = self.reader.widget(0) or self.reader
        reading = QFontMetrics(view.font()).lineSpacing() * READING_LINES
        return total + reading + self.reader.tabBar().sizeHint().height()

    def update(self) -> None:
        """Tuck or dock the side panels for the column's current height."""
        if self._busy or not self._tucked:
            return
        self._busy = True
        try:
            self._set_compact(self.column.height() < self.wanted_height())
        finally:
            self._busy = False

    def _is_tucked(self, tucked: _Tucked) -> bool:
        return self.reader.indexOf(tucked.panel) >= 0

    def _set_compact(self, compact: bool) -> None:
        changed = compact != self.compact
        self.compact = compact
        for t in self._tucked:
            if compact and not self._is_tucked(t):
                t.hidden = t.panel.isHidden()
                t.column.removeWidget(t.panel)
                self._let_squeeze(t, docked=False)
                index = self.reader.addTab(t.panel, t.title)
                self.reader.setTabToolTip(index, t.panel.accessibleName() or t.title)
                self.reader.setTabVisible(index, not t.hidden)
            elif not compact and self._is_tucked(t):
                if self.reader.currentWidget() is t.panel:
                    self.reader.setCurrentIndex(0)  # back to the script, not a neighbour
                self.reader.removeTab(self.reader.indexOf(t.panel))
                self._let_squeeze(t, docked=True)
                t.column.insertWidget(min(t.index, t.column.count()), t.panel, t.stretch)
                t.panel.setVisible(not t.hidden)
        if changed:
            for widget, _lines, _compact in self._sized_in_lines:
                self._fit_lines(widget)
            self.compact_changed.emit(compact)
