"""Leasing batches of contacts to volunteers.

PostgreSQL picks contacts with `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent
volunteers never wait for each other nor get the same contact. SQLite has no row
locks (SQLAlchemy silently drops `with_for_update` there); its engine starts every
transaction with `BEGIN IMMEDIATE`, so lease transactions run one after another.
A contact is in a live lease while `batch_id` is set and `lease_expires_at` is ahead.

The edges (docs/api.md): a lease never runs past the end of tonight's calling hours; a
volunteer holds at most the campaign's `max_held_contacts` live contacts and may
create at most `leases_per_minute` batches a minute (counted in the database, so every
server process sees the same count); renewing revives a lapsed lease for contacts
nobody else has leased since; each contact carries a `lease_proof` (lease_proof.py).

Households: contacts of one campaign sharing a phone number are leased together. When
a contact is picked, its siblings that are free and due come in the same batch (the
batch may be a little larger than asked, and the volunteer's holding a little over
`max_held_contacts`); a contact whose sibling is in a live lease is not picked. On
PostgreSQL a household is taken only when every free sibling could be locked: when
two transactions each lock part of one, both leave it for the next lease rather than
split it. Every lessee of a household locks all its free members, so two live leases
never share a number.

Campaign status (campaign_admin.py): a paused or closed campaign leases nothing. The
lease reads the status under a share lock, so closing (which locks the row) waits for
leases under way and then releases them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import ColumnElement, Exists

from caller_server import calling_hours, lease_proof, recovery
from caller_server.contract import (
    MAX_BATCH_SIZE,
    MAX_PREVIOUS_ATTEMPTS,
    SKIP_COOLDOWN_HOURS,
    SKIPS_PER_HOUR,
)
from caller_server.models import (
    Batch,
    BatchContact,
    Campaign,
    Contact,
    Result,
    Skip,
    Suppression,
    Volunteer,
)
from caller_server.outcomes import campaign_outcomes
from caller_server.timeutil import as_utc

DEFAULT_LEASES_PER_MINUTE = 6
RATE_WINDOW = dt.timedelta(seconds=60)
SKIP_WINDOW = dt.timedelta(hours=1)
SKIP_COOLDOWN = dt.timedelta(hours=SKIP_COOLDOWN_HOURS)


class Throttled(Exception):
    """Too many new batches in the last minute; `retry_after` seconds until one more fits."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class NotFound(LookupError):
    """No such batch for this volunteer (another volunteer's batch looks the same)."""


@dataclass
class BatchView:
    campaign_id: int
    batch_id: int | None = None
    lease_expires_at: dt.datetime | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None
    opens_at: dt.datetime | None = None
    lease_expires_in_s: int | None = None
    # `no_contacts` only: when the first contact waiting for a retry may be leased again
    # (inside calling hours), and how many contacts wait for one.
    next_retry_at: dt.datetime | None = None
    retries_waiting: int = 0


@dataclass
class RenewView:
    batch_id: int
    lease_expires_at: dt.datetime
    lease_expires_in_s: int
    contact_ids: list[int]


def seconds_left(expires: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds of lease left by the server's clock (never negative)."""
    return max(0, int((as_utc(expires) - now).total_seconds()))


def lease_end(campaign: Campaign, now: dt.datetime) -> dt.datetime:
    """Now + the campaign's lease, cut at the end of tonight's calling hours."""
    expires = now + dt.timedelta(minutes=campaign.lease_minutes)
    closes = calling_hours.closes_at(campaign.calling_hours, campaign.timezone, now)
    return min(expires, closes) if closes is not None else expires


def _suppressed(campaign_id: int) -> Exists:
    return exists().where(
        Suppression.phone == Contact.phone,
        or_(Suppression.campaign_id.is_(None), Suppression.campaign_id == campaign_id),
    )


def campaign_status(session: Session, campaign_id: int, lock: bool = False) -> str | None:
    """The campaign's status; `lock` takes a share lock (PostgreSQL) against a close."""
    query = select(Campaign.status).where(Campaign.id == campaign_id)
    if lock:
        query = query.with_for_update(read=True)
    return session.execute(query).scalar()


def _contact_views(
    session: Session, contacts: list[Contact], volunteer_id: int, batch_id: int
) -> list[dict[str, Any]]:
    secret = lease_proof.server_secret(session) if contacts else b""
    ids = [c.id for c in contacts]
    notes: dict[int, list[str]] = {i: [] for i in ids}
    attempts: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(
            select(Result.contact_id, Result.notes)
            .where(Result.contact_id.in_(ids), Result.notes != "")
            .order_by(Result.started_at)
        ).all()
        for contact_id, text in rows:
            notes[contact_id].append(text)
        attempts = _previous_attempts(session, contacts[0].campaign_id, ids)
    household: dict[str, int] = {}
    for c in contacts:
        household[c.phone] = household.get(c.phone, 0) + 1
    return [
        {
            "id": c.id,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "phone": c.phone,
            "ward": c.ward or "",
            "attempt": c.attempts + 1,
            "previous_notes": notes[c.id],
            "previous_attempts": attempts[c.id],
            "attributes": {str(k): str(v) for k, v in (c.attributes or {}).items()},
            "lease_proof": lease_proof.make(secret, volunteer_id, batch_id, c.id),
            "household_size": household[c.phone],
            "same_number": household[c.phone] > 1,
        }
        for c in contacts
    ]


def _previous_attempts(
    session: Session, campaign_id: int, ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """Each contact's current earlier results, newest first, at most
    MAX_PREVIOUS_ATTEMPTS: what was said before. A corrected result is left out (its
    correction stands for the call) and so is a voided one."""
    campaign = session.get(Campaign, campaign_id)
    labels = {o.code: o.label for o in campaign_outcomes(campaign.script if campaign else None)}
    newer = aliased(Result)
    corrected = exists().where(newer.supersedes == Result.id, newer.voided_at.is_(None))
    rows = session.execute(
        select(Result.contact_id, Result.outcome, Result.started_at, Result.notes)
        .where(Result.contact_id.in_(ids), Result.voided_at.is_(None), ~corrected)
        .order_by(Result.contact_id, Result.started_at.desc(), Result.received_at.desc())
    ).all()
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for contact_id, outcome, started_at, text in rows:
        if len(out[contact_id]) < MAX_PREVIOUS_ATTEMPTS:
            out[contact_id].append(
                {
                    "outcome": outcome,
                    "label": labels.get(outcome, outcome),
                    "at": as_utc(started_at),
                    "notes": text,
                }
            )
    return out


def _recently_skipped(volunteer_id: int, now: dt.datetime) -> Exists:
    """This volunteer skipped the contact a short while ago: not leased to them again."""
    return exists().where(
        Skip.contact_id == Contact.id,
        Skip.volunteer_id == volunteer_id,
        Skip.at > now - SKIP_COOLDOWN,
    )


def _free(now: dt.datetime) -> ColumnElement[bool]:
    """Not in a live lease."""
    return or_(
        Contact.batch_id.is_(None),
        Contact.lease_expires_at.is_(None),
        Contact.lease_expires_at <= now,
    )


def _household_busy(campaign_id: int, now: dt.datetime) -> Exists:
    """Another contact with this number is in a live lease: picking this one would split."""
    sibling = aliased(Contact)
    return exists().where(
        sibling.campaign_id == campaign_id,
        sibling.phone == Contact.phone,
        sibling.id != Contact.id,
        sibling.state != "done",
        sibling.batch_id.is_not(None),
        sibling.lease_expires_at > now,
    )


def pick_queries(
    campaign_id: int, size: int, now: dt.datetime, volunteer_id: int
) -> tuple[Select[Contact], ...]:
    """The three parts of a pick, each read in the order of an index (see `_pick`):
    fresh contacts by id, due retries by time (`ix_contacts_pick`), and contacts whose
    lease ran out.

    The fresh part walks `ix_contacts_fresh_pick`, a partial index of exactly the
    never-tried available contacts (`models.FRESH_PICK`), so it steps over none of
    those leased or done tonight. It says `campaign_id BETWEEN c AND c` and orders by
    (campaign_id, id) on purpose: with `campaign_id = c` PostgreSQL's planner reduces
    that order to plain id order, which the primary key serves too, and picks the
    primary key whenever most contacts are still fresh (its cost model spreads the
    done ones evenly, not at the lowest ids where they are), then filters out every
    contact done tonight (9.9 ms at 1,000,000 contacts and 20,000 done, growing with
    the evening's calls). Only the partial index gives (campaign_id, id) order.
    """
    base = (
        select(Contact)
        .where(
            _free(now),
            ~_suppressed(campaign_id),
            ~_household_busy(campaign_id, now),
            ~_recently_skipped(volunteer_id, now),
        )
        .limit(size)
        .with_for_update(skip_locked=True, of=Contact)
    )
    in_campaign = base.where(Contact.campaign_id == campaign_id)
    return (
        base.where(
            Contact.campaign_id.between(campaign_id, campaign_id),
            Contact.state == "available",
            Contact.next_call_after.is_(None),
        ).order_by(Contact.campaign_id, Contact.id),
        in_campaign.where(Contact.state == "available", Contact.next_call_after <= now).order_by(
            Contact.next_call_after, Contact.id
        ),
        in_campaign.where(
            Contact.state == "leased",
            or_(Contact.next_call_after.is_(None), Contact.next_call_after <= now),
        ).order_by(Contact.next_call_after.is_not(None), Contact.next_call_after, Contact.id),
    )


def _pick(
    session: Session, campaign_id: int, size: int, now: dt.datetime, volunteer_id: int
) -> list[Contact]:
    """The next `size` free contacts (never tried first, by id; then due retries),
    each with its household (module docstring).

    One query over every contact that is not done would sort the whole campaign on
    each lease (0.2-0.3 s at 100,000 contacts). Instead each part is read in the
    order of an index and the parts are merged: fresh available contacts,
    available retries now due, and contacts whose lease ran out (few at any time).
    """
    found: dict[int, Contact] = {}
    for query in pick_queries(campaign_id, size, now, volunteer_id):
        for contact in session.scalars(query):
            found[contact.id] = contact
    ordered = sorted(
        found.values(),
        key=lambda c: (
            c.next_call_after is not None,
            as_utc(c.next_call_after) if c.next_call_after else now,
            c.id,
        ),
    )
    return _with_households(session, campaign_id, ordered[:size], size, now, volunteer_id)


def _with_households(
    session: Session,
    campaign_id: int,
    picked: list[Contact],
    size: int,
    now: dt.datetime,
    volunteer_id: int,
) -> list[Contact]:
    """`picked` with each contact's free, due siblings right after it.

    A household some of whose free members another transaction holds locked is left
    out whole. Households are added while the batch is smaller than `size`.
    """
    if not picked:
        return []
    phones = sorted({c.phone for c in picked})
    pickable = and_(
        Contact.campaign_id == campaign_id,
        Contact.phone.in_(phones),
        Contact.state != "done",
        or_(Contact.next_call_after.is_(None), Contact.next_call_after <= now),
        _free(now),
        ~_recently_skipped(volunteer_id, now),
    )
    expected: dict[str, int] = dict(
        session.execute(
            select(Contact.phone, func.count()).where(pickable).group_by(Contact.phone)
        ).all()
    )
    members: dict[str, list[Contact]] = {}
    for contact in picked:
        members.setdefault(contact.phone, []).append(contact)
    picked_ids = [c.id for c in picked]
    siblings = session.scalars(
        select(Contact)
        .where(pickable, Contact.id.not_in(picked_ids))
        .order_by(Contact.id)
        .with_for_update(skip_locked=True, of=Contact)
    )
    for contact in siblings:
        members[contact.phone].append(contact)
    out: list[Contact] = []
    for contact in picked:
        if len(out) >= size:
            break
        household = members.pop(contact.phone, None)
        if household is None:
            continue  # already placed with an earlier member
        if len(household) < expected.get(contact.phone, 0):
            continue  # another lease is taking part of it right now: leave it whole
        out.extend(household)
    return out


def batch_view(session: Session, batch: Batch, now: dt.datetime) -> BatchView:
    """The batch with the contacts still leased in it."""
    contacts = session.scalars(
        select(Contact)
        .join(
            BatchContact,
            and_(BatchContact.contact_id == Contact.id, BatchContact.batch_id == batch.id),
        )
        .where(Contact.batch_id == batch.id)
        .order_by(BatchContact.position)
    ).all()
    return BatchView(
        campaign_id=batch.campaign_id,
        batch_id=batch.id,
        lease_expires_at=as_utc(batch.expires_at),
        contacts=_contact_views(session, list(contacts), batch.volunteer_id, batch.id),
        lease_expires_in_s=seconds_left(batch.expires_at, now),
    )


def own_batch(session: Session, batch_id: int, volunteer_id: int, lock: bool = False) -> Batch:
    """The volunteer's batch; `lock` takes its row lock first, as every writer does."""
    batch = session.get(Batch, batch_id, with_for_update=lock or None)
    if batch is None or batch.volunteer_id != volunteer_id:
        raise NotFound("No such batch.")
    return batch


def _existing(session: Session, volunteer_id: int, request_id: str) -> Batch | None:
    return session.scalar(
        select(Batch).where(Batch.volunteer_id == volunteer_id, Batch.request_id == request_id)
    )


def _held_by(session: Session, campaign_id: int, volunteer_id: int, now: dt.datetime) -> int:
    """How many live leased contacts of the campaign this volunteer holds."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .join(Batch, Batch.id == Contact.batch_id)
            .where(
                Contact.campaign_id == campaign_id,
                Batch.volunteer_id == volunteer_id,
                Contact.state != "done",
                Contact.lease_expires_at > now,
            )
        )
        or 0
    )


def _check_rate(session: Session, volunteer_id: int, limit: int, now: dt.datetime) -> None:
    """Throttled when the volunteer created `limit` batches in the last minute."""
    _check_window(
        session, volunteer_id, Batch.created_at, Batch.volunteer_id, limit, RATE_WINDOW, now
    )


def _check_window(
    session: Session,
    volunteer_id: int,
    at: Any,
    owner: Any,
    limit: int,
    window: dt.timedelta,
    now: dt.datetime,
) -> None:
    """Throttled (with the wait) when the volunteer has `limit` rows stamped `at` within
    `window`. The volunteer's row is locked first (PostgreSQL), so two requests of one
    volunteer in two processes cannot both see room for one more."""
    session.execute(
        select(Volunteer.id).where(Volunteer.id == volunteer_id).with_for_update()
    ).all()
    recent = session.scalars(
        select(at).where(owner == volunteer_id, at > now - window).order_by(at)
    ).all()
    if len(recent) >= limit:
        oldest = as_utc(recent[len(recent) - limit])
        wait = (oldest + window - now).total_seconds()
        raise Throttled(max(1, math.ceil(wait)))


def lease_batch(
    session: Session,
    campaign: Campaign,
    volunteer_id: int,
    size: int,
    request_id: str,
    now: dt.datetime,
    leases_per_minute: int = DEFAULT_LEASES_PER_MINUTE,
) -> BatchView:
    """Lease up to `size` contacts and commit; the same request_id returns the same batch.

    Raises Throttled past `leases_per_minute`; a repeated request_id is never limited.
    """
    earlier = _existing(session, volunteer_id, request_id)
    if earlier is not None:
        return batch_view(session, earlier, now)
    status = campaign_status(session, campaign.id, lock=True)
    if status in ("paused", "closed"):
        return BatchView(campaign.id, reason=status)
    recovering = recovery.until(session, now)
    if recovering is not None:
        return BatchView(campaign.id, reason="recovering", opens_at=recovering)
    if not calling_hours.is_open(campaign.calling_hours, campaign.timezone, now):
        opens = calling_hours.next_opening(campaign.calling_hours, campaign.timezone, now)
        return BatchView(campaign.id, reason="outside_calling_hours", opens_at=opens)
    _check_rate(session, volunteer_id, leases_per_minute, now)
    room = campaign.max_held_contacts - _held_by(session, campaign.id, volunteer_id, now)
    if room <= 0:
        session.rollback()
        return BatchView(campaign.id, reason="holding_limit")

    size = max(1, min(size, MAX_BATCH_SIZE, room))
    expires = lease_end(campaign, now)
    batch = Batch(
        campaign_id=campaign.id,
        volunteer_id=volunteer_id,
        request_id=request_id,
        created_at=now,
        expires_at=expires,
    )
    try:
        with session.begin_nested():
            session.add(batch)
    except IntegrityError:
        # The same request raced us (another worker); theirs is committed: use it.
        session.rollback()
        earlier = _existing(session, volunteer_id, request_id)
        if earlier is None:
            raise
        return batch_view(session, earlier, now)

    picked = _pick(session, campaign.id, size, now, volunteer_id)
    if not picked:
        session.rollback()
        retry_at, waiting = next_retry(session, campaign, now)
        session.rollback()  # the read's transaction: leave nothing open
        return BatchView(
            campaign.id, reason="no_contacts", next_retry_at=retry_at, retries_waiting=waiting
        )

    ids = [c.id for c in picked]
    session.execute(
        update(Contact)
        .where(Contact.id.in_(ids))
        .values(batch_id=batch.id, lease_expires_at=expires, state="leased")
    )
    session.add_all(
        BatchContact(batch_id=batch.id, contact_id=cid, position=i) for i, cid in enumerate(ids)
    )
    session.flush()
    view = BatchView(
        campaign.id,
        batch.id,
        expires,
        _contact_views(session, list(picked), volunteer_id, batch.id),
        lease_expires_in_s=seconds_left(expires, now),
    )
    session.commit()
    return view


def next_retry(
    session: Session, campaign: Campaign, now: dt.datetime
) -> tuple[dt.datetime | None, int]:
    """When the first contact now waiting for a retry can be leased, and how many wait.

    Waiting: not done, not suppressed, in nobody's live lease, with a retry (or asked-for
    call-back) time still to come. A retry that falls outside calling hours comes back
    when they next open, so that is the time said."""
    first, count = session.execute(
        select(func.min(Contact.next_call_after), func.count()).where(
            Contact.campaign_id == campaign.id,
            Contact.state != "done",
            Contact.next_call_after > now,
            _free(now),
            ~_suppressed(campaign.id),
        )
    ).one()
    if first is None or not count:
        return None, 0
    at = as_utc(first)
    if not calling_hours.is_open(campaign.calling_hours, campaign.timezone, at):
        opens = calling_hours.next_opening(campaign.calling_hours, campaign.timezone, at)
        at = opens if opens is not None else at
    return at, int(count)


def renew(session: Session, batch: Batch, now: dt.datetime, recovering: bool = False) -> RenewView:
    """Extend the lease of the contacts this batch still holds (caller commits).

    Held: the contact still points at this batch (nobody leased it since, no result
    moved it), is not done and not suppressed. A lapsed lease is revived for those,
    except while `recovering` from a restore: the backup may have forgotten that
    someone else was handed the person after the lapse, and that volunteer may still
    be calling them until the recovery window closes. Suppressed ones are let go. The
    lease ends at the end of tonight's calling hours; outside them it is not extended.
    The caller has locked the batch row: batches before contacts, the lock order of
    result ingest.
    """
    campaign = session.get(Campaign, batch.campaign_id)
    assert campaign is not None
    rows = session.execute(
        select(Contact.id, _suppressed(campaign.id), Contact.lease_expires_at)
        .where(Contact.batch_id == batch.id, Contact.state != "done")
        .order_by(Contact.id)
        .with_for_update(of=Contact)
    ).all()
    if recovering:
        rows = [r for r in rows if r[2] is not None and as_utc(r[2]) > now]
    held = [cid for cid, suppressed, _ in rows if not suppressed]
    let_go = [cid for cid, suppressed, _ in rows if suppressed]
    if let_go:
        session.execute(
            update(Contact)
            .where(Contact.id.in_(let_go))
            .values(batch_id=None, lease_expires_at=None, state="available")
            .execution_options(synchronize_session=False)
        )
    expires = as_utc(batch.expires_at)
    revive = held or not recovering  # a lapsed batch stays lapsed through the window
    if revive and calling_hours.is_open(campaign.calling_hours, campaign.timezone, now):
        expires = lease_end(campaign, now)
        batch.expires_at = expires
        if held:
            session.execute(
                update(Contact)
                .where(Contact.id.in_(held))
                .values(lease_expires_at=expires, state="leased")
                .execution_options(synchronize_session=False)
            )
    session.flush()
    return RenewView(batch.id, expires, seconds_left(expires, now), held)


def release(session: Session, batch: Batch, contact_ids: list[int] | None, now: dt.datetime) -> int:
    """Return this batch's contacts without a result to the pool (caller commits).

    Each contact released is marked in `batch_contacts`, so a result the volunteer
    sends for it afterwards is refused (`not_leased`).
    """
    stmt = select(Contact.id).where(Contact.batch_id == batch.id, Contact.state != "done")
    if contact_ids is not None:
        stmt = stmt.where(Contact.id.in_(contact_ids))
    ids = list(session.scalars(stmt.order_by(Contact.id).with_for_update()))
    if ids:
        session.execute(
            update(Contact)
            .where(Contact.id.in_(ids))
            .values(batch_id=None, lease_expires_at=None, state="available")
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(BatchContact)
            .where(BatchContact.batch_id == batch.id, BatchContact.contact_id.in_(ids))
            .values(released_at=now)
            .execution_options(synchronize_session=False)
        )
    left = session.scalar(
        select(Contact.id).where(Contact.batch_id == batch.id, Contact.state != "done").limit(1)
    )
    if left is None:
        batch.released_at = now
    return len(ids)


class SkipRefused(Exception):
    """The skip cannot be taken: `status` 404 (never in this batch) or 409 (the id was
    used for another contact)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def skip(session: Session, batch: Batch, contact_id: int, skip_id: str, now: dt.datetime) -> bool:
    """Pass on a contact of this batch without a result; True when it went back to the pool.

    Not a call: no result, attempts unchanged. Idempotent by `skip_id` (a skip sent
    again is answered as the first time). Only a contact this batch still holds is
    released; one whose lease went meanwhile (another volunteer took it after it
    lapsed, a result finished it, it was released) is left alone and False returned.
    At most SKIPS_PER_HOUR skips per volunteer in a rolling hour (Throttled past it).
    The skipped contact is not leased to this volunteer again for SKIP_COOLDOWN. The
    caller has locked the batch row and commits.
    """
    earlier = session.get(Skip, skip_id)
    if earlier is not None:
        if (earlier.volunteer_id, earlier.contact_id) != (batch.volunteer_id, contact_id):
            raise SkipRefused(409, "This skip id was already used for another contact.")
        return earlier.released
    member = session.get(BatchContact, (batch.id, contact_id))
    if member is None:
        raise SkipRefused(404, "That contact is not in this batch.")
    _check_skip_rate(session, batch.volunteer_id, now)
    released = release(session, batch, [contact_id], now) == 1
    try:
        with session.begin_nested():
            session.add(
                Skip(
                    id=skip_id,
                    volunteer_id=batch.volunteer_id,
                    campaign_id=batch.campaign_id,
                    contact_id=contact_id,
                    batch_id=batch.id,
                    at=now,
                    released=released,
                )
            )
    except IntegrityError:  # the same skip raced us in another worker: theirs stands
        session.rollback()
        again = session.get(Skip, skip_id)
        if again is None:
            raise
        return again.released
    return released


def _check_skip_rate(session: Session, volunteer_id: int, now: dt.datetime) -> None:
    """Throttled once the volunteer skipped SKIPS_PER_HOUR contacts in the last hour."""
    _check_window(
        session, volunteer_id, Skip.at, Skip.volunteer_id, SKIPS_PER_HOUR, SKIP_WINDOW, now
    )
