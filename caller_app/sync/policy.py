"""The sync engine's numbers, in one frozen, typed place.

Every delay, size and limit the sync steps go by lives here instead of as literals in
the code or an untyped dict of keyword arguments: tests and benchmarks build a
`SyncPolicy` with quicker retries, the app uses the defaults. Pure Python (no Qt).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from caller_app.domain.contract import MAX_BATCH_SIZE


@dataclass(frozen=True)
class SyncPolicy:
    # Backoff with full jitter after a failure (per step, and for a whole cycle).
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    # A Retry-After longer than this is not waited out in full.
    max_retry_after_s: float = 3600.0
    # Lease more while fewer than this many contacts are left to call.
    prefetch_below: int = 5
    # Lease requests in one cycle at most (a server handing out empty batches stops it).
    lease_rounds: int = 3
    # The server's limit on one batch (domain.contract, as the server's contract), and the
    # size asked for when the campaign is not known yet.
    max_batch_size: int = MAX_BATCH_SIZE
    default_batch_size: int = 20
    # Results per upload request; halved on a 413/422 to a larger request.
    upload_chunk: int = 100
    # Replies to an upload of several results that mean "too much or one bad: split".
    split_statuses: tuple[int, ...] = (413, 422)
    # The reply to a request holding one result alone that parks that result.
    park_status: int = 422
    # Replies to a renewal or release that mean "this batch is not yours any more".
    batch_gone_statuses: tuple[int, ...] = (404, 409)
    # Renew leases at least this often (and whenever half a lease is gone).
    renew_every_s: float = 300.0
    # The tally (the leaderboard, other callers' calls) is polled this often; our own
    # calls arrive with each upload's reply (issue 15: polls were most of the requests).
    progress_every_s: float = 300.0
    script_every_s: float = 300.0
    # After the server had no contacts for us, ask again this soon at the latest.
    empty_retry_s: float = 60.0
    # The engine wakes at least this often even with nothing due.
    idle_every_s: float = 60.0
    # Sleep detection: look this often; a wall-clock jump this large is a wake-up.
    wake_check_s: float = 10.0
    wake_jump_s: float = 30.0
    # After an upload to a server whose reply carries no tallies (an older one), the
    # tally is fetched this soon, so the volunteer sees their own calls counted.
    tally_after_upload_s: float = 5.0

    def replace(self, **changes: Any) -> SyncPolicy:
        """A copy with some numbers changed (unknown names raise TypeError)."""
        return dataclasses.replace(self, **changes)

    def batch_size(self, wanted: int | None) -> int:
        """The batch size to ask for: the campaign's, within 1..max_batch_size."""
        size = wanted if wanted is not None else self.default_batch_size
        return min(self.max_batch_size, max(1, size))
