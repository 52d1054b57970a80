"""Text size: Ctrl+= (or Ctrl++) bigger, Ctrl+- smaller, Ctrl+0 back to normal.

"Normal" is the operating system's font size (QApplication's font when we first look,
before we change it), so the app follows the OS setting; the chosen step is kept in the
app's settings and applied again at the next launch. Style sheets give font sizes in
`em` of that font (see `theme.scaled_style_sheet`), so headings grow with the text.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontInfo, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

from caller_app.ui.theme import refresh_style_sheet

STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)
SETTING = "ui/text_scale"
BASE_PROPERTY = "osFontPointSize"
BIGGER_KEYS = ("Ctrl+=", "Ctrl++")
SMALLER_KEYS = ("Ctrl+-",)
RESET_KEYS = ("Ctrl+0",)


def app_instance() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication), "text size needs a QApplication"
    return app


def os_point_size(app: QApplication) -> float:
    """The OS font's point size, remembered before we first change the app font."""
    base = app.property(BASE_PROPERTY)
    if not base:
        base = QFontInfo(app.font()).pointSizeF()
        app.setProperty(BASE_PROPERTY, base)
    return float(base)


def nearest_step(scale: float) -> float:
    return min(STEPS, key=lambda step: abs(step - scale))


def apply_scale(scale: float, app: QApplication | None = None) -> None:
    """The whole app's text at `scale` times the OS font size."""
    app = app or app_instance()
    font = QFont(app.font())
    font.setPointSizeF(round(os_point_size(app) * scale, 1))
    app.setFont(font)
    refresh_style_sheet(app)  # style-sheet sizes are relative to the app font


def saved_scale(settings: QSettings) -> float:
    try:
        value = float(settings.value(SETTING, 1.0))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = 1.0
    return nearest_step(value)


class TextSize(QObject):
    """The text-size shortcuts for one window, and the remembered step."""

    changed = Signal(float)

    def __init__(self, settings: QSettings, window: QWidget) -> None:
        super().__init__(window)
        self.settings = settings
        self.scale = saved_scale(settings)
        apply_scale(self.scale)
        for keys, slot in (
            (BIGGER_KEYS, self.bigger),
            (SMALLER_KEYS, self.smaller),
            (RESET_KEYS, self.reset),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), window)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(slot)

    @Slot()
    def bigger(self) -> None:
        self.set_scale(next((s for s in STEPS if s > self.scale), STEPS[-1]))

    @Slot()
    def smaller(self) -> None:
        self.set_scale(next((s for s in reversed(STEPS) if s < self.scale), STEPS[0]))

    @Slot()
    def reset(self) -> None:
        self.set_scale(1.0)

    def set_scale(self, scale: float) -> None:
        scale = nearest_step(scale)
        if scale == self.scale:
            return
        self.scale = scale
        apply_scale(scale)
        self.settings.setValue(SETTING, scale)
        self.settings.sync()
        self.changed.emit(scale)
