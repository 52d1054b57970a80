"""Slimming rules shared by caller-app.spec and hello.spec, so both bundles are made alike.

PyInstaller's PySide6 hooks collect every plugin of each plugin type a Qt module names
(QtGui alone brings PDF, virtual keyboard, EGLFS and Wayland-compositor plugins, which in turn
pull in QtQml, QtQuick and QtPdf) and every Qt translation. These rules keep only what a
QtWidgets app needs on the platform it is built on, and the Qt Python modules the code uses.
They are plain functions so the spec files stay declarative and work on Windows, macOS and
Linux alike (paths are compared with "/" after normalising the separator).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

# Qt modules every QtWidgets app loads; the rest are added only when the sources import them.
BASE_QT_MODULES = frozenset({"QtCore", "QtGui", "QtWidgets"})

# Plugin type -> plugin stems kept ("lib" prefix and extension removed; "*" keeps the type whole).
# Types not listed are dropped. Stems missing on a platform are simply not there to keep.
_COMMON_PLUGINS: dict[str, frozenset[str]] = {
    "platforms": frozenset({"qoffscreen"}),
    "imageformats": frozenset({"qsvg"}),
    "iconengines": frozenset({"qsvgicon"}),
    "styles": frozenset({"*"}),  # only native styles live here: macOS, Windows 11
}
_PLATFORM_PLUGINS: dict[str, dict[str, frozenset[str]]] = {
    "linux": {
        # qwayland is Qt >= 6.10's single Wayland plugin; qwayland-generic/-egl are older names.
        "platforms": frozenset({"qxcb", "qwayland", "qwayland-generic", "qwayland-egl"}),
        "wayland-shell-integration": frozenset({"xdg-shell"}),
        "wayland-decoration-client": frozenset({"bradient", "adwaita"}),
        # Dead keys / compose and input methods, so volunteers can type notes in any language.
        "platforminputcontexts": frozenset(
            {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"}
        ),
        # Native file dialogs through the portal; qgtk3 is left out because it would bundle
        # the build machine's GTK.
        "platformthemes": frozenset({"qxdgdesktopportal"}),
    },
    "darwin": {"platforms": frozenset({"qcocoa"})},
    "win32": {"platforms": frozenset({"qwindows"})},
}
# Only when QtNetwork is used, and only for QNetworkInformation (online/offline hints):
# HTTP goes through `requests`, so Qt's TLS backends are never loaded.
# The GLib backend is left out: it would bundle GIO and its dependencies (about 3 MB)
# for what NetworkManager (Linux), Network List Manager (Windows) and SystemConfiguration
# (macOS) already tell.
_NETWORK_PLUGINS: dict[str, frozenset[str]] = {
    "networkinformation": frozenset(
        {"qnetworkmanager", "qconnman", "qnetworklistmanager", "qscnetworkreachability"}
    )
}

# Software OpenGL for Windows machines without a GPU driver: a QtWidgets app draws with the
# raster engine and never needs it (about 20 MB).
_DROPPED_BINARIES = frozenset({"opengl32sw.dll"})

# Development and test tools that optional imports could drag in; never part of the app.
PYTHON_EXCLUDES = [
    "tkinter",
    "_tkinter",
    "idlelib",
    "lib2to3",
    "pydoc_data",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "schemathesis",
    "jsonschema_rs",
    "IPython",
    "numpy",
    "PyInstaller",
    "pip",
    "setuptools",
    "pkg_resources",
    "pygments",
    "rich",
    "yaml",
    "werkzeug",
    "graphql",
]

_PLUGIN_EXTS = (".so", ".dll", ".dylib")


def project_metadata(root: Path) -> tuple[str, str]:
    """Name and version from pyproject.toml: the one place they are written down."""
    with (root / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    return project["name"], project["version"]


def used_qt_modules(sources: Iterable[Path]) -> set[str]:
    """The PySide6 modules the given sources import (plus the QtWidgets base set)."""
    used = set(BASE_QT_MODULES)
    dotted = re.compile(r"PySide6\.(Qt\w+)")
    from_import = re.compile(r"from\s+PySide6\s+import\s+\(?([\w\s,]+)\)?")
    for path in sources:
        text = path.read_text(encoding="utf-8", errors="replace")
        used.update(dotted.findall(text))
        for names in from_import.findall(text):
            used.update(n.strip() for n in names.split(",") if n.strip().startswith("Qt"))
    return used


def installed_qt_modules() -> set[str]:
    """Every Qt extension module the installed PySide6 provides (QtFoo.abi3.so, QtFoo.pyd)."""
    import PySide6

    found = set()
    for path in Path(PySide6.__file__).parent.iterdir():
        match = re.fullmatch(r"(Qt\w+?)(\..*)?\.(so|pyd)", path.name)
        if match:
            found.add(match.group(1))
    return found


def qt_excludes(used: set[str]) -> list[str]:
    """Python-level excludes for all installed PySide6 modules the app does not use."""
    return sorted(f"PySide6.{name}" for name in installed_qt_modules() - used)


def plugin_allowlist(used: set[str], platform: str = sys.platform) -> dict[str, frozenset[str]]:
    """Plugin type -> kept stems, for this platform and the Qt modules in use."""
    key = "linux" if platform.startswith("linux") else platform
    allow: dict[str, set[str]] = {}
    tables = [_COMMON_PLUGINS, _PLATFORM_PLUGINS.get(key, {})]
    if "QtNetwork" in used:
        tables.append(_NETWORK_PLUGINS)
    for table in tables:
        for kind, stems in table.items():
            allow.setdefault(kind, set()).update(stems)
    return {kind: frozenset(stems) for kind, stems in allow.items()}


def plugin_stem(filename: str) -> str:
    """libqxcb.so -> qxcb, qwindows.dll -> qwindows, libqcocoa.dylib -> qcocoa."""
    name = Path(filename).name
    for ext in _PLUGIN_EXTS:
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    return name.removeprefix("lib")


def keep_plugin(allow: dict[str, frozenset[str]], plugin_type: str, filename: str) -> bool:
    stems = allow.get(plugin_type.replace("\\", "/"))
    return bool(stems) and ("*" in stems or plugin_stem(filename) in stems)


def install_plugin_filter(allow: dict[str, frozenset[str]]) -> bool:
    """Make PyInstaller's Qt hooks collect only allowed plugins.

    Filtering before collection matters: a plugin's shared-library dependencies (QtQuick,
    QtQml, QtPdf...) are added during analysis and would stay behind if the plugin were
    only removed afterwards. Returns False when this PyInstaller lacks the hook point;
    `slim_toc` still drops the plugins then, but some of their libraries may remain.
    """
    try:
        from PyInstaller.utils.hooks.qt import QtLibraryInfo
    except ImportError:
        return False
    original = getattr(QtLibraryInfo, "collect_plugins", None)
    if original is None or getattr(original, "_caller_app_filter", False):
        return original is not None

    def collect_plugins(self, plugin_type):
        return [
            (src, dst)
            for src, dst in original(self, plugin_type)
            if keep_plugin(allow, plugin_type, src)
        ]

    collect_plugins._caller_app_filter = True  # type: ignore[attr-defined]
    QtLibraryInfo.collect_plugins = collect_plugins
    return True


def _plugin_parts(dest: str) -> tuple[str, str] | None:
    """('platforms', 'libqxcb.so') for a destination inside a Qt plugins folder."""
    parts = dest.replace("\\", "/").split("/")
    if "PySide6" not in parts or "plugins" not in parts:
        return None
    i = len(parts) - 1 - parts[::-1].index("plugins")
    if i + 2 > len(parts) - 1:
        return None
    return "/".join(parts[i + 1 : -1]), parts[-1]


def _is_qt_translation(dest: str) -> bool:
    parts = dest.replace("\\", "/").split("/")
    return "PySide6" in parts and "translations" in parts and dest.endswith(".qm")


def slim_toc(toc: list[tuple], allow: dict[str, frozenset[str]]) -> list[tuple]:
    """Drop disallowed Qt plugins, all Qt translations and known-unneeded binaries.

    Qt's own translations (about 6 MB for qtbase alone) stay out for size: the app's
    translation files (resources/translations, bundled with the other resources) carry
    the few standard-button words the app shows (caller_app/ui/translations.py).
    """
    kept = []
    for entry in toc:
        dest = entry[0]
        if Path(dest.replace("\\", "/")).name.lower() in _DROPPED_BINARIES:
            continue
        if _is_qt_translation(dest):
            continue
        plugin = _plugin_parts(dest)
        if plugin is not None and not keep_plugin(allow, plugin[0], plugin[1]):
            continue
        kept.append(entry)
    return kept


def package_datas(folder: Path, package: str, *, with_py: bool = False) -> list[tuple[str, str]]:
    """(source, destination folder) pairs for the files under `folder`.

    Python files are left out (they are compiled into the archive) unless `with_py`:
    Alembic reads its migration scripts as files from the package folder.
    """
    skipped = {".pyc"} if with_py else {".py", ".pyc"}
    datas = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in skipped:
            rel_dir = path.parent.relative_to(folder)
            datas.append((str(path), str(Path(package, rel_dir))))
    return datas


def package_modules(root: Path, package: str, skip: Iterable[str] = ()) -> list[str]:
    """Dotted names of every module in the package folder `root / package`.

    Listed explicitly because parts of a package are imported by name at run time
    (the embedded server's routers, the store's schema upgrades) and would be missed.
    """
    skipped = tuple(skip)
    names = []
    for path in sorted((root / package).rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if not name.startswith(skipped):
            names.append(name)
    return names


def imports_of(files: Iterable[Path]) -> list[str]:
    """Top-level modules imported by scripts that are loaded as files (Alembic's)."""
    found: set[str] = set()
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return sorted(name for name in found if _is_module(name))


def _is_module(name: str) -> bool:
    """True for importable modules; `from x import SomeClass` names are not."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def compiled_to_pure(
    binaries: list[tuple], pure: list[tuple], package: str
) -> tuple[list[tuple], list[tuple]]:
    """Swap `package`'s optional Cython accelerators (`*_cy.*.so|.pyd`) for their Python.

    SQLAlchemy 2.1 ships each accelerated module also as plain Python and supports
    running without the compiled ones. The app's store and the practice server hold a
    few hundred rows, where the speed-up is invisible; the compiled files are ~9 MB.
    """
    pattern = re.compile(rf"^{package}[/\\](.+_cy)\.[^/\\]+\.(so|pyd)$")
    kept, swapped = [], []
    for entry in binaries:
        dest, src = entry[0], entry[1]
        match = pattern.match(dest)
        py_file = Path(src).with_name(Path(dest).name.split(".")[0] + ".py")
        if match and py_file.exists():
            module = package + "." + match.group(1).replace("\\", ".").replace("/", ".")
            swapped.append((module, str(py_file), "PYMODULE"))
        else:
            kept.append(entry)
    return kept, pure + swapped
