"""Skips (a mixin of Store): contacts passed on without an outcome, sent once.

A skip is written with its contact marked worked in ONE transaction (the next
contact shows at once, offline too); the sync engine sends it later by its id, which
the server answers the same way however often it arrives. It is never a result: it
is not counted as a call and holds only ids.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update

from caller_app.domain.models import Skip

from .schema import ContactRow, SkipRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

SKIP_WINDOW = dt.timedelta(hours=1)  # the server caps skips per rolling hour


def _skip(row: SkipRow) -> Skip:
    return Skip(row.id, row.batch_id, row.contact_id, row.campaign_id, row.skipped_at)


class Skips:
    if TYPE_CHECKING:
        clock: Callable[[], dt.datetime]

        def _tx(self) -> AbstractContextManager[Session]: ...
        def _read(self) -> AbstractContextManager[Session]: ...
        def _owner(self, s: Session) -> str: ...

    def skip(self, batch_id: int, contact_id: int) -> Skip | None:
        """Pass on an unworked contact: queue the skip and take it off the list at once.

        None when the contact is not (or no longer) waiting here: nothing is queued."""
        with self._tx() as s:
            row = s.scalars(
                select(ContactRow).where(
                    ContactRow.batch_id == batch_id,
                    ContactRow.contact_id == contact_id,
                    ContactRow.worked.is_(False),
                )
            ).first()
            if row is None:
                return None
            skip = SkipRow(
                id=str(uuid.uuid4()),
                owner=self._owner(s),
                batch_id=batch_id,
                contact_id=contact_id,
                campaign_id=row.campaign_id,
                skipped_at=self.clock(),
            )
            s.add(skip)
            s.execute(
                update(ContactRow)
                .where(ContactRow.batch_id == batch_id, ContactRow.contact_id == contact_id)
                .values(worked=True)
            )
            result = _skip(skip)
        log.info("skipped contact=%d batch=%d skip=%s", contact_id, batch_id, result.id)
        return result

    def skips_to_send(self) -> list[Skip]:
        """This account's skips the server has not yet confirmed, oldest first."""
        with self._read() as s:
            rows = s.scalars(
                select(SkipRow)
                .where(SkipRow.owner == self._owner(s), SkipRow.sent_at.is_(None))
                .order_by(SkipRow.skipped_at)
            )
            return [_skip(r) for r in rows]

    def mark_skip_sent(self, skip_id: str) -> None:
        """The server answered: never send it again. Rows older than the skip window go."""
        now = self.clock()
        with self._tx() as s:
            s.execute(update(SkipRow).where(SkipRow.id == skip_id).values(sent_at=now))
            s.execute(
                delete(SkipRow).where(
                    SkipRow.sent_at.is_not(None), SkipRow.skipped_at < now - SKIP_WINDOW
                )
            )

    def skips_in_last_hour(self) -> int:
        """This account's skips in the last hour (sent or not): the server caps them."""
        since = self.clock() - SKIP_WINDOW
        with self._read() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(SkipRow)
                    .where(SkipRow.owner == self._owner(s), SkipRow.skipped_at > since)
                )
                or 0
            )

    def oldest_skip_in_window(self) -> dt.datetime | None:
        """When the oldest skip of the last hour was made (one more fits an hour after)."""
        since = self.clock() - SKIP_WINDOW
        with self._read() as s:
            return s.scalar(
                select(func.min(SkipRow.skipped_at)).where(
                    SkipRow.owner == self._owner(s), SkipRow.skipped_at > since
                )
            )

    def unsent_skips_in(self, s: Session, batch_id: int) -> list[int]:
        """Contacts of a batch skipped here but not yet told to the server."""
        return list(
            s.scalars(
                select(SkipRow.contact_id).where(
                    SkipRow.batch_id == batch_id, SkipRow.sent_at.is_(None)
                )
            )
        )
