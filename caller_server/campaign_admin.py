"""An organiser's changes to a campaign: list, update in place, pause, resume, close.

The command line and the web console both call these, inside one transaction each,
and both leave an audit entry (audit.py). Status rules (docs/api.md):

- ``active``: leases, renewals and results as usual;
- ``paused``: no new leases (reason ``paused``); renewals and results carry on, so
  volunteers finish the calls they hold;
- ``closed``: not listed, no leases (reason ``closed``) and no renewals (409); every
  live lease is released when it closes; results are still accepted, flagged late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from caller_server import audit, tallies
from caller_server.campaign_file import CampaignSpec, script_version
from caller_server.models import Batch, Campaign, Contact
from caller_server.outcomes import campaign_outcomes
from caller_server.timeutil import utcnow

STATUSES = ("active", "paused", "closed")
LISTED = ("active", "paused")  # what the volunteer API lists
_MOVES = {
    "paused": ({"active"}, "paused"),
    "active": ({"paused"}, "resumed"),
    "closed": ({"active", "paused"}, "closed"),
}
_SETTINGS = (
    "name", "seat", "candidate", "timezone", "calling_hours", "target_contacts_per_hour",
    "batch_size", "max_attempts", "lease_minutes",
)  # fmt: skip


def _reached_codes(script: dict[str, Any] | None) -> set[str]:
    return {o.code for o in campaign_outcomes(script) if o.reached}


class CampaignError(ValueError):
    """No such campaign, or a change its status does not allow; one line for the organiser."""


@dataclass(frozen=True)
class CampaignSummary:
    id: int
    name: str
    status: str
    contacts: int
    done: int
    script_version: str


def get_campaign(session: Session, campaign_id: int, lock: bool = False) -> Campaign:
    campaign = session.get(Campaign, campaign_id, with_for_update=lock or None)
    if campaign is None:
        raise CampaignError(f"no campaign with id {campaign_id}")
    return campaign


def list_campaigns(session: Session) -> list[CampaignSummary]:
    """Every campaign, whatever its status, with its contact counts (one query each)."""
    counts = dict(
        session.execute(
            select(Contact.campaign_id, func.count()).group_by(Contact.campaign_id)
        ).all()
    )
    done = dict(
        session.execute(
            select(Contact.campaign_id, func.count())
            .where(Contact.state == "done")
            .group_by(Contact.campaign_id)
        ).all()
    )
    return [
        CampaignSummary(c.id, c.name, c.status, counts.get(c.id, 0), done.get(c.id, 0),
                        c.script_version)
        for c in session.scalars(select(Campaign).order_by(Campaign.id))
    ]  # fmt: skip


def update_campaign(
    session: Session, campaign_id: int, spec: CampaignSpec, actor: int | None = None
) -> list[str]:
    """Apply a campaign file to an existing campaign in place; the names of what changed.

    A changed script gets a new version (the apps fetch it by ETag); leases, contacts
    and results are untouched. A closed campaign cannot be edited.
    """
    campaign = get_campaign(session, campaign_id, lock=True)
    if campaign.status == "closed":
        raise CampaignError(f"campaign {campaign_id} is closed; it cannot be changed")
    changed = [name for name in _SETTINGS if getattr(campaign, name) != getattr(spec, name)]
    reached_before = _reached_codes(campaign.script)
    for name in changed:
        setattr(campaign, name, getattr(spec, name))
    if campaign.max_held_contacts != spec.held_limit():
        campaign.max_held_contacts = spec.held_limit()
        changed.append("max_held_contacts")
    if campaign.open_to_all != spec.open_to_every_volunteer:
        from caller_server.accounts import release_non_members

        campaign.open_to_all = spec.open_to_every_volunteer
        changed.append("open_to_every_volunteer")
        if not campaign.open_to_all:
            release_non_members(session, campaign_id, utcnow())
    script = spec.script()
    version = script_version(script)
    if version != campaign.script_version:
        campaign.script = script
        campaign.script_version = version
        changed.append("script")
    if "timezone" in changed or _reached_codes(campaign.script) != reached_before:
        tallies.rebuild(session, campaign.id)  # results may now fall on another day
    if changed:
        audit.record(session, actor, "updated", campaign_id, changed=changed,
                     script_version=campaign.script_version)  # fmt: skip
    return changed


def set_status(
    session: Session,
    campaign_id: int,
    status: str,
    actor: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Pause (``paused``), resume (``active``) or close (``closed``) a campaign.

    Returns the number of contacts whose live lease a close released (0 otherwise).
    """
    if status not in _MOVES:
        raise CampaignError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    now = now or utcnow()
    campaign = get_campaign(session, campaign_id, lock=True)
    allowed, action = _MOVES[status]
    if campaign.status not in allowed:
        raise CampaignError(f"campaign {campaign_id} is {campaign.status}; it cannot be {action}")
    campaign.status = status
    released = _release_all(session, campaign_id, now) if status == "closed" else 0
    if status == "closed":
        audit.record(session, actor, action, campaign_id, at=now, released=released)
    else:
        audit.record(session, actor, action, campaign_id, at=now)
    return released


def _release_all(session: Session, campaign_id: int, now: dt.datetime) -> int:
    """Free every contact of the campaign still in a lease; end the batches.

    The batches' contacts are not marked released: a result for one is still
    accepted (late), as for any lease that lapsed. Lock order as elsewhere: batches,
    then contacts.
    """
    batch_ids = list(
        session.scalars(
            select(Batch.id)
            .where(Batch.campaign_id == campaign_id, Batch.released_at.is_(None))
            .order_by(Batch.id)
            .with_for_update()
        )
    )
    ids = list(
        session.scalars(
            select(Contact.id)
            .where(
                Contact.campaign_id == campaign_id,
                Contact.batch_id.is_not(None),
                Contact.state != "done",
            )
            .order_by(Contact.id)
            .with_for_update()
        )
    )
    live = int(
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.id.in_(ids), Contact.lease_expires_at > now)
        )
        or 0
    ) if ids else 0  # fmt: skip
    if ids:
        session.execute(
            update(Contact)
            .where(Contact.id.in_(ids))
            .values(batch_id=None, lease_expires_at=None, state="available")
            .execution_options(synchronize_session=False)
        )
    if batch_ids:
        session.execute(
            update(Batch)
            .where(Batch.id.in_(batch_ids))
            .values(released_at=now)
            .execution_options(synchronize_session=False)
        )
    return live


__all__ = [
    "LISTED",
    "STATUSES",
    "CampaignError",
    "CampaignSummary",
    "get_campaign",
    "list_campaigns",
    "set_status",
    "update_campaign",
]
