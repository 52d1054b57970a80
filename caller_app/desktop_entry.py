"""The Linux desktop entry that makes `caller-app:` links open the app (issue 14).

`build/build.py` writes `caller-app.desktop` next to the bundle's executable; the
bundled app, at start-up on Linux, installs a copy into the user's
`$XDG_DATA_HOME/applications` with `Exec=` pointing at wherever the bundle was unzipped,
and makes it the handler of `x-scheme-handler/caller-app` (`xdg-mime default`, when
xdg-utils is installed). No Qt here: build.py imports it.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)
FILE_NAME = "caller-app.desktop"
MIME = "x-scheme-handler/caller-app"


def desktop_entry(command: str, icon: str = "") -> str:
    """The entry's text; `command` is the program to run (quoted as needed)."""
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Name=Phone bank caller",
        "Comment=Call voters for your campaign",
        f"Exec={command} %u",
        f"MimeType={MIME};",
        "Categories=Network;Office;",
        "Terminal=false",
    ]
    if icon:
        lines.append(f"Icon={icon}")
    return "\n".join(lines) + "\n"


def data_home() -> Path:
    raw = os.environ.get("XDG_DATA_HOME", "").strip()
    return Path(raw) if raw else Path.home() / ".local" / "share"


def install(executable: Path, home: Path | None = None) -> Path | None:
    """Install the entry for this bundle and claim the scheme; the entry's path, or None."""
    folder = (home or data_home()) / "applications"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / FILE_NAME
        text = desktop_entry(shlex.quote(str(executable)))
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    except OSError as exc:
        log.info("could not install the desktop entry (%s)", type(exc).__name__)
        return None
    xdg_mime = shutil.which("xdg-mime")
    if xdg_mime:
        try:
            subprocess.run(  # noqa: S603  (a fixed program and arguments)
                [xdg_mime, "default", FILE_NAME, MIME], timeout=10, check=False,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            log.info("xdg-mime failed (%s)", type(exc).__name__)
    return target
