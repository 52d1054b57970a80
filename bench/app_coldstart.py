"""Issue item 4: cold start to the caller screen, beside a bare PySide6 window.

    QT_QPA_PLATFORM=offscreen python bench/app_coldstart.py [--runs 5]

`python -m caller_app --demo --exit-after-first-contact --data-dir TMP` (practice
server, sign-in, campaign, first contact shown, exit) against `python -c` showing a
QMainWindow and exiting once it is exposed: the same interpreter, started the same
way, run alternately. Wall time of the whole process. Goal: median ratio < 2x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("Hello"))
window.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        argv, env=env, cwd=benchlib.REPO, capture_output=True, text=True, timeout=180, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{argv[1:3]} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        PYTHONPATH=str(benchlib.REPO),
    )
    app_times, bare_times = [], []
    for _ in range(args.runs):
        bare_times.append(timed([sys.executable, "-c", BARE], env))
        with tempfile.TemporaryDirectory() as tmp:
            app_times.append(
                timed(
                    [
                        sys.executable,
                        "-m",
                        "caller_app",
                        "--demo",
                        "--exit-after-first-contact",
                        "--data-dir",
                        tmp,
                    ],
                    env,
                )
            )
    a, b = statistics.median(app_times), statistics.median(bare_times)
    rows = [
        {
            "what": "bare PySide6 window (baseline)",
            "median_s": round(b, 3),
            "min_s": round(min(bare_times), 3),
            "max_s": round(max(bare_times), 3),
        },
        {
            "what": "caller-app --demo to first contact",
            "median_s": round(a, 3),
            "min_s": round(min(app_times), 3),
            "max_s": round(max(app_times), 3),
            "ratio": benchlib.ratio(a, b),
            "met (< 2x)": a / b < 2,
        },
    ]
    benchlib.print_table(f"4. cold start, {args.runs} runs each, alternating", rows)
    benchlib.write_json(
        "app_coldstart",
        {"params": vars(args), "rows": rows, "app_s": app_times, "bare_s": bare_times},
    )


if __name__ == "__main__":
    main()
