"""Plain domain data and the pure retry maths (no Qt, SQL or HTTP)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from caller_app.domain.models import Account, Outcome, Result, Script
from caller_app.sync.backoff import WakeDetector, full_jitter

T = dt.datetime(2026, 11, 26, 18, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def test_result_payload_matches_the_api() -> None:
    r = Result("u-1", 5, 2, 1, "call_back", T, 30, T, {"support": "yes"}, "n", T, "u-0")
    p = r.payload()
    assert p["started_at"] == "2026-11-26T17:04:05Z"
    assert p["callback_at"] == "2026-11-26T17:04:05Z"
    assert p["supersedes"] == "u-0"
    assert p["contact_id"] == 5
    assert p["batch_id"] == 2
    assert set(p) == {
        "id",
        "batch_id",
        "contact_id",
        "outcome",
        "answers",
        "notes",
        "started_at",
        "duration_s",
        "recorded_at",
        "callback_at",
        "supersedes",
        "lease_proof",
    }
    assert p["lease_proof"] is None  # recorded before lease proofs existed


def test_naive_time_cannot_be_sent() -> None:
    r = Result("u-1", 5, 2, 1, "answered", T.replace(tzinfo=None), 30, T)
    with pytest.raises(ValueError, match="time zone"):
        r.payload()


def test_account_first_name_and_script_outcome() -> None:
    assert Account("u", "priya", 1, "Priya Shah").first_name == "Priya"
    assert Account("u", "priya", 1, "  ").first_name == "priya"
    s = Script(1, "v", "", "", "", "", "", (), (Outcome("a", "A", True, True),))
    assert s.outcome("a").reached
    assert s.outcome("zzz") is None


@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 8, 10, 50, 10_000])
def test_full_jitter_stays_within_the_growing_ceiling(attempt: int) -> None:
    rng = random.Random(attempt)
    ceiling = min(300.0, 2.0 * 2 ** min(attempt - 1, 20))
    delays = [full_jitter(attempt, 2.0, 300.0, rng) for _ in range(200)]
    assert all(0.0 <= d <= ceiling for d in delays)
    assert max(delays) > ceiling / 2  # spread over the whole range, not a fixed wait


def test_wake_detector_notices_a_wall_clock_jump() -> None:
    wall, mono = [1000.0], [50.0]
    det = WakeDetector(30.0, wall=lambda: wall[0], mono=lambda: mono[0])
    wall[0] += 10
    mono[0] += 10
    assert not det.check()
    wall[0] += 3600  # the lid was shut for an hour: monotonic time stood still
    mono[0] += 10
    assert det.check()
    wall[0] += 10
    mono[0] += 10
    assert not det.check()
