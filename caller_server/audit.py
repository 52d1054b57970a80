"""The audit log: who created, changed, paused, imported or exported what, and when.

Both the command line (actor ``None``) and the web console call :func:`record` inside
the transaction that makes the change, so an entry exists exactly when the change
does. ``detail`` holds ids, counts, file names and setting names only, never a name,
phone number, note or answer: the log is shown to every organiser and kept for good.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caller_server.models import AuditEntry
from caller_server.timeutil import utcnow

ACTIONS = (
    "created", "updated", "paused", "resumed", "closed", "imported", "exported",
    "suppressed", "released", "voided", "duplicated",
    # accounts.py (issue 14): ids only, never a name or username.
    "volunteer_added", "role_changed", "disabled", "enabled", "reset_link", "password_set",
    "member_added", "member_removed",
    # invites.py (issue 14): ids and counts only.
    "invite_created", "invite_revoked", "invite_used", "signup_approved", "signup_declined",
)  # fmt: skip
_SCALARS = (str, int, float, bool, type(None))


class AuditError(ValueError):
    """An unknown action or a detail value that is not plain data."""


def _plain(value: Any, where: str) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    raise AuditError(f"audit detail {where} is a {type(value).__name__}, not plain data")


def record(
    session: Session,
    actor: int | None,
    action: str,
    campaign_id: int | None = None,
    at: dt.datetime | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add one entry (the caller commits with its change); `actor` None is the CLI."""
    if action not in ACTIONS:
        raise AuditError(f"unknown audit action {action!r} (one of {', '.join(ACTIONS)})")
    entry = AuditEntry(
        at=at or utcnow(),
        actor_id=actor,
        action=action,
        campaign_id=campaign_id,
        detail=_plain(detail, "detail"),
    )
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, campaign_id: int | None = None, limit: int = 200) -> list[AuditEntry]:
    """The newest entries first, of one campaign or of all."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if campaign_id is not None:
        query = query.where(AuditEntry.campaign_id == campaign_id)
    return list(session.scalars(query))


__all__ = ["ACTIONS", "AuditError", "entries", "record"]
