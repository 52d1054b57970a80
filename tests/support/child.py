"""An app-core child process that tests SIGKILL at will (the crash test, the soak).

Its stdout and stderr lines are collected by threads as they come, so a child never
blocks on a full pipe and the parent reads what it printed even after a kill. A child
prints each result id (36 characters) once its commit returned: `ids()`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from tests.support.server import REPO


class Child:
    """`python -m <module> <mode> --db … --url … --username … --password … --campaign …
    --seed …` with the offscreen Qt platform; `env` adds to the environment."""

    def __init__(
        self,
        module: str,
        mode: str,
        db: Path,
        url: str,
        username: str,
        password: str,
        campaign_id: int,
        seed: int,
        env: dict[str, str] | None = None,
    ) -> None:
        argv = [sys.executable, "-m", module, mode, "--db", str(db), "--url", url]
        argv += ["--username", username, "--password", password]
        argv += ["--campaign", str(campaign_id), "--seed", str(seed)]
        environ = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "QT_QPA_PLATFORM": "offscreen",
            **(env or {}),
        }
        self.proc = subprocess.Popen(  # the app core under test, killed by the test
            argv,
            cwd=REPO,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.stderr: list[str] = []
        self._threads = [
            threading.Thread(target=self._read, args=(stream, out), daemon=True)
            for stream, out in ((self.proc.stdout, self.lines), (self.proc.stderr, self.stderr))
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _read(stream: IO[str], out: list[str]) -> None:
        for line in stream:
            out.append(line.rstrip("\n"))

    def kill(self) -> None:
        self.proc.kill()
        self.wait(30)

    def wait(self, timeout: float) -> int:
        """Its exit code, once both pipes are read to the end and closed."""
        code = self.proc.wait(timeout)
        for t in self._threads:
            t.join(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code

    def ids(self) -> set[str]:
        return {line for line in self.lines if len(line) == 36}

    def stderr_text(self) -> str:
        return "\n".join(self.stderr)
