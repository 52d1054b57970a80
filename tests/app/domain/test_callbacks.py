"""Call-back quick choices and refusals on the campaign's clock (DST days, other zones)."""

from __future__ import annotations

import datetime as dt

import pytest

from caller_app.domain import callbacks as cb
from caller_app.domain import calling_hours
from caller_app.domain.callbacks import QuickChoice, Refusal

UTC = dt.UTC
LONDON = "Europe/London"
HOURS = "09:00-21:00"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def offers(hours: str, tz: str, now: dt.datetime) -> dict[QuickChoice, cb.Offer]:
    return {o.choice: o for o in cb.quick_choices(hours, tz, now)}


def test_winter_afternoon_in_london() -> None:
    now = utc(2026, 11, 26, 14, 33, 17)  # Thu 14:33 GMT
    got = offers(HOURS, LONDON, now)
    assert list(got) == [
        QuickChoice.IN_AN_HOUR,
        QuickChoice.THIS_EVENING,
        QuickChoice.TOMORROW_EVENING,
    ]
    assert got[QuickChoice.IN_AN_HOUR].at == utc(2026, 11, 26, 15, 35)
    assert got[QuickChoice.THIS_EVENING].at == utc(2026, 11, 26, 19, 0)
    assert got[QuickChoice.TOMORROW_EVENING].at == utc(2026, 11, 27, 19, 0)
    assert all(o.refusal is None for o in got.values())
    assert cb.describe(utc(2026, 11, 26, 19, 30), LONDON, now) == "Thu 19:30"
    assert cb.describe(utc(2026, 12, 10, 19, 30), LONDON, now) == "Thu 10 Dec 19:30"


def test_in_an_hour_lands_on_a_round_time_never_sooner_than_an_hour() -> None:
    assert cb.quick_choices(HOURS, LONDON, utc(2026, 11, 26, 14, 30))[0].at == utc(
        2026, 11, 26, 15, 30
    )
    just_after = utc(2026, 11, 26, 14, 30) + dt.timedelta(milliseconds=500)
    assert cb.quick_choices(HOURS, LONDON, just_after)[0].at == utc(2026, 11, 26, 15, 35)


def test_tomorrow_evening_across_the_spring_change() -> None:
    # Sat 28 March 2026, 12:00 GMT; the clocks go forward at 01:00 UTC on Sunday
    now = utc(2026, 3, 28, 12, 0)
    got = offers(HOURS, LONDON, now)
    assert got[QuickChoice.THIS_EVENING].at == utc(2026, 3, 28, 19, 0)  # 19:00 GMT
    assert got[QuickChoice.TOMORROW_EVENING].at == utc(2026, 3, 29, 18, 0)  # 19:00 BST
    assert cb.describe(utc(2026, 3, 29, 18, 0), LONDON, now) == "Sun 19:00"


def test_tomorrow_evening_across_the_autumn_change() -> None:
    # Sat 24 October 2026, 13:00 BST; the clocks go back at 01:00 UTC on Sunday
    now = utc(2026, 10, 24, 12, 0)
    got = offers(HOURS, LONDON, now)
    assert got[QuickChoice.THIS_EVENING].at == utc(2026, 10, 24, 18, 0)  # 19:00 BST
    assert got[QuickChoice.TOMORROW_EVENING].at == utc(2026, 10, 25, 19, 0)  # 19:00 GMT


def test_a_wall_time_skipped_in_spring_reads_as_after_the_jump() -> None:
    moment = cb.local_time(dt.date(2026, 3, 29), 90, LONDON)  # 01:30 does not exist
    assert moment == utc(2026, 3, 29, 1, 30)  # 02:30 BST
    repeated = cb.local_time(dt.date(2026, 10, 25), 90, LONDON)  # 01:30 happens twice
    assert repeated == utc(2026, 10, 25, 0, 30)  # the first, still BST


def test_a_campaign_in_another_zone_uses_its_own_evening() -> None:
    now = utc(2026, 11, 26, 18, 0)  # 13:00 in New York, 18:00 in London
    got = offers(HOURS, "America/New_York", now)
    assert got[QuickChoice.THIS_EVENING].at == utc(2026, 11, 27, 0, 0)  # 19:00 EST
    assert cb.describe(utc(2026, 11, 27, 0, 0), "America/New_York", now) == "Thu 19:00"
    # 23:00 in Sydney: this evening is over there, tomorrow's is not
    late = offers(HOURS, "Australia/Sydney", utc(2026, 11, 26, 12, 0))
    assert late[QuickChoice.THIS_EVENING].at is None
    assert late[QuickChoice.THIS_EVENING].refusal is Refusal.PAST
    assert late[QuickChoice.TOMORROW_EVENING].at == utc(2026, 11, 27, 8, 0)  # 19:00 AEDT


def test_late_in_the_evening_an_hour_from_now_is_outside_hours() -> None:
    now = utc(2026, 11, 26, 20, 30)  # 20:30 GMT, calling ends at 21:00
    got = offers(HOURS, LONDON, now)
    assert got[QuickChoice.IN_AN_HOUR].refusal is Refusal.OUTSIDE_HOURS
    assert got[QuickChoice.THIS_EVENING].refusal is Refusal.PAST
    assert got[QuickChoice.TOMORROW_EVENING].at == utc(2026, 11, 27, 19, 0)


@pytest.mark.parametrize(
    ("hours", "minute"),
    [
        ("09:00-21:00", 19 * 60),
        ("10:00-17:00", 16 * 60 + 30),  # closes before the evening: its last half hour
        ("20:00-22:00", 20 * 60),  # opens after 19:00: its opening
        ("17:00-17:20", 17 * 60),  # too short for a last half hour: its start
        ("18:00-02:00", 19 * 60),
        ("20:00-03:00", 20 * 60),
        ("00:00-24:00", 19 * 60),
    ],
)
def test_the_evening_is_inside_the_calling_hours(hours: str, minute: int) -> None:
    assert cb.evening_minute(hours) == minute
    now = utc(2026, 11, 26, 6, 0)
    tomorrow = cb.local_time(dt.date(2026, 11, 27), minute, LONDON)
    assert calling_hours.is_open(hours, LONDON, tomorrow)
    assert offers(hours, LONDON, now)[QuickChoice.TOMORROW_EVENING].at == tomorrow


def test_refusals() -> None:
    now = utc(2026, 11, 26, 14, 0)
    assert cb.refusal(now - dt.timedelta(seconds=1), HOURS, LONDON, now) is Refusal.PAST
    assert cb.refusal(now, HOURS, LONDON, now) is Refusal.PAST
    assert cb.refusal(now + dt.timedelta(minutes=1), HOURS, LONDON, now) is None
    assert cb.refusal(utc(2026, 11, 26, 22, 30), HOURS, LONDON, now) is Refusal.OUTSIDE_HOURS
    assert cb.refusal(utc(2026, 11, 27, 8, 59), HOURS, LONDON, now) is Refusal.OUTSIDE_HOURS
    assert cb.refusal(utc(2026, 11, 27, 9, 0), HOURS, LONDON, now) is None
    assert cb.refusal(now + dt.timedelta(days=91), HOURS, LONDON, now) is Refusal.TOO_FAR
    with pytest.raises(ValueError, match="time zone"):
        cb.refusal(dt.datetime(2026, 11, 27, 9, 0), HOURS, LONDON, now)
