"""Closed campaigns are never offered; paused ones are greyed out with the reason (issue 12)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt

from caller_app.domain.models import Campaign
from caller_app.ui.campaign_picker import CampaignPicker, choose_campaign


def test_closed_not_offered_and_paused_greyed_with_why(qtbot, campaign: Campaign):
    paused = dataclasses.replace(campaign, id=2, name="Resting", status="paused")
    closed = dataclasses.replace(campaign, id=3, name="Over", status="closed")
    other = dataclasses.replace(campaign, id=4, name="Second")
    picker = CampaignPicker([paused, closed, campaign, other])
    qtbot.addWidget(picker)
    picker.show()
    assert [c.id for c in picker.campaigns] == [2, 1, 4]  # the closed one is not listed
    first = picker.list.item(0)
    assert not first.flags() & Qt.ItemFlag.ItemIsEnabled
    assert "Paused by the organiser: it cannot be called for now." in first.text()
    assert picker.selected() is campaign  # the first one that can be called
    picker.list.setCurrentRow(0)
    assert picker.selected() is None
    qtbot.keyClick(picker.list, Qt.Key.Key_Return)
    assert picker.isVisible()  # Enter on a paused campaign opens nothing
    picker.list.setCurrentRow(2)
    with qtbot.waitSignal(picker.accepted):
        qtbot.keyClick(picker.list, Qt.Key.Key_Return)
    assert picker.selected() is other


def test_a_lone_paused_campaign_is_not_opened_by_itself(qtbot, campaign: Campaign):
    paused = dataclasses.replace(campaign, status="paused")
    closed = dataclasses.replace(campaign, id=3, status="closed")
    assert choose_campaign([closed]) is None
    assert choose_campaign([campaign, closed]) is campaign
    picker = CampaignPicker([paused])
    qtbot.addWidget(picker)
    assert not picker.start_button.isEnabled()
    assert picker.selected() is None


def test_a_campaign_closed_now_says_when_it_opens_in_its_zone(qtbot, campaign: Campaign):
    opens = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(hours=1)
    shut = dataclasses.replace(
        campaign, timezone="America/New_York", calling_now=False, opens_at=opens
    )
    picker = CampaignPicker([shut, campaign])
    qtbot.addWidget(picker)
    local = opens.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
    text = picker.list.item(0).text()
    assert "calling hours 09:00–21:00 New York time (closed now; opens " in text
    assert f"at {local} New York time)" in text
