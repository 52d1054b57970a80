"""Leased batches and their contacts (a mixin of Store).

A contact is offered only while its batch's lease has not ended by our own wall
clock (`Store.clock`), which keeps running while the laptop sleeps. Renewal replies
are the truth about which contacts we still hold: the others are deleted at once
(they are personal data, and someone else is calling them).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update

from caller_app.domain.models import Contact

from . import convert
from .outbox import PENDING, REJECTED
from .schema import BatchRow, ContactRow, PendingLease, ResultRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


class Leases:
    if TYPE_CHECKING:
        clock: Callable[[], dt.datetime]

        def _tx(self) -> AbstractContextManager[Session]: ...
        def _read(self) -> AbstractContextManager[Session]: ...
        def _owner(self, s: Session) -> str: ...
        def checkpoint(self) -> None: ...
        def unsent_skips_in(self, s: Session, batch_id: int) -> list[int]: ...

    def lease_request_id(self, campaign_id: int) -> str:
        """The request_id for the next batch request; the same one until a reply arrives."""
        with self._tx() as s:
            row = s.get(PendingLease, campaign_id)
            if row is None:
                row = PendingLease(campaign_id=campaign_id, request_id=str(uuid.uuid4()))
                s.add(row)
            return row.request_id

    def clear_lease_request(self, campaign_id: int) -> None:
        with self._tx() as s:
            s.execute(delete(PendingLease).where(PendingLease.campaign_id == campaign_id))

    def add_batch(
        self,
        batch_id: int,
        campaign_id: int,
        lease_expires_at: dt.datetime,
        contacts: Iterable[Contact],
    ) -> int:
        """Store a leased batch; returns how many contacts joined the queue.

        Idempotent (a batch seen again adds only new contacts), and no contact is
        queued twice: an unworked copy from an older batch goes (this lease replaces
        it); a contact whose result we hold but the server may not is not added again.
        """
        now = self.clock()
        with self._tx() as s:
            batch = s.get(BatchRow, batch_id)
            if batch is None:
                s.add(
                    BatchRow(
                        id=batch_id,
                        campaign_id=campaign_id,
                        lease_expires_at=lease_expires_at,
                        leased_at=now,
                        lease_set_at=now,
                    )
                )
            else:
                batch.lease_expires_at, batch.lease_set_at = lease_expires_at, now
            known = set(
                s.scalars(select(ContactRow.contact_id).where(ContactRow.batch_id == batch_id))
            )
            fresh = {c.id: c for c in contacts if c.id not in known}
            worked = set(
                s.scalars(
                    select(ResultRow.contact_id).where(
                        ResultRow.campaign_id == campaign_id,
                        ResultRow.contact_id.in_(list(fresh)),
                        ResultRow.state.in_((PENDING, REJECTED)),
                        ResultRow.owner == self._owner(s),
                    )
                )
            )
            replaced = s.execute(
                delete(ContactRow).where(
                    ContactRow.campaign_id == campaign_id,
                    ContactRow.contact_id.in_([i for i in fresh if i not in worked]),
                    ContactRow.batch_id != batch_id,
                    ContactRow.worked.is_(False),
                )
            ).rowcount  # type: ignore[attr-defined]
            for contact_id, c in fresh.items():
                if contact_id not in worked:
                    s.add(convert.contact_to_row(c, batch_id, campaign_id))
            s.execute(delete(PendingLease).where(PendingLease.campaign_id == campaign_id))
        added = len(fresh) - len(worked)
        if replaced or worked:
            log.info(
                "batch=%d: %d contacts moved from older batches, %d already worked",
                batch_id,
                replaced or 0,
                len(worked),
            )
        return added

    def _unworked(self, campaign_id: int) -> Any:
        """Unworked contacts whose lease has not ended by our wall clock."""
        return (
            select(ContactRow)
            .join(BatchRow, BatchRow.id == ContactRow.batch_id)
            .where(
                ContactRow.campaign_id == campaign_id,
                ContactRow.worked.is_(False),
                BatchRow.released.is_(False),
                BatchRow.lease_expires_at > self.clock(),
            )
        )

    def next_contact(self, campaign_id: int) -> Contact | None:
        """The first unworked contact still leased, in the order the batches were leased."""
        with self._read() as s:
            query = self._unworked(campaign_id).order_by(
                BatchRow.leased_at, BatchRow.id, ContactRow.rowid
            )
            row = s.scalars(query.limit(1)).first()
            return convert.contact_from_row(row) if row else None

    def remaining(self, campaign_id: int) -> int:
        """Unworked contacts still leased (a lapsed lease counts only once renewed)."""
        with self._read() as s:
            sub = self._unworked(campaign_id).subquery()
            return int(s.scalar(select(func.count()).select_from(sub)) or 0)

    def same_number(self, contact: Contact) -> list[str]:
        """First names of the others in this contact's batch who share its number: a
        household, leased together so that one volunteer rings that phone."""
        with self._read() as s:
            return list(
                s.scalars(
                    select(ContactRow.first_name)
                    .where(
                        ContactRow.batch_id == contact.batch_id,
                        ContactRow.phone == contact.phone,
                        ContactRow.contact_id != contact.id,
                    )
                    .order_by(ContactRow.rowid)
                )
            )

    def contact(self, batch_id: int, contact_id: int) -> Contact | None:
        with self._read() as s:
            row = s.scalars(
                select(ContactRow).where(
                    ContactRow.batch_id == batch_id, ContactRow.contact_id == contact_id
                )
            ).first()
            return convert.contact_from_row(row) if row else None

    def live_batches(self, campaign_id: int | None = None) -> list[tuple[int, dt.datetime]]:
        """Batches still held (not released): (batch_id, lease_expires_at)."""
        with self._read() as s:
            query = select(BatchRow).where(BatchRow.released.is_(False)).order_by(BatchRow.id)
            if campaign_id is not None:
                query = query.where(BatchRow.campaign_id == campaign_id)
            return [(b.id, b.lease_expires_at) for b in s.scalars(query)]

    def _renew_points(self, every_s: float) -> dict[int, dt.datetime]:
        """When each held batch with unworked contacts wants renewing: half-way through
        its lease, and at least every `every_s` seconds."""
        with self._read() as s:
            with_work = select(ContactRow.batch_id).where(ContactRow.worked.is_(False)).distinct()
            rows = s.scalars(
                select(BatchRow).where(BatchRow.released.is_(False), BatchRow.id.in_(with_work))
            )
            points = {}
            for b in rows:
                set_at = b.lease_set_at or b.leased_at
                half = set_at + max(b.lease_expires_at - set_at, dt.timedelta(0)) / 2
                points[b.id] = min(half, set_at + dt.timedelta(seconds=every_s))
            return points

    def batches_to_renew(self, every_s: float, force: bool = False) -> list[int]:
        """Held batches due for renewal by the wall clock (all of them when forced)."""
        now = self.clock()
        return sorted(b for b, at in self._renew_points(every_s).items() if force or at <= now)

    def next_renew_at(self, every_s: float) -> dt.datetime | None:
        return min(self._renew_points(every_s).values(), default=None)

    def apply_renewal(
        self, batch_id: int, lease_expires_at: dt.datetime, contact_ids: Iterable[int]
    ) -> int:
        """The server renewed: keep only the unworked contacts it says we still hold.

        Returns how many went (to another volunteer, or finished meanwhile)."""
        held = list(contact_ids)
        with self._tx() as s:
            batch = s.get(BatchRow, batch_id)
            if batch is None or batch.released:
                return 0
            batch.lease_expires_at, batch.lease_set_at = lease_expires_at, self.clock()
            lost = (
                s.execute(
                    delete(ContactRow).where(
                        ContactRow.batch_id == batch_id,
                        ContactRow.worked.is_(False),
                        ContactRow.contact_id.not_in(held),
                    )
                ).rowcount  # type: ignore[attr-defined]
                or 0
            )
        if lost:
            self.checkpoint()
            log.info("batch=%d renewed; %d contacts no longer held", batch_id, lost)
        return lost

    def update_lease(self, batch_id: int, lease_expires_at: dt.datetime) -> None:
        with self._tx() as s:
            s.execute(
                update(BatchRow)
                .where(BatchRow.id == batch_id)
                .values(lease_expires_at=lease_expires_at, lease_set_at=self.clock())
            )

    def release_batch(self, batch_id: int) -> list[int]:
        """Give a batch back locally: delete all its contacts, remember the unworked ids.

        The batch row stays (released) until `drop_batch` after the server confirmed
        the release, so a release that failed offline is retried later.
        """
        with self._tx() as s:
            batch = s.get(BatchRow, batch_id)
            if batch is None:
                return []
            if batch.released:
                return list(batch.release_ids or [])
            ids = list(
                s.scalars(
                    select(ContactRow.contact_id).where(
                        ContactRow.batch_id == batch_id, ContactRow.worked.is_(False)
                    )
                )
            )
            # Skipped here but not yet told: the release gives those back too.
            ids += [i for i in self.unsent_skips_in(s, batch_id) if i not in ids]
            batch.released = True
            batch.release_ids = ids
            s.execute(delete(ContactRow).where(ContactRow.batch_id == batch_id))
        self.checkpoint()
        return ids

    def batches_to_release(self) -> list[tuple[int, list[int]]]:
        with self._read() as s:
            rows = s.scalars(select(BatchRow).where(BatchRow.released.is_(True)))
            return [(b.id, list(b.release_ids or [])) for b in rows]

    def drop_batch(self, batch_id: int) -> None:
        with self._tx() as s:
            s.execute(delete(ContactRow).where(ContactRow.batch_id == batch_id))
            s.execute(delete(BatchRow).where(BatchRow.id == batch_id))

    def retire_finished_batches(self) -> list[int]:
        """Drop held batches with no unworked contact and no result waiting to upload."""
        with self._tx() as s:
            dropped = []
            for b in s.scalars(select(BatchRow).where(BatchRow.released.is_(False))):
                unworked = s.scalar(
                    select(func.count())
                    .select_from(ContactRow)
                    .where(ContactRow.batch_id == b.id, ContactRow.worked.is_(False))
                )
                waiting = s.scalar(
                    select(func.count())
                    .select_from(ResultRow)
                    .where(ResultRow.batch_id == b.id, ResultRow.state == PENDING)
                )
                if not unworked and not waiting:
                    dropped.append(b.id)
            for batch_id in dropped:
                s.execute(delete(ContactRow).where(ContactRow.batch_id == batch_id))
                s.execute(delete(BatchRow).where(BatchRow.id == batch_id))
        if dropped:
            self.checkpoint()
        return dropped
