"""SQLAlchemy tables of the local store (schema version 3; see upgrades.py).

Times are stored as ISO 8601 text in UTC (SQLite has no time zone type), JSON
columns hold lists and maps. Results carry no foreign key to contacts: contacts are
deleted for privacy long before every result has been delivered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime kept as UTC ISO text; naive datetimes are refused."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        return value.astimezone(dt.UTC).isoformat()

    def process_result_value(self, value: str | None, dialect: Any) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value) if value is not None else None


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Setting(Base):
    """Key/value pairs that outlive a sign-out (e.g. the last server URL)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AccountRow(Base):
    """The signed-in volunteer (one row at most). Never a password or token."""

    __tablename__ = "account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_url: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(Text)
    volunteer_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)


class CampaignRow(Base):
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the Campaign fields, times as ISO


class ScriptRow(Base):
    __tablename__ = "scripts"
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class BatchRow(Base):
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the server's batch id
    campaign_id: Mapped[int] = mapped_column(Integer, index=True)
    lease_expires_at: Mapped[dt.datetime]
    leased_at: Mapped[dt.datetime]
    # When lease_expires_at was last set (lease or renewal), by our wall clock: half-way
    # from here to the end is when we renew. Null before schema 2 (use leased_at).
    lease_set_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Set when the batch is given back: its contacts are gone locally; the ids left to
    # release on the server stay here until the server confirmed the release.
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    release_ids: Mapped[list[Any] | None] = mapped_column(JSON, default=None)


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("batch_id", "contact_id"),)
    rowid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(Integer, index=True)
    campaign_id: Mapped[int] = mapped_column(Integer, index=True)
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(Text)
    ward: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer)
    previous_notes: Mapped[list[Any]] = mapped_column(JSON)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    worked: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_proof: Mapped[str | None] = mapped_column(Text, default=None)
    # Earlier results [{outcome, label, at (ISO), notes}], newest first. Null before schema 3.
    previous_attempts: Mapped[list[Any] | None] = mapped_column(JSON, default=None)


class ResultRow(Base):
    """The outbox. state: pending -> delivered | rejected. Frozen once upload_started_at is set.

    A delivered result stays until a later `POST /results/check` has confirmed the
    server holds it (`confirmed_at`); one the server lost goes back to pending.
    """

    __tablename__ = "results"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    owner: Mapped[str] = mapped_column(Text, index=True)  # "server_url|username"
    session_id: Mapped[int | None] = mapped_column(Integer, index=True)
    contact_id: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[int] = mapped_column(Integer, index=True)
    outcome: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime]
    duration_s: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    callback_at: Mapped[dt.datetime | None]
    supersedes: Mapped[str | None] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    upload_started_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    reject_code: Mapped[str | None] = mapped_column(Text)
    reject_message: Mapped[str | None] = mapped_column(Text)
    lease_proof: Mapped[str | None] = mapped_column(Text, default=None)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class SkipRow(Base):
    """A contact passed on without an outcome (schema 3). Sent once (`sent_at`), by id:
    the server answers a skip sent again as before. Kept an hour after sending to count
    the skips of the last hour (the server caps them). Only ids, never personal data."""

    __tablename__ = "skips"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(Text, index=True)  # "server_url|username"
    batch_id: Mapped[int] = mapped_column(Integer)
    contact_id: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[int] = mapped_column(Integer)
    skipped_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class PendingLease(Base):
    """The request_id of a batch request not yet answered, reused on retry (no double lease)."""

    __tablename__ = "pending_leases"
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36))


class SessionRow(Base):
    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
