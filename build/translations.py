"""Refresh the translators' template and compile the translations.

    python build/translations.py            # both steps
    python build/translations.py --update   # only the template (and existing .ts files)
    python build/translations.py --release  # only compile caller-app_*.ts to .qm
    python build/translations.py --new cy   # start caller-app_cy.ts for a translator

1. `pyside6-lupdate` reads every `tr()`, `QCoreApplication.translate()` and
   `QT_TRANSLATE_NOOP()` in caller_app/ and writes `resources/translations/caller-app.ts`,
   the template a translator copies to `caller-app_<lang>.ts` (e.g. caller-app_cy.ts) and
   fills in with Qt Linguist (`pyside6-linguist`). Existing `caller-app_*.ts` files are
   updated too, keeping their translations and marking changed sentences for review.
2. `pyside6-lrelease` compiles each `caller-app_<lang>.ts` into `caller-app_<lang>.qm`,
   the file the app loads (see caller_app/ui/translations.py for where it looks).

The tools come with PySide6 (next to the Python that runs this script, or on PATH).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "caller_app"
FOLDER = ROOT / "resources" / "translations"
TEMPLATE = FOLDER / "caller-app.ts"


def tool(name: str) -> str:
    """The PySide6 tool next to this Python (a venv's bin/Scripts), else on PATH."""
    here = Path(sys.executable).parent
    for candidate in (here / name, here / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install PySide6 (pip install PySide6-Essentials)")
    return found


def sources(root: Path = SOURCES) -> list[str]:
    """Every Python file of the app, relative to the repository (stable locations)."""
    return sorted(str(p.relative_to(ROOT)) for p in root.rglob("*.py"))


def translations(folder: Path = FOLDER) -> list[Path]:
    """The translators' files: caller-app_<lang>.ts (not the template)."""
    return sorted(folder.glob("caller-app_*.ts"))


def update(folder: Path = FOLDER) -> None:
    """Write the template and refresh every translation from the sources."""
    folder.mkdir(parents=True, exist_ok=True)
    # The template holds only today's sentences; a translation keeps its sentences that
    # changed or went (marked obsolete), so Qt Linguist can suggest them for the new ones.
    # No line numbers in the template: it changes only when a sentence does (no churn
    # and no merge conflicts from every edit of the code).
    targets = [(folder / TEMPLATE.name, ["-no-obsolete", "-locations", "none"])]
    targets += [(ts, ["-locations", "relative"]) for ts in translations(folder)]
    for target, options in targets:
        subprocess.run(  # noqa: S603  (our own tool and file names)
            [tool("pyside6-lupdate"), *options, *sources(), "-ts", str(target)],
            cwd=ROOT,
            check=True,
        )


def new(language: str, folder: Path = FOLDER) -> Path:
    """Start `caller-app_<language>.ts` for a translator (then: Qt Linguist)."""
    target = folder / f"caller-app_{language}.ts"
    if target.exists():
        raise SystemExit(f"{target.relative_to(ROOT)} exists already")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603
        [tool("pyside6-lupdate"), "-target-language", language, *sources(), "-ts", str(target)],
        cwd=ROOT,
        check=True,
    )
    return target


def release(folder: Path = FOLDER) -> list[Path]:
    """Compile each caller-app_<lang>.ts into the .qm the app loads; return the .qm files."""
    made = []
    for ts in translations(folder):
        qm = ts.with_suffix(".qm")
        subprocess.run(  # noqa: S603
            [tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True
        )
        made.append(qm)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--update", action="store_true", help="only refresh the .ts files")
    group.add_argument("--release", action="store_true", help="only compile the .qm files")
    group.add_argument(
        "--new", metavar="LANG", help="start caller-app_LANG.ts for a new language (e.g. cy)"
    )
    args = parser.parse_args(argv)
    if args.new:
        print(f"wrote {new(args.new).relative_to(ROOT)}: open it with pyside6-linguist")
        return 0
    if not args.release:
        update()
    if not args.update:
        for qm in release():
            print(f"compiled {qm.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
