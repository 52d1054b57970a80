"""The app's own calling-hours check: zones, windows across midnight, DST days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caller_app.domain import calling_hours as ch

UTC = dt.UTC
LONDON = "Europe/London"
NOV = dt.datetime(2026, 11, 26, 18, 0, tzinfo=UTC)  # 18:00 GMT


def at(tz: str, *args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(tz), fold=fold)


def test_open_and_closed_in_the_campaign_zone() -> None:
    assert ch.is_open("09:00-21:00", LONDON, NOV)
    assert not ch.is_open("09:00-17:00", LONDON, NOV)
    assert ch.is_open("09:00-17:00", "America/New_York", NOV)  # 13:00 there
    assert ch.closes_at("09:00-21:00", LONDON, NOV) == dt.datetime(2026, 11, 26, 21, tzinfo=UTC)
    assert ch.opens_at("09:00-21:00", LONDON, NOV) is None
    assert ch.opens_at("09:00-17:00", LONDON, NOV) == dt.datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert ch.opens_at("19:00-21:00", LONDON, NOV) == dt.datetime(2026, 11, 26, 19, tzinfo=UTC)
    assert ch.closes_at("09:00-17:00", LONDON, NOV) is None


def test_boundaries_are_start_inclusive_end_exclusive() -> None:
    nine, nine_pm = at(LONDON, 2026, 11, 26, 9), at(LONDON, 2026, 11, 26, 21)
    assert ch.is_open("09:00-21:00", LONDON, nine)
    assert not ch.is_open("09:00-21:00", LONDON, nine - dt.timedelta(seconds=1))
    assert ch.is_open("09:00-21:00", LONDON, nine_pm - dt.timedelta(seconds=1))
    assert not ch.is_open("09:00-21:00", LONDON, nine_pm)
    assert ch.opens_at("09:00-21:00", LONDON, nine_pm) == at(LONDON, 2026, 11, 27, 9)


def test_always_and_never() -> None:
    assert ch.is_open("00:00-24:00", LONDON, NOV)
    assert ch.closes_at("00:00-24:00", LONDON, NOV) is None
    w = ch.window("00:00-24:00", LONDON, NOV)
    assert (w.is_open, w.always, w.opens_at, w.closes_at) == (True, True, None, None)
    assert not ch.is_open("09:00-09:00", LONDON, NOV)
    assert ch.opens_at("09:00-09:00", LONDON, NOV) is None


def test_a_window_across_midnight() -> None:
    hours = "18:00-02:00"
    assert ch.is_open(hours, LONDON, at(LONDON, 2026, 11, 26, 23, 30))
    assert ch.is_open(hours, LONDON, at(LONDON, 2026, 11, 27, 1, 59))
    assert not ch.is_open(hours, LONDON, at(LONDON, 2026, 11, 27, 2))
    assert ch.closes_at(hours, LONDON, at(LONDON, 2026, 11, 26, 23)) == at(LONDON, 2026, 11, 27, 2)
    assert ch.closes_at(hours, LONDON, at(LONDON, 2026, 11, 27, 1)) == at(LONDON, 2026, 11, 27, 2)
    assert ch.opens_at(hours, LONDON, at(LONDON, 2026, 11, 27, 2)) == at(LONDON, 2026, 11, 27, 18)
    assert ch.closes_at("17:00-24:00", LONDON, NOV) == at(LONDON, 2026, 11, 27, 0)


def test_summer_time_and_the_switch_days() -> None:
    summer = dt.datetime(2026, 7, 1, 7, 30, tzinfo=UTC)  # 08:30 BST
    assert not ch.is_open("09:00-21:00", LONDON, summer)
    assert ch.opens_at("09:00-21:00", LONDON, summer) == dt.datetime(2026, 7, 1, 8, tzinfo=UTC)
    # 28 March 2026 (GMT) -> 29 March (BST): 09:00 local is 09:00 UTC then 08:00 UTC
    sat_night = at(LONDON, 2026, 3, 28, 22)
    assert ch.opens_at("09:00-21:00", LONDON, sat_night) == dt.datetime(2026, 3, 29, 8, tzinfo=UTC)
    # autumn: 25 October 2026 the clocks go back at 02:00 BST -> 01:00 GMT
    sat = at(LONDON, 2026, 10, 24, 12)
    assert ch.closes_at("09:00-21:00", LONDON, sat) == dt.datetime(2026, 10, 24, 20, tzinfo=UTC)
    assert ch.opens_at("09:00-21:00", LONDON, at(LONDON, 2026, 10, 24, 22)) == dt.datetime(
        2026, 10, 25, 9, tzinfo=UTC
    )


def test_an_opening_in_the_skipped_hour_is_the_jump_itself() -> None:
    # 29 March 2026, 01:00 GMT -> 02:00 BST: 01:30 never shows on London clocks
    before = at(LONDON, 2026, 3, 29, 0, 45)
    jump = dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert ch.opens_at("01:30-05:00", LONDON, before) == jump
    assert ch.is_open("01:30-05:00", LONDON, jump)
    assert not ch.is_open("01:30-05:00", LONDON, jump - dt.timedelta(seconds=1))
    # and a window ending in the skipped hour closes at the jump
    assert ch.closes_at("00:00-01:30", LONDON, before) == jump


def test_the_repeated_hour_in_autumn_counts_both_times() -> None:
    # 25 October 2026: 01:00-02:00 happens twice; "00:00-01:30" closes at the first 01:30
    # (an ambiguous local time never compares equal across zones: compare in UTC)
    first = at(LONDON, 2026, 10, 25, 1, 10)  # BST, 00:10 UTC
    assert ch.closes_at("00:00-01:30", LONDON, first) == dt.datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    # then opens again at 01:00 GMT (the clock reads 01:00 again), closes at 01:30 GMT
    reopen = ch.opens_at("00:00-01:30", LONDON, at(LONDON, 2026, 10, 25, 1, 45))
    assert reopen == dt.datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert ch.closes_at("00:00-01:30", LONDON, reopen) == dt.datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )


def test_zone_labels() -> None:
    assert ch.zone_label("Europe/London") == "London"
    assert ch.zone_label("America/Argentina/Buenos_Aires") == "Buenos Aires"
    assert ch.zone_label("UTC") == "UTC"
    assert ch.window("09:00-21:00", "America/New_York", NOV).zone_label == "New York"


@pytest.mark.parametrize("bad", ["9-21", "09:00-25:00", "24:00-09:00", "", "09:60-10:00"])
def test_malformed_hours_and_zones_are_errors(bad: str) -> None:
    with pytest.raises(ValueError, match="calling hours"):
        ch.window(bad, LONDON, NOV)


def test_unknown_zone_and_naive_time_are_errors() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        ch.window("00:00-24:00", "Mars/Olympus_Mons", NOV)
    with pytest.raises(ValueError, match="time zone"):
        ch.window("09:00-21:00", LONDON, dt.datetime(2026, 1, 1, 12))


ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
minutes = st.integers(0, 24 * 60 - 1)
moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(UTC)
)


@st.composite
def hours(draw: st.DrawFn) -> str:
    start, end = draw(minutes), draw(st.integers(0, 24 * 60))
    if start == end:
        end = (start + 1) % (24 * 60) or 24 * 60
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@settings(max_examples=300, deadline=None)
@given(hours(), st.sampled_from(ZONES), moments)
def test_opens_and_closes_agree_with_is_open(window: str, tz: str, now: dt.datetime) -> None:
    second = dt.timedelta(seconds=1)
    w = ch.window(window, tz, now)
    assert w.is_open == ch.is_open(window, tz, now)
    if w.is_open and not w.always:
        closes = w.closes_at
        assert closes is not None
        assert closes > now
        assert not ch.is_open(window, tz, closes)
        assert ch.is_open(window, tz, closes - second)
        for k in range(1, 8):  # open all the way there
            assert ch.is_open(window, tz, now + (closes - now) * k / 8 - second)
    if not w.is_open:
        opens = w.opens_at
        assert opens is not None
        assert opens > now
        # a day at most, or two when tomorrow's whole window falls in a skipped DST hour
        assert opens - now <= dt.timedelta(days=2, hours=1)
        assert ch.is_open(window, tz, opens)
        assert not ch.is_open(window, tz, max(now, opens - second))
        for k in range(1, 8):  # closed all the way there
            assert not ch.is_open(window, tz, now + (opens - now) * k / 8 - second)
