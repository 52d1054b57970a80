"""The fake server of the sync tests answers like docs/api.md says the real one does."""

from __future__ import annotations

import datetime as dt

import pytest

from caller_app.api import Offline, Rejected
from caller_app.domain.models import Result
from tests.support.clock import MovableClock
from tests.support.fakeapi import LEASE_S, FakeApi

NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)


def result(rid: str) -> Result:
    return Result(rid, 1, 1, 7, "busy", NOW, 3, NOW)


def test_results_are_held_once_and_checked() -> None:
    api = FakeApi(MovableClock(NOW, frozen=True))
    first = api.post_results([result("a")])
    again = api.post_results([result("a"), result("b")])
    assert (first.accepted, again.duplicates, again.accepted) == (("a",), ("a",), ("b",))
    api.refuse["c"] = "not_leased"
    assert api.post_results([result("c")]).rejected[0].code == "not_leased"
    assert api.check_results(["a", "c"]) == ("c",)


def test_renewals_failures_and_offline() -> None:
    clock = MovableClock(NOW, frozen=True)
    api = FakeApi(clock)
    api.leased[4] = [1, 2]
    renewal = api.renew(4)
    assert (renewal.contact_ids, renewal.lease_expires_in_s) == ((1, 2), LEASE_S)
    api.gone.add(4)
    with pytest.raises(Rejected) as info:
        api.renew(4)
    assert info.value.status == 404
    api.fail("progress", Offline())
    with pytest.raises(Offline):
        api.progress(7)
    assert api.progress(7).volunteers_active == 1  # only the next call failed
    api.offline = True
    with pytest.raises(Offline):
        api.script(7)
    assert api.names() == ["renew", "renew", "progress", "progress", "script"]


def test_abort_refuses_every_later_call_like_the_real_client() -> None:
    api = FakeApi(MovableClock(NOW, frozen=True))
    api.abort()
    with pytest.raises(Offline):
        api.lease(7, 5, "req-1")
    assert api.names() == ["lease"]


def test_a_skip_releases_a_held_contact_once_and_is_idempotent_by_id() -> None:
    api = FakeApi(MovableClock(NOW, frozen=True))
    api.leased[4] = [1, 2]
    assert api.skip(4, 1, "s1") is True
    assert api.renew(4).contact_ids == (2,)
    assert api.skip(4, 1, "s1") is True  # the same skip again: answered as before
    assert api.skip(4, 9, "s2") is False  # not held: nothing changes
    assert api.renew(4).contact_ids == (2,)
    api.fail("skip", Offline())
    with pytest.raises(Offline):
        api.skip(4, 2, "s3")
    assert api.skips == {"s1": (4, 1), "s2": (4, 9)}
