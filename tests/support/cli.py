"""The real `caller-server` command line, run as a subprocess with the test's database."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.server import REPO


def cli(
    db_url: str | None, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "caller_server", *args]
    if db_url is not None:
        argv += ["--db", db_url]
    full_env = {k: v for k, v in os.environ.items() if k != "CALLER_SERVER_DB"}
    full_env.update(env or {})
    proc = subprocess.run(
        argv, input=stdin.encode(), capture_output=True, timeout=120, cwd=REPO, env=full_env
    )
    # Decoded by hand: text mode would turn the CSV's CRLF into LF.
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )
