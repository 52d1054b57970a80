"""Qt test setup: offscreen, isolated settings and keyring, and a sample script."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from caller_app.domain.models import Campaign, Contact, Outcome, Question, Script
from tests.support.e2e import make_launcher, server

__all__ = ["make_launcher", "server"]  # fixtures for the end-to-end tests

# The offscreen platform says this once per top-level window; it is not our warning.
OFFSCREEN_NOISE = ("This plugin does not support",)


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No test touches the user's settings, data folder or keyring."""
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("CALLER_APP_DATA", str(tmp_path / "data"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    from tests.support.keyring_backend import memory_keyring

    with memory_keyring():
        yield


OUTCOMES = (
    Outcome("answered", "Spoke to them", reached=True, final=True),
    Outcome("not_home", "Not home", reached=False, final=False),
    Outcome("busy", "Busy / engaged", reached=False, final=False),
    Outcome("call_back", "Call back", reached=True, final=False, needs_callback_time=True),
    Outcome("wrong_number", "Wrong number", reached=False, final=True),
)
QUESTIONS = (
    Question("vote", "How will you vote?", "single", ("Hartley", "Other", "Undecided")),
    Question("scale", "Buses matter (1-5)", "scale", ("1", "2", "3", "4", "5")),
    Question("issues", "Top issues", "multi", ("Buses", "Health", "Housing", "Crime")),
    Question("say", "Anything else?", "text"),
)


@pytest.fixture
def script() -> Script:
    return Script(
        campaign_id=1,
        version="v1",
        intro="Hi **{first_name}**, I'm {volunteer_first_name} for {candidate} in {seat}.",
        crib_sheet="## Key points\n- Buses",
        candidate_bio="## Priya\nA paramedic.",
        candidate="Priya Hartley",
        seat="Riverside North",
        questions=QUESTIONS,
        outcomes=OUTCOMES,
    )


@pytest.fixture
def contact() -> Contact:
    return Contact(
        id=7,
        batch_id=3,
        campaign_id=1,
        first_name="Ann",
        last_name="Example",
        phone="+442079460123",
        ward="Gasworks",
        attempt=2,
        previous_notes=("Asked about buses",),
    )


@pytest.fixture
def campaign() -> Campaign:
    return Campaign(
        id=1,
        name="Riverside North",
        seat="Riverside North",
        candidate="Priya Hartley",
        timezone="Europe/London",
        calling_hours="09:00-21:00",
        calling_now=True,
        opens_at=None,
        target_contacts_per_hour=15,
        batch_size=10,
        max_attempts=3,
        lease_minutes=45,
    )


@pytest.fixture
def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
