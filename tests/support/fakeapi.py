"""A fake phone bank server as a real class, for fast tests of sync decisions.

It stands in for `caller_app.api.ApiClient` (same method names, same return types,
same typed errors) and keeps just enough state to answer like the server: the
results it holds, the contacts it still leases to us per batch, queued lease
replies. `fail(method, exc)` makes the next call of `method` raise `exc`;
`offline = True` makes every call raise Offline. Every call is logged in `calls`.
Its tallies count the results it holds (one volunteer: team and own are the same;
"answered" is reached); `upload_tallies = False` plays an older server whose upload
replies carry none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from caller_app.api import Offline, Rejected
from caller_app.domain.models import (
    Lease,
    Rejection,
    Renewal,
    Result,
    Script,
    TeamProgress,
    UploadReply,
)

if TYPE_CHECKING:
    from caller_app.sync.port import ApiPort

LEASE_S = 45 * 60


class FakeApi:
    def __init__(self, clock: Callable[[], dt.datetime]) -> None:
        self.clock = clock
        self.token: str | None = "t0ken"
        self.offline = False
        self.calls: list[tuple[str, Any]] = []
        self.held: dict[str, dict[str, Any]] = {}  # result id -> payload the server holds
        self.refuse: dict[str, str] = {}  # result id -> rejection code
        self.leased: dict[int, list[int]] = {}  # batch id -> contact ids still ours
        self.gone: set[int] = set()  # batches answering 404 to a renewal
        self.leases: list[Lease] = []  # replies to the next lease requests
        self.recovering_until: dt.datetime | None = None  # a restored server's window
        self.campaign_status = "active"  # what progress and renewals say of the campaign
        self.skips: dict[str, tuple[int, int]] = {}  # skip id -> (batch, contact) it passed
        self.upload_filter: Callable[[Sequence[Result]], None] | None = None
        self.upload_tallies = True  # upload replies carry tonight's tallies
        self._campaign_of: dict[str, int] = {}  # result id -> campaign, for the tallies
        self._failures: dict[str, list[Exception]] = {}

    # -- arranging ------------------------------------------------------------------------
    def fail(self, method: str, exc: Exception, times: int = 1) -> None:
        self._failures.setdefault(method, []).extend([exc] * times)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def _enter(self, name: str, arg: Any = None) -> None:
        self.calls.append((name, arg))
        if self.offline:
            raise Offline()
        queued = self._failures.get(name)
        if queued:
            raise queued.pop(0)

    # -- the ApiClient interface ----------------------------------------------------------
    def close(self) -> None:
        pass

    def abort(self) -> None:
        self.offline = True  # like the real client: every later call fails

    def script(self, campaign_id: int, etag: str | None = None) -> tuple[Script, str] | None:
        self._enter("script", campaign_id)
        return None  # unchanged (304)

    def lease(self, campaign_id: int, size: int, request_id: str) -> Lease:
        self._enter("lease", size)
        if not self.leases:
            return Lease(None, campaign_id, None, (), "no_contacts")
        lease = self.leases.pop(0)
        self.leased[lease.batch_id or 0] = [c.id for c in lease.contacts]
        return lease

    def renew(self, batch_id: int) -> Renewal:
        self._enter("renew", batch_id)
        if batch_id in self.gone:
            raise Rejected("Not found.", status=404, code="not_found")
        end = self.clock() + dt.timedelta(seconds=LEASE_S)
        held = tuple(self.leased.get(batch_id, []))
        return Renewal(batch_id, end, LEASE_S, held, self.recovering_until, self.campaign_status)

    def release(self, batch_id: int, contact_ids: Sequence[int] | None = None) -> int:
        self._enter("release", batch_id)
        return len(contact_ids or [])

    def skip(self, batch_id: int, contact_id: int, skip_id: str) -> bool:
        """Like the server: idempotent by id; True only while the batch held the contact."""
        self._enter("skip", skip_id)
        if skip_id in self.skips:
            return self.skips[skip_id] == (batch_id, contact_id)
        held = self.leased.get(batch_id, [])
        self.skips[skip_id] = (batch_id, contact_id)
        if contact_id in held:
            held.remove(contact_id)
            return True
        return False

    def post_results(self, results: Sequence[Result]) -> UploadReply:
        self._enter("post_results", [r.id for r in results])
        if self.upload_filter is not None:
            self.upload_filter(results)
        accepted, duplicates, rejected = [], [], []
        for r in results:
            if r.id in self.refuse:
                rejected.append(Rejection(r.id, self.refuse[r.id], "Refused."))
            elif r.id in self.held:
                duplicates.append(r.id)
            else:
                self.held[r.id] = r.payload()
                self._campaign_of[r.id] = r.campaign_id
                accepted.append(r.id)
        stored = sorted({self._campaign_of[i] for i in (*accepted, *duplicates)})
        tallies = tuple((cid, self._tally(cid)) for cid in stored)
        return UploadReply(
            tuple(accepted),
            tuple(duplicates),
            tuple(rejected),
            tallies if self.upload_tallies else None,
        )

    def _tally(self, campaign_id: int) -> TeamProgress:
        ids = [i for i, cid in self._campaign_of.items() if cid == campaign_id]
        calls = len(ids)
        reached = len(
            {self.held[i]["contact_id"] for i in ids if self.held[i]["outcome"] == "answered"}
        )
        return TeamProgress(calls, reached, 1, calls, reached, (), self.campaign_status)

    def check_results(self, ids: Sequence[str]) -> tuple[str, ...]:
        self._enter("check_results", list(ids))
        return tuple(i for i in ids if i not in self.held)

    def progress(self, campaign_id: int) -> TeamProgress:
        self._enter("progress", campaign_id)
        return self._tally(campaign_id)

    def set_leaderboard_opt_in(self, opt_in: bool) -> bool:
        self._enter("set_leaderboard_opt_in", opt_in)
        return opt_in

    def logout(self) -> None:
        self._enter("logout")
        self.token = None


if TYPE_CHECKING:  # mypy proves the fake fits the port the sync steps use

    def _fake_fits(fake: FakeApi) -> ApiPort:
        return fake
