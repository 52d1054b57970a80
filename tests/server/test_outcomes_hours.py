"""The next-state rules of call outcomes and calling hours in a campaign's zone."""

from __future__ import annotations

import datetime as dt

import pytest

from caller_server import calling_hours
from caller_server.outcomes import DEFAULT_OUTCOMES, campaign_outcomes, next_state

NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
BY_CODE = {o.code: o for o in DEFAULT_OUTCOMES}


@pytest.mark.parametrize(
    ("code", "state", "retry_hours", "suppress"),
    [
        ("answered", "done", None, None),
        ("not_home", "available", 4, None),
        ("busy", "available", 1, None),
        ("voicemail", "available", 24, None),
        ("wrong_number", "done", None, "campaign"),
        ("refused", "done", None, None),
        ("do_not_call", "done", None, "global"),
        ("moved", "done", None, None),
        ("deceased", "done", None, None),
    ],
)
def test_default_rules(
    code: str, state: str, retry_hours: int | None, suppress: str | None
) -> None:
    nxt = next_state(BY_CODE[code], attempts=1, max_attempts=3, now=NOW)
    assert nxt.state == state
    assert nxt.suppress == suppress
    expected = NOW + dt.timedelta(hours=retry_hours) if retry_hours else None
    assert nxt.next_call_after == expected


def test_call_back_at_the_given_time_and_retry_past_max_is_done() -> None:
    later = NOW + dt.timedelta(days=2)
    assert next_state(BY_CODE["call_back"], 1, 3, NOW, later).next_call_after == later
    assert next_state(BY_CODE["busy"], 3, 3, NOW).state == "done"
    assert next_state(BY_CODE["call_back"], 3, 3, NOW, later).state == "done"


def test_reached_flags() -> None:
    reached = {o.code for o in DEFAULT_OUTCOMES if o.reached}
    assert {"answered", "refused"} <= reached
    assert not reached & {"not_home", "busy", "voicemail", "wrong_number", "moved"}


def test_script_outcomes_replace_defaults() -> None:
    custom = campaign_outcomes(
        {
            "outcomes": [
                {"code": "spoke", "label": "Spoke", "reached": True, "final": True},
                {
                    "code": "later",
                    "label": "Later",
                    "reached": False,
                    "final": False,
                    "retry_after_minutes": 30,
                },
            ]
        }
    )
    assert [o.code for o in custom] == ["spoke", "later"]
    assert next_state(custom[1], 1, 3, NOW).next_call_after == NOW + dt.timedelta(minutes=30)
    assert campaign_outcomes({}) == list(DEFAULT_OUTCOMES)


def test_calling_hours_in_the_campaign_zone() -> None:
    # 18:00 UTC in November is 18:00 in London and 13:00 in New York.
    assert calling_hours.is_open("09:00-21:00", "Europe/London", NOW)
    assert not calling_hours.is_open("09:00-17:00", "Europe/London", NOW)
    assert calling_hours.is_open("09:00-17:00", "America/New_York", NOW)
    assert calling_hours.is_open("00:00-24:00", "Europe/London", NOW)
    assert calling_hours.next_opening("00:00-24:00", "Europe/London", NOW) is None
    assert calling_hours.next_opening("09:00-21:00", "Europe/London", NOW) is None
    assert calling_hours.next_opening("09:00-17:00", "Europe/London", NOW) == dt.datetime(
        2026, 11, 27, 9, 0, tzinfo=dt.UTC
    )
    assert calling_hours.next_opening("19:00-21:00", "Europe/London", NOW) == dt.datetime(
        2026, 11, 26, 19, 0, tzinfo=dt.UTC
    )


def test_calling_hours_across_midnight_and_summer_time() -> None:
    assert calling_hours.is_open("17:00-02:00", "Europe/London", NOW)
    assert not calling_hours.is_open("02:00-17:00", "Europe/London", NOW)
    summer = dt.datetime(2026, 7, 1, 7, 30, tzinfo=dt.UTC)  # 08:30 BST
    assert not calling_hours.is_open("09:00-21:00", "Europe/London", summer)
    assert calling_hours.next_opening("09:00-21:00", "Europe/London", summer) == dt.datetime(
        2026, 7, 1, 8, 0, tzinfo=dt.UTC
    )


@pytest.mark.parametrize("bad", ["9-21", "09:00-25:00", "24:00-09:00", "", "09:60-10:00"])
def test_malformed_hours_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="calling hours"):
        calling_hours.parse_hours(bad)


def test_closes_at_is_the_end_of_the_open_window() -> None:
    from caller_server.calling_hours import closes_at

    utc = dt.UTC
    at = dt.datetime(2026, 11, 26, 18, 30, tzinfo=utc)
    assert closes_at("09:00-21:00", "UTC", at) == dt.datetime(2026, 11, 26, 21, 0, tzinfo=utc)
    assert closes_at("09:00-21:00", "UTC", at.replace(hour=22)) is None  # closed: no end
    assert closes_at("00:00-24:00", "UTC", at) is None  # never closes
    assert closes_at("09:00-24:00", "UTC", at) == dt.datetime(2026, 11, 27, 0, 0, tzinfo=utc)
    # Across midnight: before midnight it ends tomorrow, after midnight today.
    assert closes_at("18:00-02:00", "UTC", at) == dt.datetime(2026, 11, 27, 2, 0, tzinfo=utc)
    late = dt.datetime(2026, 11, 27, 1, 0, tzinfo=utc)
    assert closes_at("18:00-02:00", "UTC", late) == dt.datetime(2026, 11, 27, 2, 0, tzinfo=utc)
    # In the campaign's zone: 21:00 in New York is 02:00 UTC (winter).
    assert closes_at("09:00-21:00", "America/New_York", at) == dt.datetime(
        2026, 11, 27, 2, 0, tzinfo=utc
    )
