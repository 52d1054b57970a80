"""The result outbox, as a mixin of Store.

A result is written in one transaction with the "worked" mark of its contact, and
leaves the outbox (state `delivered`) only when the server listed its id as
accepted or duplicate. `upload_started_at` freezes its payload: from then on a
change is a new result that `supersedes` it.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import OperationalError

from caller_app.domain.errors import ExpectedFailure
from caller_app.domain.i18n import QT_TRANSLATE_NOOP
from caller_app.domain.models import AttentionItem, Rejection, Result, ResultDraft

from . import convert
from .schema import ContactRow, ResultRow, SessionRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

PENDING, DELIVERED, REJECTED = "pending", "delivered", "rejected"

_INSERT_RESULT = insert(ResultRow)
_MARK_WORKED = (
    update(ContactRow)
    .where(
        ContactRow.batch_id == bindparam("b_batch_id"),
        ContactRow.contact_id == bindparam("b_contact_id"),
    )
    .values(worked=True)
    .execution_options(synchronize_session=False)
)


class StoreError(ExpectedFailure, RuntimeError):
    """The local database could not be written (disk full, locked, read-only)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Outbox:
    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[Session]: ...
        def _read(self) -> AbstractContextManager[Session]: ...
        def _owner(self, s: Session) -> str: ...

    def record(self, draft: ResultDraft, supersedes: str | None = None) -> Result:
        """Write the result and mark its contact worked, in ONE transaction. No network."""
        if draft.started_at.tzinfo is None or (
            draft.callback_at is not None and draft.callback_at.tzinfo is None
        ):
            raise ValueError("timestamps must carry a time zone")
        try:
            with self._tx() as s:
                session_id = s.scalar(
                    select(SessionRow.id)
                    .where(
                        SessionRow.campaign_id == draft.campaign_id,
                        SessionRow.ended_at.is_(None),
                    )
                    .order_by(SessionRow.id.desc())
                    .limit(1)
                )
                values = dict(
                    id=str(uuid.uuid4()),
                    lease_proof=self._lease_proof(s, draft, supersedes),
                    owner=self._owner(s),
                    session_id=session_id,
                    contact_id=draft.contact_id,
                    batch_id=draft.batch_id,
                    campaign_id=draft.campaign_id,
                    outcome=draft.outcome,
                    started_at=draft.started_at,
                    duration_s=max(0, int(draft.duration_s)),
                    recorded_at=_now(),
                    answers=dict(draft.answers),
                    notes=draft.notes,
                    callback_at=draft.callback_at,
                    supersedes=supersedes,
                    state=PENDING,
                )
                # Core statements with bound parameters (compiled once), not the ORM's
                # unit of work: this commit runs on the GUI thread after every call.
                s.execute(_INSERT_RESULT, values)
                s.execute(
                    _MARK_WORKED, {"b_batch_id": draft.batch_id, "b_contact_id": draft.contact_id}
                )
                result = convert.result_from_row(ResultRow(**values))
        except OperationalError as exc:
            log.error("could not save a result: %s", type(exc.orig).__name__)
            raise StoreError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The call could not be saved on this computer (is the disk full?). "
                    "Nothing was lost; please try again.",
                )
            ) from exc
        log.info(
            "recorded result=%s contact=%d batch=%d", result.id, result.contact_id, result.batch_id
        )
        return result

    @staticmethod
    def _lease_proof(s: Session, draft: ResultDraft, supersedes: str | None) -> str | None:
        """The proof of the lease the call was made under (a correction: its original's)."""
        if supersedes is not None:
            return s.scalar(select(ResultRow.lease_proof).where(ResultRow.id == supersedes))
        return s.scalar(
            select(ContactRow.lease_proof).where(
                ContactRow.batch_id == draft.batch_id, ContactRow.contact_id == draft.contact_id
            )
        )

    def record_correction(self, original_id: str, draft: ResultDraft) -> Result:
        """A new result replacing `original_id` (whose payload may already be frozen).

        It supersedes the *latest* result of `original_id`'s chain: the server takes one
        correction per result and refuses one naming a result already corrected
        (`already_corrected`), so correcting A after B corrected it must name B.
        """
        return self.record(draft, supersedes=self.latest_in_chain(original_id))

    def latest_in_chain(self, result_id: str) -> str:
        """The newest result that (transitively) corrects `result_id`, else `result_id`.

        Refused results are skipped: the server does not hold them, so a correction
        naming one would be refused in turn. Deleted (undone or dismissed) ones are gone.
        """
        with self._read() as s:
            latest, seen = result_id, {result_id}
            while True:
                newer = s.scalar(
                    select(ResultRow.id)
                    .where(ResultRow.supersedes == latest, ResultRow.state != REJECTED)
                    .order_by(ResultRow.seq.desc())
                    .limit(1)
                )
                if newer is None or newer in seen:  # end of the chain (or a corrupt loop)
                    return latest
                seen.add(newer)
                latest = newer

    def undo_last(self, campaign_id: int) -> Result | None:
        """Take back the campaign's latest result if its upload has not begun.

        Returns the removed result (its contact is unworked again), or None when the
        latest result is already on its way; the UI then offers a correction.
        """
        with self._tx() as s:
            row = s.scalars(
                select(ResultRow)
                .where(ResultRow.campaign_id == campaign_id)
                .order_by(ResultRow.seq.desc())
                .limit(1)
            ).first()
            if row is None or row.state != PENDING or row.upload_started_at is not None:
                return None
            result = convert.result_from_row(row)
            s.delete(row)
            # An undone correction leaves the contact worked: the result it corrected
            # still stands (and the UI goes back to correcting that one).
            if row.supersedes is None:
                s.execute(
                    update(ContactRow)
                    .where(
                        ContactRow.batch_id == row.batch_id,
                        ContactRow.contact_id == row.contact_id,
                    )
                    .values(worked=False)
                )
        log.info("undid result=%s", result.id)
        return result

    def claim_for_upload(self, limit: int = 100) -> list[Result]:
        """The oldest waiting results of the signed-in account, frozen from now on."""
        with self._tx() as s:
            rows = list(
                s.scalars(
                    select(ResultRow)
                    .where(ResultRow.state == PENDING, ResultRow.owner == self._owner(s))
                    .order_by(ResultRow.seq)
                    .limit(limit)
                )
            )
            now = _now()
            for row in rows:
                if row.upload_started_at is None:
                    row.upload_started_at = now
            return [convert.result_from_row(r) for r in rows]

    def mark_delivered(self, ids: Iterable[str]) -> int:
        """The server holds these results: they leave the outbox."""
        ids = list(ids)
        if not ids:
            return 0
        with self._tx() as s:
            count = s.execute(
                update(ResultRow)
                .where(ResultRow.id.in_(ids), ResultRow.state == PENDING)
                .values(state=DELIVERED, delivered_at=_now())
            ).rowcount  # type: ignore[attr-defined]
        return count or 0

    def mark_rejected(self, rejections: Iterable[Rejection]) -> int:
        count = 0
        with self._tx() as s:
            for r in rejections:
                count += (
                    s.execute(
                        update(ResultRow)
                        .where(ResultRow.id == r.result_id, ResultRow.state == PENDING)
                        .values(state=REJECTED, reject_code=r.code, reject_message=r.message)
                    ).rowcount  # type: ignore[attr-defined]
                    or 0
                )
        return count

    def retry_attention(self, result_ids: Iterable[str]) -> int:
        """The volunteer asks to send refused results again: back to pending, same id and
        payload (a refusal may have been the server's mistake, since fixed)."""
        ids = list(result_ids)
        if not ids:
            return 0
        with self._tx() as s:
            count = s.execute(
                update(ResultRow)
                .where(ResultRow.id.in_(ids), ResultRow.state == REJECTED)
                .values(state=PENDING, reject_code=None, reject_message=None)
            ).rowcount  # type: ignore[attr-defined]
        log.info("%d refused results queued again", count or 0)
        return count or 0

    # -- reconciliation: does the server still hold what it accepted? -------------------
    def unconfirmed_ids(self) -> list[str]:
        """Delivered results of the signed-in account not yet confirmed by a check."""
        return self._delivered_ids(ResultRow.confirmed_at.is_(None))

    def ids_to_check(self, since: dt.datetime) -> list[str]:
        """Delivered results of the signed-in account to check: the unconfirmed, and every
        one recorded since `since` even if confirmed (a backup older than the check lost
        those too)."""
        return self._delivered_ids(
            or_(ResultRow.confirmed_at.is_(None), ResultRow.recorded_at >= since)
        )

    def _delivered_ids(self, condition: ColumnElement[bool]) -> list[str]:
        with self._read() as s:
            query = (
                select(ResultRow.id)
                .where(ResultRow.state == DELIVERED, ResultRow.owner == self._owner(s), condition)
                .order_by(ResultRow.seq)
            )
            return list(s.scalars(query))

    def apply_check(self, checked: Iterable[str], missing: Iterable[str]) -> int:
        """The server holds `checked` minus `missing`: confirm those; the missing go back to
        pending (same id, same frozen payload) to be sent again. Returns how many."""
        lost = set(missing)
        held = [i for i in checked if i not in lost]
        with self._tx() as s:
            s.execute(
                update(ResultRow)
                .where(ResultRow.id.in_(held), ResultRow.state == DELIVERED)
                .values(confirmed_at=_now())
            )
            count = s.execute(
                update(ResultRow)
                .where(ResultRow.id.in_(list(lost)), ResultRow.state == DELIVERED)
                .values(state=PENDING, delivered_at=None, confirmed_at=None)
            ).rowcount  # type: ignore[attr-defined]
        return count or 0

    def needs_attention(self) -> list[AttentionItem]:
        with self._read() as s:
            rows = s.scalars(
                select(ResultRow).where(ResultRow.state == REJECTED).order_by(ResultRow.seq)
            )
            return [
                AttentionItem(
                    convert.result_from_row(r), r.reject_code or "", r.reject_message or ""
                )
                for r in rows
            ]

    def dismiss_attention(self, result_id: str) -> None:
        """The volunteer has seen a refused result; drop it from the list."""
        with self._tx() as s:
            s.execute(
                delete(ResultRow).where(ResultRow.id == result_id, ResultRow.state == REJECTED)
            )

    def outbox_counts(self) -> tuple[int, int]:
        """(results waiting, results needing attention) in one query: the status bar
        asks after every save, on the GUI thread."""
        with self._read() as s:
            rows = s.execute(
                select(ResultRow.state, func.count())
                .where(ResultRow.state.in_((PENDING, REJECTED)))
                .group_by(ResultRow.state)
            )
            counts = {state: n for state, n in rows}
        return int(counts.get(PENDING, 0)), int(counts.get(REJECTED, 0))

    def waiting_count(self) -> int:
        with self._read() as s:
            return int(
                s.scalar(
                    select(func.count()).select_from(ResultRow).where(ResultRow.state == PENDING)
                )
                or 0
            )

    def result(self, result_id: str) -> Result | None:
        with self._read() as s:
            row = s.scalars(select(ResultRow).where(ResultRow.id == result_id)).first()
            return convert.result_from_row(row) if row else None

    def results(self, state: str | None = None) -> list[Result]:
        """All results in recording order (optionally of one state); for tests and stats."""
        return list(self._iter_results(state))

    def _iter_results(self, state: str | None) -> Iterator[Result]:
        with self._read() as s:
            query = select(ResultRow).order_by(ResultRow.seq)
            if state is not None:
                query = query.where(ResultRow.state == state)
            rows = list(s.scalars(query))
        yield from (convert.result_from_row(r) for r in rows)
