"""Refused results with their context (a mixin of Store), for the needs-attention list.

Names come from the contacts still held (an outer join): results carry no copy of a
name, so handing contacts back or signing out removes them from this list too.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import and_, select

from caller_app.domain.attention import AttentionEntry, split_owner

from .outbox import REJECTED
from .schema import CampaignRow, ContactRow, ResultRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Attention:
    if TYPE_CHECKING:

        def _read(self) -> AbstractContextManager[Session]: ...
        def _owner(self, s: Session) -> str: ...

    def attention_entries(self) -> list[AttentionEntry]:
        """Every refused result, oldest first, of any account and campaign."""
        with self._read() as s:
            rows = s.execute(
                select(ResultRow, ContactRow.first_name, ContactRow.last_name, CampaignRow.data)
                .outerjoin(
                    ContactRow,
                    and_(
                        ContactRow.batch_id == ResultRow.batch_id,
                        ContactRow.contact_id == ResultRow.contact_id,
                    ),
                )
                .outerjoin(CampaignRow, CampaignRow.id == ResultRow.campaign_id)
                .where(ResultRow.state == REJECTED)
                .order_by(ResultRow.seq)
            )
            entries = []
            for r, first, last, campaign in rows:
                server, username = split_owner(r.owner)
                name = f"{first} {last}".strip() if first is not None else None
                entries.append(
                    AttentionEntry(
                        result_id=r.id,
                        server_url=server,
                        username=username,
                        campaign_id=r.campaign_id,
                        campaign_name=(campaign or {}).get("name"),
                        contact_id=r.contact_id,
                        batch_id=r.batch_id,
                        contact_name=name,
                        outcome=r.outcome,
                        recorded_at=r.recorded_at,
                        code=r.reject_code or "",
                        message=r.reject_message or "",
                        notes=r.notes or "",
                    )
                )
            return entries
