"""The edges of a lease or a result, decided by the sync engine against a fake server.

The engine runs its cycles on the test thread (`engine._cycle()`), with a wall clock
the test moves (`MovableClock`) and `tests/support/fakeapi.FakeApi` for the server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from caller_app.api import ProtocolError, Rejected, ServerError, SignedOut, Throttled
from caller_app.domain.models import (
    Account,
    Campaign,
    Connectivity,
    Contact,
    Lease,
    ResultDraft,
)
from caller_app.store import DELIVERED, PENDING, REJECTED, Store
from caller_app.sync import SyncEngine
from caller_app.sync.engine import _Ask
from caller_app.sync.schedule import Step
from tests.support.clock import MovableClock
from tests.support.fakeapi import LEASE_S, FakeApi

NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
CID = 7
ACCOUNT = Account("https://bank.example.org", "priya", 3, "Priya Shah")


def campaign(**over: Any) -> Campaign:
    values: dict[str, Any] = dict(
        id=CID,
        name="N",
        seat="S",
        candidate="C",
        timezone="Europe/London",
        calling_hours="09:00-21:00",
        calling_now=True,
        opens_at=None,
        target_contacts_per_hour=20,
        batch_size=5,
        max_attempts=3,
        lease_minutes=45,
        max_held_contacts=10,
    )
    return Campaign(**{**values, **over})


def person(contact_id: int, batch_id: int) -> Contact:
    return Contact(
        contact_id,
        batch_id,
        CID,
        "Zelda",
        "Quimby",
        "+442079460100",
        "Ward 1",
        1,
        lease_proof=f"proof-{batch_id}-{contact_id}",
    )


def lease(batch_id: int, ids: list[int], in_s: int | None = LEASE_S) -> Lease:
    # lease_expires_at says an hour: the app must go by the seconds left, on its own clock
    return Lease(
        batch_id,
        CID,
        NOW + dt.timedelta(hours=1),
        tuple(person(i, batch_id) for i in ids),
        None,
        None,
        in_s,
    )


class Rig:
    def __init__(self, tmp_path: Path, **engine: Any) -> None:
        self.clock = MovableClock(NOW, frozen=True)
        self.store = Store(tmp_path / "app.sqlite3", clock=self.clock)
        self.store.save_account(ACCOUNT)
        self.store.save_campaigns([campaign()])
        self.api = FakeApi(self.clock)
        self.statuses: list[Any] = []
        self.lost: list[int] = []
        self.empty: list[str] = []
        self.engine = self.new_engine(**engine)

    def new_engine(self, **kw: Any) -> SyncEngine:
        options = {
            "backoff_base": 1.0,
            "backoff_cap": 8.0,
            "rng": random.Random(3),
            "renew_every_s": 3600.0,
            **kw,
        }
        engine = SyncEngine(self.store, self.api, CID, **options)  # type: ignore[arg-type]
        engine.status_changed.connect(self.statuses.append)
        engine.contacts_lost.connect(self.lost.append)
        engine.out_of_contacts.connect(lambda reason, _at: self.empty.append(reason))
        self.engine = engine
        return engine

    def cycle(self) -> list[str]:
        """One sync cycle; the names of the calls it made."""
        before = len(self.api.calls)
        self.engine._cycle()
        return self.api.names()[before:]

    def queue(self) -> list[int]:
        """Work through the queue (recording each call); the contact ids offered."""
        seen = []
        while (c := self.store.next_contact(CID)) is not None:
            seen.append(c.id)
            self.record(c)
        return seen

    def record(self, c: Contact | None = None) -> str:
        c = c or self.store.next_contact(CID)
        assert c is not None
        return self.store.record(
            ResultDraft(c.id, c.batch_id, CID, "not_home", NOW, 30, notes="rang twice")
        ).id


@pytest.fixture
def rig(qapp, tmp_path: Path) -> Rig:  # type: ignore[no-untyped-def]
    r = Rig(tmp_path)
    yield r
    r.store.close()


# --- 1. leases are real -------------------------------------------------------------------


def test_a_lapsed_lease_offers_nothing_and_a_renewal_keeps_only_the_listed(rig: Rig) -> None:
    store = rig.store
    store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in (1, 2, 3)])
    rig.clock.advance(minutes=46)  # the laptop slept
    assert store.next_contact(CID) is None
    assert store.remaining(CID) == 0
    assert store.apply_renewal(1, rig.clock() + dt.timedelta(minutes=45), [1, 3]) == 1
    assert [c.id for c in (store.next_contact(CID),)] == [1]
    with sqlite3.connect(store.path) as raw:  # the lost contact's row is gone, not hidden
        assert sorted(r[0] for r in raw.execute("SELECT contact_id FROM contacts")) == [1, 3]


def test_the_lease_end_is_our_clock_plus_the_seconds_left(rig: Rig) -> None:
    rig.api.leases = [lease(1, [1, 2], in_s=600)]  # the server's timestamp says an hour
    rig.cycle()
    assert rig.store.live_batches() == [(1, NOW + dt.timedelta(seconds=600))]
    rig.clock.advance(seconds=601)
    assert rig.store.next_contact(CID) is None


def test_a_new_batch_never_queues_a_contact_twice(rig: Rig) -> None:
    store = rig.store
    store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in (1, 2, 3)])
    rig.record()  # contact 1 worked, its result not yet uploaded
    # the old lease lapsed on the server, which leased the same people to us again
    assert (
        store.add_batch(
            2, CID, NOW + dt.timedelta(minutes=45), [person(i, 2) for i in (1, 2, 3, 4, 5)]
        )
        == 4
    )
    assert rig.queue() == [2, 3, 4, 5]
    assert [r.lease_proof for r in store.results()][1:] == [f"proof-2-{i}" for i in (2, 3, 4, 5)]


def test_after_sleeping_past_the_lease_it_renews_first_and_counts_the_lost(rig: Rig) -> None:
    rig.api.leases = [lease(1, [1, 2, 3, 4])]
    rig.cycle()
    rig.record()  # contact 1 worked and uploaded next
    rig.cycle()
    rig.api.leased[1] = [4]  # 2 and 3 went to another volunteer meanwhile
    rig.clock.advance(minutes=50)

    class Woke:
        def check(self) -> bool:
            return True

    rig.engine._wake = Woke()  # type: ignore[assignment]
    rig.engine._check_wake()
    calls = rig.cycle()
    assert calls[0] == "renew"
    assert rig.lost == [2]
    assert rig.queue() == [4]
    assert rig.store.live_batches()[0][1] == rig.clock() + dt.timedelta(seconds=LEASE_S)


def test_renewal_is_due_by_the_wall_clock_half_way_through_the_lease(rig: Rig) -> None:
    rig.api.leases = [lease(1, [1, 2, 3, 4, 5])]
    rig.cycle()
    rig.clock.advance(minutes=22)
    assert "renew" not in rig.cycle()
    rig.clock.advance(minutes=1)  # past 22.5 of 45 minutes
    assert rig.cycle().count("renew") == 1
    assert "renew" not in rig.cycle()  # the renewal moved the half-way point


def test_an_offline_spell_ends_with_a_renewal_first(rig: Rig) -> None:
    rig.api.leases = [lease(1, [1, 2, 3, 4, 5])]
    rig.cycle()
    rig.api.offline = True
    rig.record()
    rig.cycle()
    assert rig.statuses[-1].connectivity is Connectivity.OFFLINE
    assert rig.statuses[-1].retry_in_s is not None
    rig.api.offline = False
    assert rig.cycle()[:2] == ["renew", "post_results"]


def test_a_batch_gone_on_renewal_drops_its_unworked_contacts(rig: Rig) -> None:
    rig.api.leases = [lease(1, [1, 2, 3])]
    rig.cycle()
    rig.record()
    rig.api.gone.add(1)
    rig.clock.advance(minutes=30)
    rig.cycle()
    assert rig.lost == [2]
    assert rig.store.next_contact(CID) is None
    assert rig.store.waiting_count() == 0  # the result was still sent


def test_holding_limit_caps_the_request_and_empties_only_when_nothing_is_left(
    rig: Rig,
) -> None:
    rig.store.save_campaigns([campaign(batch_size=5, max_held_contacts=6)])
    rig.api.leases = [lease(1, [1, 2, 3, 4])]
    rig.cycle()
    assert [arg for name, arg in rig.api.calls if name == "lease"][:2] == [5, 2]
    assert rig.empty == []  # "no contacts" with four left to call is no news
    rig.queue()
    rig.engine.schedule.reset(Step.LEASE)
    rig.api.leases = [Lease(None, CID, None, (), "holding_limit")]
    rig.cycle()
    assert rig.empty == ["holding_limit"]


# --- 4. what parks a result ---------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        Rejected(status=400),
        Rejected(status=404, code="not_found"),
        Rejected(status=408),
        Rejected(status=413, code="payload_too_large"),
        ServerError(status=502),
        ProtocolError(),
    ],
    ids=["400", "404", "408", "413-alone", "502", "garbled"],
)
def test_a_refused_request_that_names_no_result_is_transient(rig: Rig, error: Exception) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(1, 1)])
    result_id = rig.record()
    rig.api.fail("post_results", error)
    rig.cycle()
    assert rig.store.needs_attention() == []
    assert [r.id for r in rig.store.results(PENDING)] == [result_id]
    assert rig.statuses[-1].connectivity is Connectivity.RETRYING
    assert not rig.engine.schedule.due(Step.UPLOAD)  # backing off, not parked
    rig.clock.advance(seconds=10)
    rig.cycle()
    assert [r.id for r in rig.store.results(DELIVERED)] == [result_id]


def test_a_422_is_narrowed_down_to_the_one_result_it_parks(rig: Rig) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in range(5)])
    ids = [rig.record() for _ in range(5)]
    bad = ids[3]

    def refuse(results) -> None:  # type: ignore[no-untyped-def]
        if bad in {r.id for r in results}:
            raise Rejected("Bad answers.", status=422, code="validation_error")

    rig.api.upload_filter = refuse
    rig.cycle()
    assert [(i.result.id, i.code) for i in rig.store.needs_attention()] == [
        (bad, "validation_error")
    ]
    assert set(rig.api.held) == set(ids) - {bad}


def test_a_named_rejection_parks_and_the_volunteer_can_retry_it(rig: Rig) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(1, 1)])
    result_id = rig.record()
    before = rig.store.result(result_id)
    rig.api.refuse[result_id] = "not_leased"
    rig.cycle()
    assert [r.id for r in rig.store.results(REJECTED)] == [result_id]
    assert rig.store.retry_attention([result_id]) == 1
    assert rig.store.needs_attention() == []
    assert rig.store.result(result_id) == before  # same id, same payload
    del rig.api.refuse[result_id]
    rig.cycle()
    assert rig.api.held[result_id] == before.payload()


# --- 5. each request on its own schedule --------------------------------------------------


def test_a_failing_script_never_holds_up_uploads(rig: Rig) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in (1, 2)])
    rig.api.fail("script", Rejected("Campaign closed.", status=404), times=100)
    first = rig.record()
    rig.cycle()
    assert first in rig.api.held
    assert rig.statuses[-1].connectivity is Connectivity.ONLINE  # the calls still flow
    second = rig.record()
    calls = rig.cycle()
    assert second in rig.api.held
    assert "script" not in calls  # the script backs off on its own


def test_a_throttled_lease_waits_its_retry_after_alone(rig: Rig) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(1, 1)])
    rig.api.fail("lease", Throttled(retry_after=120))
    rig.cycle()
    rig.record()
    rig.clock.advance(seconds=60)
    calls = rig.cycle()
    assert "post_results" in calls
    assert "lease" not in calls
    rig.clock.advance(seconds=61)
    assert "lease" in rig.cycle()


# --- 7. reconciliation and lease proofs ---------------------------------------------------


def test_each_session_start_sends_again_what_a_restored_server_lost(rig: Rig) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in (1, 2)])
    kept, lost = rig.record(), rig.record()
    rig.cycle()
    payload = rig.api.held[lost]
    del rig.api.held[lost]  # the server was restored from a backup taken before
    rig.new_engine()  # the next session
    assert not rig.engine.session_checked
    calls = rig.cycle()
    assert calls.index("check_results") < calls.index("post_results")
    assert rig.engine.session_checked
    assert rig.api.held[lost] == payload  # same id, same frozen payload
    assert rig.store.unconfirmed_ids() == [lost]  # confirmed at the next check
    assert kept not in rig.store.unconfirmed_ids()


def test_a_recovering_server_gets_back_even_what_it_had_confirmed(rig: Rig) -> None:
    """Restored from a backup older than the last check: the confirmed results are lost
    too. Told `recovering`, the app checks everything it kept and sends it again, once
    per recovery window, and asks for contacts again when the window ends."""
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in (1, 2)])
    confirmed, fresh = rig.record(), rig.record()
    rig.cycle()
    rig.new_engine()
    rig.cycle()  # the session-start check confirms both
    assert rig.store.unconfirmed_ids() == []
    lost = {confirmed: rig.api.held.pop(confirmed), fresh: rig.api.held.pop(fresh)}
    opens = NOW + dt.timedelta(minutes=15)
    rig.api.leases.append(Lease(None, CID, None, (), "recovering", opens))
    rig.engine.schedule.reset(Step.LEASE)  # nothing left locally: it asks for more
    calls = rig.cycle()
    assert "check_results" in calls
    assert calls.index("check_results") < calls.index("post_results")
    assert {i: rig.api.held[i] for i in lost} == lost  # same ids, same payloads
    assert rig.empty[-1] == "recovering"
    rig.api.leases.append(Lease(None, CID, None, (), "recovering", opens))
    rig.engine.schedule.reset(Step.LEASE)
    assert "check_results" not in rig.cycle()  # once per window
    assert rig.engine.schedule.due(Step.LEASE) is False


def test_a_renewal_in_a_recovery_window_sends_results_back_too(rig: Rig) -> None:
    """A volunteer with contacts enough never asks for a lease; the renewal tells them."""
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in range(9)])
    rig.api.leased[1] = list(range(9))
    done = rig.record()
    rig.cycle()
    rig.new_engine()
    rig.cycle()  # the session-start check confirms it
    payload = rig.api.held.pop(done)
    rig.api.recovering_until = NOW + dt.timedelta(minutes=30)
    rig.clock.advance(minutes=23)  # past half the lease: a renewal is due
    calls = rig.cycle()
    assert "lease" not in calls
    assert calls.index("renew") < calls.index("check_results") < calls.index("post_results")
    assert rig.api.held[done] == payload
    # ...and then every batch is renewed again: which leases did the restored server keep?
    assert calls.count("renew") == 2
    assert len(calls) - 1 - calls[::-1].index("renew") > calls.index("check_results")


def test_a_household_is_the_others_on_the_same_phone_in_the_batch(rig: Rig) -> None:
    pat, sam = person(1, 1), dataclasses.replace(person(2, 1), first_name="Sam")
    other = dataclasses.replace(person(3, 1), phone="+442079460101")
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [pat, sam, other])
    assert rig.store.same_number(pat) == ["Sam"]
    assert rig.store.same_number(other) == []


def test_the_engine_passes_on_what_the_server_says_of_the_campaign(rig: Rig) -> None:
    heard: list[str] = []
    rig.engine.campaign_status.connect(heard.append)
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in range(9)])
    rig.api.leased[1] = list(range(9))
    rig.api.campaign_status = "paused"
    rig.cycle()  # the tally poll says so
    assert heard[-1] == "paused"
    rig.api.campaign_status = "active"
    rig.clock.advance(minutes=23)  # a renewal is due and says so too
    assert "renew" in rig.cycle()
    assert heard[-1] == "active"
    rig.api.leases.append(Lease(None, CID, None, (), "closed"))
    rig.store.add_batch(2, CID, NOW + dt.timedelta(hours=2), [])
    rig.queue()
    rig.engine.schedule.reset(Step.LEASE)
    rig.cycle()
    assert heard[-1] == "closed"


def test_signing_out_checks_before_the_wipe_and_keeps_what_it_cannot_confirm(
    rig: Rig,
) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in (1, 2)])
    first, second = rig.record(), rig.record()
    rig.cycle()
    del rig.api.held[second]
    rig.engine.steps.end_session(logout=True)
    assert rig.api.names()[-4:] == ["check_results", "post_results", "check_results", "logout"]
    rig.store.wipe_account_data()
    assert rig.store.results() == []  # all confirmed: nothing of theirs is kept
    # offline at sign-out: the delivered result stays, unconfirmed
    rig.store.save_account(ACCOUNT)
    rig.store.add_batch(2, CID, NOW + dt.timedelta(minutes=45), [person(3, 2)])
    third = rig.record()
    rig.cycle()
    rig.api.offline = True
    rig.engine.steps.end_session(logout=True)
    rig.store.wipe_account_data()
    assert [r.id for r in rig.store.results(DELIVERED)] == [third]
    assert first != second


def test_the_lease_proof_goes_from_contact_to_result_to_payload(rig: Rig) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(1, 1)])
    result_id = rig.record()
    assert rig.store.result(result_id).lease_proof == "proof-1-1"
    rig.cycle()
    assert rig.api.held[result_id]["lease_proof"] == "proof-1-1"
    c = person(1, 1)
    fix = rig.store.record_correction(result_id, ResultDraft(c.id, 1, CID, "answered", NOW, 30))
    assert fix.lease_proof == "proof-1-1"  # its original's proof, contact gone or not


# --- 7. the policy, backoff, release and sign-out, decided against FakeApi -------------


def test_a_whole_cycle_offline_backs_off_within_the_policy_and_renews_first_after(
    rig: Rig,
) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(i, 1) for i in (1, 2)])
    rig.record()
    rig.api.offline = True
    retries = []
    for _ in range(6):
        rig.cycle()
        status = rig.statuses[-1]
        assert status.connectivity is Connectivity.OFFLINE
        retries.append(status.retry_in_s)
    cap = rig.engine.policy.backoff_cap
    assert all(0 <= r <= cap for r in retries)
    rig.api.offline = False
    rig.clock.advance(seconds=cap)
    calls = rig.cycle()
    assert calls.index("renew") < calls.index("post_results")
    assert rig.store.waiting_count() == 0


def test_the_policy_caps_the_batch_asked_for(rig: Rig) -> None:
    rig.store.save_campaigns([campaign(batch_size=80, max_held_contacts=500)])
    rig.cycle()
    assert [arg for name, arg in rig.api.calls if name == "lease"] == [50]
    engine = rig.new_engine(max_batch_size=30)
    engine.schedule.reset(Step.LEASE)
    rig.cycle()
    assert [arg for name, arg in rig.api.calls if name == "lease"][-1] == 30


def test_released_batches_are_given_back_and_forgotten_even_when_gone(rig: Rig) -> None:
    for batch_id in (1, 2):
        rig.store.add_batch(
            batch_id, CID, NOW + dt.timedelta(minutes=45), [person(batch_id * 10, batch_id)]
        )
        rig.store.release_batch(batch_id)
    rig.api.fail("release", Rejected("Not found.", status=404, code="not_found"))
    rig.cycle()
    assert [arg for name, arg in rig.api.calls if name == "release"] == [1, 2]
    assert rig.store.batches_to_release() == []
    rig.api.fail("release", ServerError(status=502))
    rig.store.add_batch(3, CID, NOW + dt.timedelta(minutes=45), [person(30, 3)])
    rig.store.release_batch(3)
    rig.engine.schedule.reset(Step.RELEASE)
    rig.cycle()
    assert [b for b, _ in rig.store.batches_to_release()] == [3]  # kept for the next try


def test_a_401_signs_out_keeps_the_results_and_waits_for_a_token(rig: Rig) -> None:
    rig.store.add_batch(1, CID, NOW + dt.timedelta(minutes=45), [person(1, 1)])
    result_id = rig.record()
    signed_out: list[bool] = []
    rig.engine.signed_out.connect(lambda: signed_out.append(True))
    rig.api.fail("post_results", SignedOut())
    rig.cycle()
    assert signed_out == [True]
    assert rig.statuses[-1].connectivity is Connectivity.SIGNED_OUT
    assert [r.id for r in rig.store.results(PENDING)] == [result_id]
    assert rig.cycle() == []  # quiet until signed in again
    rig.engine._on_request(_Ask.TOKEN, "new-token")
    rig.engine._timer = None  # the test runs the cycles itself
    rig.cycle()
    assert rig.api.token == "new-token"
    assert [r.id for r in rig.store.results(DELIVERED)] == [result_id]


# --- the tally after an upload -------------------------------------------------------------


def test_an_upload_reply_updates_the_tally_without_polling_progress(rig: Rig) -> None:
    shown: list[Any] = []
    rig.engine.progress_changed.connect(shown.append)
    rig.api.leases = [lease(1, [1, 2, 3])]
    assert "progress" in rig.cycle()  # the session starts with a poll (the leaderboard)
    rig.record()
    calls = rig.cycle()
    assert "post_results" in calls
    assert "progress" not in calls
    assert (shown[-1].calls, shown[-1].my_calls) == (1, 1)
    rig.clock.advance(seconds=60)  # well past the 5 s an older server's reply waits for
    assert "progress" not in rig.cycle()
    rig.clock.advance(seconds=300)
    assert "progress" in rig.cycle()  # the poll comes every few minutes still


def test_an_upload_keeps_the_last_polled_leaderboard(rig: Rig) -> None:
    shown: list[Any] = []
    rig.engine.progress_changed.connect(shown.append)
    rig.api.leases = [lease(1, [1, 2])]
    board = (("Priya", 4),)
    polled = rig.api.progress
    rig.api.progress = lambda cid: dataclasses.replace(polled(cid), leaderboard=board)  # type: ignore[method-assign]
    rig.cycle()
    rig.record()
    rig.cycle()
    assert shown[-1].my_calls == 1
    assert shown[-1].leaderboard == board  # not wiped by a reply that carries none


def test_an_older_servers_upload_reply_brings_a_progress_poll_soon(rig: Rig) -> None:
    shown: list[Any] = []
    rig.engine.progress_changed.connect(shown.append)
    rig.api.upload_tallies = False
    rig.api.leases = [lease(1, [1, 2, 3])]
    rig.cycle()
    rig.record()
    assert "progress" not in rig.cycle()  # polled 5 s after the last poll at the earliest
    rig.clock.advance(seconds=6)
    assert "progress" in rig.cycle()
    assert shown[-1].my_calls == 1


def test_the_upload_replys_campaign_status_reaches_the_app(rig: Rig) -> None:
    said: list[str] = []
    rig.engine.campaign_status.connect(said.append)
    rig.api.leases = [lease(1, [1, 2, 3])]
    rig.cycle()
    rig.api.campaign_status = "paused"
    rig.record()
    rig.cycle()
    assert said[-1] == "paused"
    assert rig.api.names().count("progress") == 1  # learnt from the upload, not a poll
