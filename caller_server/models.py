"""SQLAlchemy models of the central server.

One schema for SQLite and PostgreSQL. JSON columns hold the script and free-form
contact attributes; everything the server queries on is a real column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The contacts a lease takes fresh (never tried, not leased, not done): the rows of
# the partial index `ix_contacts_fresh_pick`, and leasing's first pick says the same.
FRESH_PICK = "state = 'available' AND next_call_after IS NULL"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _twice_the_batch(context: Any) -> int:
    """Default `max_held_contacts`: two batches, so a volunteer can lease the next early."""
    return 2 * int(context.get_current_parameters().get("batch_size") or 20)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON}  # noqa: RUF012


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    seat: Mapped[str] = mapped_column(String(200))
    candidate: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    calling_hours: Mapped[str] = mapped_column(String(11), default="09:00-21:00")
    target_contacts_per_hour: Mapped[int] = mapped_column(Integer, default=20)
    batch_size: Mapped[int] = mapped_column(Integer, default=20)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    lease_minutes: Mapped[int] = mapped_column(Integer, default=45)
    # At most this many live leased contacts per volunteer: one caller cannot take it all.
    max_held_contacts: Mapped[int] = mapped_column(Integer, default=_twice_the_batch)
    # active | paused | closed (campaign_status.py): paused leases nothing, closed also
    # refuses renewals and is no longer listed; results are accepted in every status.
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    # Every volunteer may see and lease it; False: only its members (campaign_members).
    open_to_all: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # {"intro", "crib_sheet", "candidate_bio", "questions": [...], "outcomes": [...]}
    script: Mapped[dict[str, Any]] = mapped_column(JSON)
    script_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Volunteer(Base):
    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    # The username trimmed and case-folded (accounts.username_key): "Dave" and "DAVE"
    # are one account. Unique; sign-in looks volunteers up by it.
    username_key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="caller")  # caller | organiser
    leaderboard_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Turned off by an organiser: no sign-in, no token accepted (accounts.disable).
    disabled_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Signed up with an invite that needs an organiser's approval: off until approved
    # (invites.approve); the invite's id, so the campaign's invites page lists them.
    pending_invite_id: Mapped[int | None] = mapped_column(Integer, default=None)

    def __init__(self, **kwargs: Any) -> None:
        if "username" in kwargs and "username_key" not in kwargs:
            kwargs["username_key"] = username_key(str(kwargs["username"]))
        super().__init__(**kwargs)


def username_key(username: str) -> str:
    """The form usernames are compared in: trimmed and case-folded."""
    return username.strip().casefold()[:100]


class CampaignMember(Base):
    """A volunteer who may see and lease a campaign that is not open to every volunteer."""

    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PasswordLink(Base):
    """A one-time link to set a password (a reset, or a new volunteer's first one).

    Stored as the SHA-256 of its secret, like sign-in tokens: a database leak reveals no
    link. Used once (`used_at`), and only until `expires_at`.
    """

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Token(Base):
    """A sign-in token, stored as its SHA-256 so a database leak reveals no token."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Invite(Base):
    """A link and short code that lets anyone holding it make an account (invites.py).

    The code is public (it is pasted in posts), so it is stored as is; unusable codes
    (unknown, expired, revoked, used up) all look the same to a visitor.
    """

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    # Each sign-up waits (account off) until an organiser approves it.
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class SigninThrottle(Base):
    """Failed sign-ins per (username, client address) and per client address.

    One row per key, shared by every server process (see `caller_server.throttle`);
    rows quiet for an hour are pruned, so the table stays small.
    """

    __tablename__ = "signin_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_allowed_at: Mapped[dt.datetime] = mapped_column(index=True)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        # Households share a number: not unique, but indexed for leasing them together.
        Index("ix_contacts_campaign_phone", "campaign_id", "phone"),
        # The voter-file id: re-importing it updates the contact. NULLs never clash.
        UniqueConstraint("campaign_id", "external_id", name="uq_contact_campaign_external_id"),
        Index("ix_contacts_pick", "campaign_id", "state", "next_call_after"),
        # Fresh contacts in id order straight from the index (leasing.py's first pick),
        # however many contacts before them are already leased or done: only never-tried
        # available contacts are in it (migration 0012 says why).
        Index(
            "ix_contacts_fresh_pick",
            "campaign_id",
            "id",
            postgresql_where=text(FRESH_PICK),
            sqlite_where=text(FRESH_PICK),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    ward: Mapped[str] = mapped_column(String(200), default="")
    external_id: Mapped[str | None] = mapped_column(String(100), default=None)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # available | leased | done
    state: Mapped[str] = mapped_column(String(16), default="available")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_call_after: Mapped[dt.datetime | None] = mapped_column(default=None)
    # The live lease, denormalised so that picking contacts needs no join.
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id", ondelete="SET NULL"), default=None, index=True
    )
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # The result that last moved this contact: only its correction may reopen a done one.
    last_result_id: Mapped[str | None] = mapped_column(String(36), default=None)


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("volunteer_id", "request_id", name="uq_batch_request"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    request_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    released_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    members: Mapped[list[BatchContact]] = relationship(back_populates="batch")


class BatchContact(Base):
    """Every contact ever leased in a batch: the history that says who may post a result."""

    __tablename__ = "batch_contacts"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Released by the volunteer: a result for it afterwards is `not_leased`.
    released_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    batch: Mapped[Batch] = relationship(back_populates="members")


class VolunteerDay(Base):
    """One volunteer's calls and reached contacts in a campaign on one local day.

    Running tallies behind `GET /progress` (see `caller_server.tallies`): updated in the
    transaction that stores, corrects or voids a result, so reading them costs the same
    however many results the evening holds. `day` is the date in the campaign's time
    zone when the result was received.
    """

    __tablename__ = "progress_volunteer_days"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    calls: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)  # distinct contacts


class CampaignDay(Base):
    """The team's figures for a campaign on one local day (`VolunteerDay` summed, with
    reached counting each contact once however many volunteers reached it)."""

    __tablename__ = "progress_campaign_days"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)  # distinct contacts
    volunteers_active: Mapped[int] = mapped_column(Integer, default=0)


class Result(Base):
    __tablename__ = "results"
    __table_args__ = (Index("ix_results_campaign_received", "campaign_id", "received_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # client UUID
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # Indexed: every lease reads its contacts' earlier notes, every upload their results.
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id", ondelete="SET NULL"), default=None
    )
    outcome: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[dt.datetime]
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    callback_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Unique: one correction per result, so a corrected call counts once.
    supersedes: Mapped[str | None] = mapped_column(
        String(36), default=None, index=True, unique=True
    )
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # Another volunteer's result reached the same contact first (lease expired, re-leased).
    double_call: Mapped[bool] = mapped_column(Boolean, default=False)
    # Recorded outside the campaign's calling hours: kept, and flagged for the organiser.
    outside_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # SHA-256 of the canonical payload: a re-send with another payload is a conflict.
    payload_hash: Mapped[str] = mapped_column(String(64))
    # Voided by an organiser (console): kept for the record, counted nowhere.
    voided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    voided_by: Mapped[int | None] = mapped_column(Integer, default=None)


class Skip(Base):
    """A volunteer passed on a contact without an outcome (leasing.skip).

    The id is the app's UUID, so a skip sent again is answered as before (idempotent).
    The rows count the volunteer's skips per hour and keep a skipped contact away from
    that volunteer for a while; they are not calls and never touch attempts.
    """

    __tablename__ = "skips"
    __table_args__ = (
        Index("ix_skips_volunteer_at", "volunteer_id", "at"),
        Index("ix_skips_contact_volunteer", "contact_id", "volunteer_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # client UUID
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id", ondelete="SET NULL"), default=None
    )
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The contact was still held and went back to the pool (False: the lease had
    # already gone, to another volunteer or to a result; nothing changed).
    released: Mapped[bool] = mapped_column(Boolean, default=False)


class Suppression(Base):
    """A number never to call. campaign_id NULL means every campaign (do_not_call)."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("phone", "campaign_id", name="uq_suppression"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), default=None
    )
    reason: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The result that caused it (NULL for older rows and CLI imports): its correction
    # lifts the suppression.
    result_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)


class AuditEntry(Base):
    """Who changed what and when (audit.py). Ids and counts only, never personal data."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_campaign_at", "campaign_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # NULL: the command line (no volunteer signed in).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), default=None
    )
    action: Mapped[str] = mapped_column(String(32))
    # No foreign key: the entry outlives a deleted campaign.
    campaign_id: Mapped[int | None] = mapped_column(Integer, default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ServerSetting(Base):
    """Server-wide values kept with the data, such as the lease-proof secret."""

    __tablename__ = "server_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
