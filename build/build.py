"""Build the caller app bundle (or the bare "hello" baseline) with PyInstaller.

    python build/build.py                 # onedir bundle: build/dist/caller-app/
    python build/build.py --onefile       # one executable: build/dist/onefile/caller-app
    python build/build.py --target hello  # the baseline bench/bundle.py compares with
    python build/build.py --target all

PyInstaller's scratch files go to build/work and its output to build/dist, both ignored
by git, so the tracked build/ folder only ever holds the spec and these scripts.
Prints the bundle's path and size; exits non-zero if PyInstaller fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
DIST = HERE / "dist"
SPECS = {"app": HERE / "caller-app.spec", "hello": HERE / "hello.spec"}
NAMES = {"app": "caller-app", "hello": "hello"}


def bundle_path(target: str, onefile: bool = False) -> Path:
    """Where the built bundle lands (a folder for onedir, an executable for onefile)."""
    name = NAMES[target]
    if target == "app":
        name = _project_name()
    if sys.platform == "darwin" and target == "app" and not onefile:
        return _dist(onefile) / f"{name}.app"
    if onefile:
        return _dist(onefile) / (f"{name}.exe" if sys.platform == "win32" else name)
    return _dist(onefile) / name


def executable(target: str, onefile: bool = False) -> Path:
    """The file to run inside the bundle."""
    name = _project_name() if target == "app" else NAMES[target]
    exe = f"{name}.exe" if sys.platform == "win32" else name
    if sys.platform == "darwin" and target == "app" and not onefile:
        return _dist(onefile) / f"{name}.app" / "Contents" / "MacOS" / name
    if onefile:
        return _dist(onefile) / exe
    return _dist(onefile) / name / exe


def size_bytes(path: Path) -> int:
    """Total size of a file, or of every file under a folder (symlinks not followed)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(target: str, onefile: bool = False, clean: bool = False) -> Path:
    """Run PyInstaller on the target's spec; returns the bundle path."""
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPECS[target]),
        "--noconfirm",
        "--workpath",
        str(_work(onefile)),
        "--distpath",
        str(_dist(onefile)),
    ]
    if clean:
        cmd.append("--clean")
    if target == "app":  # the bundle carries each caller-app_<lang>.ts compiled afresh
        sys.path.insert(0, str(HERE))
        import translations

        translations.release()
        prepare_demo_database()
    env = dict(os.environ, CALLER_APP_ONEFILE="1" if onefile else "0")
    started = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)  # noqa: S603 (our own arguments)
    path = bundle_path(target, onefile)
    if target == "app" and sys.platform.startswith("linux") and not onefile:
        write_desktop_file(path)
    seconds = time.monotonic() - started
    print(f"{NAMES[target]}: {path} ({size_bytes(path) / 1e6:.1f} MB, built in {seconds:.0f} s)")
    return path


def prepare_demo_database() -> Path:
    """Practice mode's migrated and seeded database, shipped with the demo files under
    the name `caller_app.practice` looks for: the bundle's first practice start copies
    it instead of migrating and seeding (issue 15). Older prepared files go."""
    sys.path.insert(0, str(ROOT))
    from caller_app import practice
    from caller_server.demo import demo_dir

    folder = Path(str(demo_dir()))
    for stale in folder.glob("prepared-*.sqlite3"):
        stale.unlink()
    dest = folder / practice.shipped_name(practice.demo_key())
    practice.prepare(dest)
    return dest


def write_desktop_file(bundle: Path) -> Path:
    """The bundle's `caller-app.desktop` (x-scheme-handler/caller-app): a template the
    app installs, with its own path, into ~/.local/share/applications at start-up."""
    sys.path.insert(0, str(ROOT))
    try:
        from caller_app.desktop_entry import FILE_NAME, desktop_entry
    finally:
        sys.path.remove(str(ROOT))
    target = bundle / FILE_NAME
    target.write_text(desktop_entry("caller-app"), encoding="utf-8")
    return target


def _project_name() -> str:
    sys.path.insert(0, str(HERE))
    try:
        import bundle_rules
    finally:
        sys.path.remove(str(HERE))
    return bundle_rules.project_metadata(ROOT)[0]


def _work(onefile: bool) -> Path:
    return WORK / "onefile" if onefile else WORK


def _dist(onefile: bool) -> Path:
    # Separate folders: a onefile `caller-app` executable and the onedir `caller-app/`
    # folder would otherwise claim the same path.
    return DIST / "onefile" if onefile else DIST


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", choices=["app", "hello", "all"], default="app")
    parser.add_argument("--onefile", action="store_true", help="one executable, not a folder")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    args = parser.parse_args(argv)
    targets = ["app", "hello"] if args.target == "all" else [args.target]
    try:
        for target in targets:
            build(target, onefile=args.onefile, clean=args.clean)
    except subprocess.CalledProcessError as exc:
        print(f"build failed: PyInstaller exited with {exc.returncode}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
