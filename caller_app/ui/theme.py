"""Light and dark palettes that follow the operating system's colour scheme.

Fusion with our own palette looks the same on every OS and in the offscreen
screenshots; the style sheet only refers to `palette(...)` roles, so it follows too.
Its font sizes are in `em` of the app font, turned into points here (Qt's style
sheets ignore `em` for fonts), so they follow the OS font size and the text-size keys.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontInfo, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from caller_app.ui.resources import style_sheet

LIGHT = {
    "window": "#f4f6f9",
    "base": "#ffffff",
    "alt": "#eef1f5",
    "text": "#1c2430",
    "button": "#e9edf2",
    "highlight": "#1f6fd1",
    "highlighted_text": "#ffffff",
    "mid": "#c5ccd6",
    "dark": "#8a94a3",
    "placeholder": "#7b8594",
    "link": "#1f5fb4",
    "tooltip": "#fffbe6",
}
DARK = {
    "window": "#1d2127",
    "base": "#252a32",
    "alt": "#2b313a",
    "text": "#e6e9ee",
    "button": "#313844",
    "highlight": "#3d8bfd",
    "highlighted_text": "#ffffff",
    "mid": "#4a525e",
    "dark": "#11151a",
    "placeholder": "#8d96a3",
    "link": "#7fb2ff",
    "tooltip": "#2b313a",
}


EM_FONT_SIZE = re.compile(r"font-size:\s*([0-9]*\.?[0-9]+)em")


def scaled_style_sheet(sheet: str, base_pt: float) -> str:
    """`font-size: 1.5em` -> `font-size: 15.0pt` for a 10-point app font."""
    return EM_FONT_SIZE.sub(
        lambda m: f"font-size: {round(float(m.group(1)) * base_pt, 1)}pt", sheet
    )


def set_style_sheet(app: QApplication) -> None:
    """Our style sheet with its `em` font sizes in points of the app's current font."""
    base = QFontInfo(app.font()).pointSizeF()
    app.setStyleSheet(scaled_style_sheet(style_sheet("app"), base))


def refresh_style_sheet(app: QApplication) -> None:
    """Re-apply our style sheet after a text-size change; nothing while the app has no
    style sheet (no theme applied, as in a bare QApplication in a test)."""
    if app.styleSheet():
        set_style_sheet(app)


def os_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def make_palette(dark: bool) -> QPalette:
    c = {k: QColor(v) for k, v in (DARK if dark else LIGHT).items()}
    pal = QPalette()
    role = QPalette.ColorRole
    pairs = {
        role.Window: c["window"],
        role.WindowText: c["text"],
        role.Base: c["base"],
        role.AlternateBase: c["alt"],
        role.Text: c["text"],
        role.Button: c["button"],
        role.ButtonText: c["text"],
        role.Highlight: c["highlight"],
        role.HighlightedText: c["highlighted_text"],
        role.Mid: c["mid"],
        role.Dark: c["dark"],
        role.PlaceholderText: c["placeholder"],
        role.Link: c["link"],
        role.ToolTipBase: c["tooltip"],
        role.ToolTipText: c["text"],
        role.BrightText: QColor("#ffffff"),
        role.Light: c["base"],
        role.Midlight: c["alt"],
        role.Shadow: QColor("#000000"),
    }
    for r, color in pairs.items():
        pal.setColor(r, color)
    disabled = QColor(c["placeholder"])
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, disabled)
    return pal


def apply_theme(app: QApplication, scheme: str = "auto") -> None:
    """Apply "light", "dark" or "auto" (the OS setting, re-applied when it changes)."""
    app.setStyle("Fusion")
    dark = os_prefers_dark() if scheme == "auto" else scheme == "dark"
    app.setPalette(make_palette(dark))
    app.setProperty("darkTheme", dark)
    set_style_sheet(app)
    if scheme == "auto" and not app.property("themeFollowsOs"):
        app.setProperty("themeFollowsOs", True)
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            lambda _scheme: apply_theme(app, "auto")
        )
