"""Skip on the app side (issue 12): stored like a result, sent later, exactly once.

The store writes the skip and takes the contact off the list in one transaction, so
the next contact shows at once, offline too; the sync engine sends each skip by its
id until the server has answered, and never again after.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from caller_app.api import Offline, Rejected, Throttled
from caller_app.domain.models import Account, Campaign, Contact, Lease
from caller_app.store import Store
from caller_app.sync import SyncEngine
from caller_app.sync.schedule import Step
from tests.support.clock import MovableClock
from tests.support.fakeapi import LEASE_S, FakeApi

NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
CID = 7
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")
CAMPAIGN = Campaign(
    CID, "N", "S", "C", "Europe/London", "00:00-24:00", True, None, 20, 5, 3, 45, 10
)


def person(contact_id: int, batch_id: int) -> Contact:
    return Contact(contact_id, batch_id, CID, "Zelda", "Quimby", "+442079460100", "Ward 1", 1)


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = MovableClock(NOW, frozen=True)
        self.store = Store(tmp_path / "app.sqlite3", clock=self.clock)
        self.store.save_account(ACCOUNT)
        self.store.save_campaigns([CAMPAIGN])
        self.api = FakeApi(self.clock)
        self.engine = SyncEngine(
            self.store,  # type: ignore[arg-type]
            self.api,
            CID,
            backoff_base=1.0,
            backoff_cap=8.0,
            rng=random.Random(3),
            renew_every_s=3600.0,
        )

    def lease(self, batch_id: int, ids: list[int]) -> None:
        self.api.leases.append(
            Lease(batch_id, CID, None, tuple(person(i, batch_id) for i in ids), None, None, LEASE_S)
        )

    def cycle(self) -> list[str]:
        before = len(self.api.calls)
        self.engine._cycle()
        return self.api.names()[before:]


@pytest.fixture
def rig(qapp, tmp_path: Path):  # type: ignore[no-untyped-def]
    r = Rig(tmp_path)
    yield r
    r.store.close()


def test_a_skip_offline_shows_the_next_contact_and_is_sent_once_later(rig: Rig) -> None:
    rig.lease(1, [11, 12, 13])
    rig.cycle()
    first = rig.store.next_contact(CID)
    assert first is not None
    assert first.id == 11
    rig.api.offline = True
    skip = rig.store.skip(first.batch_id, first.id)
    assert skip is not None
    after = rig.store.next_contact(CID)
    assert after is not None
    assert after.id == 12
    assert rig.store.remaining(CID) == 2
    assert rig.store.skip(first.batch_id, first.id) is None  # not twice
    rig.cycle()  # offline: nothing went
    assert rig.api.skips == {}
    assert [s.id for s in rig.store.skips_to_send()] == [skip.id]

    rig.api.offline = False
    rig.clock.advance(seconds=60)
    calls = rig.cycle()
    assert calls.count("skip") == 1
    assert rig.api.skips == {skip.id: (1, 11)}
    assert rig.store.skips_to_send() == []
    assert rig.api.renew(1).contact_ids == (12, 13)  # the server let it go
    rig.clock.advance(seconds=60)
    assert "skip" not in rig.cycle()  # never again
    # a skip is not a call
    assert rig.store.results() == []


def test_a_lost_reply_sends_the_same_skip_again_and_the_server_counts_it_once(rig: Rig) -> None:
    rig.lease(1, [11, 12])
    rig.cycle()
    skip = rig.store.skip(1, 11)
    assert skip is not None
    rig.api.fail("skip", Offline())  # the request went nowhere (or its reply was lost)
    rig.cycle()
    assert rig.store.skips_to_send() != []
    rig.clock.advance(seconds=120)
    rig.engine.steps.schedule.reset(Step.SKIP)
    rig.cycle()
    sent = [arg for name, arg in rig.api.calls if name == "skip"]
    assert sent == [skip.id, skip.id]  # the same id both times
    assert rig.api.skips == {skip.id: (1, 11)}


def test_a_skip_for_a_batch_gone_is_dropped_and_throttled_waits(rig: Rig) -> None:
    rig.lease(1, [11, 12, 13])
    rig.cycle()
    gone = rig.store.skip(1, 11)
    rig.api.fail("skip", Rejected("No such batch.", status=404, code="not_found"))
    rig.cycle()
    assert gone is not None
    assert rig.store.skips_to_send() == []
    waits = rig.store.skip(1, 12)
    rig.api.fail("skip", Throttled(retry_after=600))
    rig.cycle()
    assert [s.id for s in rig.store.skips_to_send()] == [waits.id if waits else ""]
    rig.clock.advance(seconds=300)
    assert "skip" not in rig.cycle()  # still waiting out Retry-After
    rig.clock.advance(seconds=400)
    assert "skip" in rig.cycle()
    assert rig.store.skips_to_send() == []


@pytest.mark.parametrize("logout", [False, True], ids=["finish", "sign-out"])
def test_ending_the_session_gives_back_a_skipped_contact_whose_skip_did_not_go(
    rig: Rig, logout: bool
) -> None:
    rig.lease(1, [11, 12])
    rig.cycle()
    assert rig.store.skip(1, 11) is not None
    rig.api.fail("skip", Offline())
    rig.api.fail("post_results", Offline())
    rig.engine.steps.end_session(logout=logout)
    released = [arg for name, arg in rig.api.calls if name == "release"]
    assert released == [1]
    assert rig.store.batches_to_release() == []  # the release went, with 11 and 12
    assert ("logout" in rig.api.names()) is logout


def test_the_store_counts_skips_of_the_last_hour(rig: Rig) -> None:
    rig.lease(1, [11, 12, 13])
    rig.cycle()
    rig.store.skip(1, 11)
    rig.clock.advance(minutes=40)
    rig.store.skip(1, 12)
    assert rig.store.skips_in_last_hour() == 2
    assert rig.store.oldest_skip_in_window() == NOW
    rig.clock.advance(minutes=21)
    assert rig.store.skips_in_last_hour() == 1
