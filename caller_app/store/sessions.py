"""Calling sessions (a mixin of Store): when they began and what they achieved."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import select

from caller_app.domain.models import SessionStats

from . import convert
from .outbox import DELIVERED, PENDING
from .schema import ResultRow, ScriptRow, SessionRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Sessions:
    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[Session]: ...

    def start_session(self, campaign_id: int) -> int:
        with self._tx() as s:
            row = SessionRow(campaign_id=campaign_id, started_at=dt.datetime.now(dt.UTC))
            s.add(row)
            s.flush()
            return row.id

    def end_session(self, session_id: int) -> None:
        with self._tx() as s:
            row = s.get(SessionRow, session_id)
            if row is not None and row.ended_at is None:
                row.ended_at = dt.datetime.now(dt.UTC)

    def open_session(self, campaign_id: int) -> int | None:
        with self._tx() as s:
            return s.scalar(
                select(SessionRow.id)
                .where(SessionRow.campaign_id == campaign_id, SessionRow.ended_at.is_(None))
                .order_by(SessionRow.id.desc())
                .limit(1)
            )

    def session_stats(self, session_id: int) -> SessionStats:
        """Calls made in a session; a correction replaces the result it supersedes."""
        with self._tx() as s:
            session = s.get(SessionRow, session_id)
            if session is None:
                raise KeyError(session_id)
            rows = list(
                s.scalars(
                    select(ResultRow)
                    .where(ResultRow.session_id == session_id)
                    .order_by(ResultRow.seq)
                )
            )
            script_row = s.get(ScriptRow, session.campaign_id)
            script = convert.script_from_json(script_row.data) if script_row else None
            replaced = {r.supersedes for r in rows if r.supersedes}
            effective = [r for r in rows if r.id not in replaced]
            reached_codes = {o.code for o in script.outcomes if o.reached} if script else set()
            return SessionStats(
                started_at=session.started_at,
                calls=len(effective),
                reached=sum(1 for r in effective if r.outcome in reached_codes),
                by_outcome=dict(Counter(r.outcome for r in effective)),
                uploaded=sum(1 for r in rows if r.state == DELIVERED),
                waiting=sum(1 for r in rows if r.state == PENDING),
            )
