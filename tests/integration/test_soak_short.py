"""The chaos soak, short: about a minute of flapping link, kills and server restarts.

PostgreSQL (a fresh database) when reachable, else SQLite; `serve --workers 2`. The
long version is `python bench/soak.py --minutes 30`; see tests/support/soak.py for
what is checked.
"""

from __future__ import annotations

import os

import pytest

from tests.support.soak import SoakConfig, run_soak

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SECONDS = float(os.environ.get("SOAK_SECONDS", "40"))


def test_chaos_soak_loses_and_doubles_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = SoakConfig(
        seconds=SECONDS,
        volunteers=3,
        work_dir=tmp_path,
        kill_every=(3.0, 7.0),
        restart_every=(12.0, 20.0),
    )
    report = run_soak(config)
    print(report.summary())
    assert report.ok, report.summary()
    assert report.recorded >= 10, report.summary()  # the volunteers really were working
    assert report.on_server == report.recorded
    assert report.kills >= 3
    assert report.restarts >= 1
    assert report.restores == 1
    assert report.faults > 0
    assert set(report.integrity.values()) == {"ok"}
