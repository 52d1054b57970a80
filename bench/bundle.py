"""Bundle size and start-up time of the caller app beside a bare PySide6 "hello" bundle.

    python bench/bundle.py                 # reuse bundles in build/dist, build missing ones
    python bench/bundle.py --rebuild --runs 9

Both bundles are built the same way (build/build.py: onedir, same Qt slimming, no UPX),
so the ratios show what the app adds. Start-up is the time from process launch to the
moment a window is made visible, on the offscreen Qt platform; every program is timed
by the same detector, Qt's own `qt.widgets.showhide` log line (no cooperation needed):

- hello (`--exit-when-shown`): its window;
- app, first start: the sign-in dialog of a fresh data folder (then it is stopped);
- app, practice mode (`--demo --exit-after-first-contact`): until the caller screen
  shows its first contact (`first-contact-s` on stdout), which includes starting the
  embedded server, seeding the demo campaign, signing in and leasing contacts.

The start-up ratio is the first window's. Runs alternate between the scenarios so that
load from other processes hits all alike; the load average is recorded, and the first
(coldest) round is reported apart.

Writes bench/results/bundle.json and prints a ratio table. Goal: app <= 1.3x hello in
size and <= 1.5x in start-up time. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build"))
import build as builder  # noqa: E402  (build/build.py)

RESULTS = ROOT / "bench" / "results" / "bundle.json"
GOALS = {"size": 1.3, "startup": 1.5}
# Qt's own log line for the moment a top-level window is made visible: the same detector
# for every program, no cooperation from it needed.
QT_SHOWN_RULES = "qt.widgets.showhide.debug=true"
QT_SHOWN_LINE = "to true via QWidgetWindow::setNativeWindowVisibility"
# name -> (bundle, arguments, where the "window is up" line appears, the line)
SCENARIOS = {
    "hello_window": ("hello", ["--exit-when-shown"], "stderr", QT_SHOWN_LINE),
    # A first start: the sign-in dialog (the program is stopped once it shows).
    "app_window": ("app", [], "stderr", QT_SHOWN_LINE),
    "app_first_contact": (
        "app",
        ["--demo", "--exit-after-first-contact"],
        "stdout",
        "first-contact-s",
    ),
}
TIMEOUT_S = 120


def ensure_built(target: str, rebuild: bool) -> Path:
    exe = builder.executable(target)
    if rebuild or not exe.exists():
        builder.build(target)
    if not exe.exists():
        raise SystemExit(f"no bundle at {exe}")
    return exe


def start_once(exe: Path, args: list[str], stream: str, marker: str, data_dir: bool) -> float:
    """Seconds from launch to the first line containing `marker` on `stream`.

    A program still running once the line is seen is stopped (the app waits for a
    sign-in); one that exits by itself must exit with 0.
    """
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as data:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        if stream == "stderr":
            env["QT_LOGGING_RULES"] = QT_SHOWN_RULES
        extra = ["--data-dir", data] if data_dir else []
        watched = subprocess.PIPE
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(exe), *args, *extra],
            stdout=watched if stream == "stdout" else subprocess.DEVNULL,
            stderr=watched if stream == "stderr" else subprocess.DEVNULL,
            text=True,
            env=env,
        )
        pipe = proc.stdout if stream == "stdout" else proc.stderr
        assert pipe is not None
        shown = None
        for line in pipe:
            if marker in line:
                shown = time.perf_counter() - started
                break
        if shown is not None and stream == "stderr":
            proc.kill()  # seen what we came for; the rest of its output is not needed
            proc.wait(TIMEOUT_S)
            return shown
        for _line in pipe:  # let it finish, reading so that it never blocks on output
            pass
        code = proc.wait(TIMEOUT_S)
    if code != 0 or shown is None:
        raise RuntimeError(f"{exe.name} {' '.join(args)} exited {code} without '{marker}'")
    return shown


def measure(exes: dict[str, Path], runs: int) -> dict[str, dict]:
    """Every scenario once per round, rounds repeated; round 0 is the "first start"."""
    timings: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    for _ in range(runs + 1):
        for name, (target, args, stream, marker) in SCENARIOS.items():
            seconds = start_once(exes[target], args, stream, marker, data_dir=target == "app")
            timings[name].append(seconds)
    out: dict[str, dict] = {}
    for name, values in timings.items():
        rest = values[1:] or values
        out[name] = {
            "first_start_s": round(values[0], 3),
            "median_s": round(statistics.median(rest), 3),
            "runs_s": [round(v, 3) for v in rest],
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed starts per scenario")
    parser.add_argument("--rebuild", action="store_true", help="build both bundles first")
    args = parser.parse_args(argv)

    exes = {target: ensure_built(target, args.rebuild) for target in ("hello", "app")}
    sizes = {target: builder.size_bytes(builder.bundle_path(target)) for target in exes}
    load_before = os.getloadavg()
    times = measure(exes, args.runs)
    load_after = os.getloadavg()

    hello_s = times["hello_window"]["median_s"]
    app_key = "app_window"
    ratios = {
        "size": round(sizes["app"] / sizes["hello"], 3),
        "startup": round(times[app_key]["median_s"] / hello_s, 2),
        "startup_measured_as": app_key,
        "first_contact_vs_hello_window": round(times["app_first_contact"]["median_s"] / hello_s, 2),
    }
    report = {
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
            "qt_platform": "offscreen",
        },
        "runs": args.runs,
        "sizes": {
            target: {
                "path": str(builder.bundle_path(target).relative_to(ROOT)),
                "bytes": sizes[target],
                "mb": round(sizes[target] / 1e6, 1),
            }
            for target in exes
        },
        "startup": times,
        "ratios": ratios,
        "goals": GOALS,
        "meets_goals": {
            "size": ratios["size"] <= GOALS["size"],
            "startup": ratios["startup"] <= GOALS["startup"],
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _print_table(report)
    return 0


def _print_table(report: dict) -> None:
    sizes, times, ratios = report["sizes"], report["startup"], report["ratios"]
    print(f"{'':34}{'hello':>8}{'caller-app':>12}{'ratio':>8}{'goal':>7}")
    rows = [("size (MB)", sizes["hello"]["mb"], sizes["app"]["mb"], ratios["size"], "size")]
    hello_s = times["hello_window"]["median_s"]
    for key, label in [
        ("app_window", "start-up to first window (s)"),
        ("app_first_contact", "start-up to first contact (s)"),
    ]:
        goal = "startup" if key == ratios["startup_measured_as"] else ""
        ratio = times[key]["median_s"] / hello_s
        rows.append((label, hello_s, times[key]["median_s"], ratio, goal))
    for label, hello, app, ratio, goal_key in rows:
        goal = report["goals"].get(goal_key)
        verdict = ("  ok" if ratio <= goal else "  over") if goal else ""
        goal_text = f"{goal:.1f}x" if goal else ""
        print(f"{label:34}{hello:>8}{app:>12}{ratio:>7.2f}x{goal_text:>7}{verdict}")
    print(
        f"medians of {report['runs']} runs; load average {report['machine']['load_average_1min']}"
        f" on {report['machine']['cpus']} CPUs; wrote {RESULTS.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    sys.exit(main())
