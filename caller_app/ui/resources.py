"""Find the bundled SVG icons and style sheets, installed or from a source tree."""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtGui import QIcon

SOURCE_TREE = Path(__file__).resolve().parents[2] / "resources"


def resources_dir() -> Path:
    """The `resources/` folder: the `caller_resources` package when installed (and
    complete), else the source tree's."""
    try:
        import caller_resources

        for folder in caller_resources.__path__:
            if (Path(folder) / "icons").is_dir():
                return Path(folder)
    except ImportError:
        pass
    return SOURCE_TREE


def icon_path(name: str) -> Path:
    return resources_dir() / "icons" / f"{name}.svg"


@functools.cache
def _icon(path: Path) -> QIcon:
    return QIcon(str(path))


def icon(name: str) -> QIcon:
    """An SVG icon by file stem ("dial", "copy", ...); scales cleanly on HiDPI."""
    path = icon_path(name)
    return _icon(path) if path.exists() else QIcon()


def style_sheet(name: str = "app") -> str:
    path = resources_dir() / "styles" / f"{name}.qss"
    return path.read_text(encoding="utf-8") if path.exists() else ""
