"""Calling sessions (a mixin of Store): when they began and what they achieved."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from caller_app.domain.models import SessionStats

from . import convert
from .outbox import DELIVERED, PENDING, REJECTED
from .schema import ResultRow, ScriptRow, SessionRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Sessions:
    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[Session]: ...
        def _read(self) -> AbstractContextManager[Session]: ...

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
        with self._read() as s:
            return s.scalar(
                select(SessionRow.id)
                .where(SessionRow.campaign_id == campaign_id, SessionRow.ended_at.is_(None))
                .order_by(SessionRow.id.desc())
                .limit(1)
            )

    def session_stats(self, session_id: int) -> SessionStats:
        """Calls made in a session; a correction replaces the result it supersedes."""
        with self._read() as s:
            session = s.get(SessionRow, session_id)
            if session is None:
                raise KeyError(session_id)
            # Counted by the database (two GROUP BYs on the session index), not by loading
            # every result of the session: this runs on the GUI thread after each call.
            replaced = (
                select(ResultRow.supersedes)
                .where(ResultRow.session_id == session_id, ResultRow.supersedes.is_not(None))
                .scalar_subquery()
            )
            by_outcome = {
                outcome: int(n)
                for outcome, n in s.execute(
                    select(ResultRow.outcome, func.count())
                    .where(ResultRow.session_id == session_id, ResultRow.id.not_in(replaced))
                    .group_by(ResultRow.outcome)
                )
            }
            # Per call too: the state of each call's current result (an uploaded
            # correction is the same call uploaded, not one more).
            by_state = {
                state: int(n)
                for state, n in s.execute(
                    select(ResultRow.state, func.count())
                    .where(ResultRow.session_id == session_id, ResultRow.id.not_in(replaced))
                    .group_by(ResultRow.state)
                )
            }
            script_row = s.get(ScriptRow, session.campaign_id)
            script = convert.script_from_json(script_row.data) if script_row else None
            reached_codes = {o.code for o in script.outcomes if o.reached} if script else set()
            return SessionStats(
                started_at=session.started_at,
                calls=sum(by_outcome.values()),
                reached=sum(n for code, n in by_outcome.items() if code in reached_codes),
                by_outcome=by_outcome,
                uploaded=by_state.get(DELIVERED, 0),
                waiting=by_state.get(PENDING, 0),
                needs_attention=by_state.get(REJECTED, 0),
            )
