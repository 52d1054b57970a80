"""The contact's local time and attribute labels (issue 12)."""

from __future__ import annotations

import datetime as dt

from caller_app.domain.contact_time import attribute_label, contact_time, contact_zone

SUMMER = dt.datetime(2026, 7, 1, 17, 30, tzinfo=dt.UTC)  # 18:30 in London (BST)


def test_a_uk_number_is_on_the_campaign_clock_of_a_uk_campaign() -> None:
    assert contact_zone("+442079460123", "Europe/London") == ("Europe/London", True)
    t = contact_time("+441134960001", "Europe/London", SUMMER)
    assert t is not None
    assert t.sure
    assert t.local.strftime("%H:%M") == "18:30"
    assert t.place == "London"


def test_a_uk_number_in_a_campaign_run_from_elsewhere_is_still_uk_time() -> None:
    assert contact_zone("+441614960001", "America/New_York") == ("Europe/London", True)


def test_an_unknown_place_falls_back_to_the_campaign_clock_and_says_so() -> None:
    zone, sure = contact_zone("not a number", "Europe/London")
    assert (zone, sure) == ("Europe/London", False)
    t = contact_time("not a number", "Europe/London", SUMMER)
    assert t is not None
    assert not t.sure
    assert contact_time("not a number", "Nowhere/Atlantis", SUMMER) is None


def test_attribute_labels_read_like_words() -> None:
    assert attribute_label("polling_district") == "Polling district"
    assert attribute_label("age_band") == "Age band"
    assert attribute_label("nhs_gp") == "NHS GP"
    assert attribute_label("id") == "ID"
