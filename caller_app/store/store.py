"""The local store: account, campaigns, script, leased contacts, the result outbox.

Thread-safe by construction: every method opens its own Session and transaction,
so the GUI thread and the sync thread can both call it. Methods return frozen
domain dataclasses, never ORM rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from caller_app.domain.models import (
    Account,
    Campaign,
    Contact,
    Script,
)

from . import convert
from .engine import make_engine
from .outbox import DELIVERED, PENDING, Outbox
from .schema import (
    AccountRow,
    BatchRow,
    CampaignRow,
    ContactRow,
    PendingLease,
    ResultRow,
    ScriptRow,
    Setting,
)
from .sessions import Sessions
from .upgrades import upgrade

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store(Outbox, Sessions):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = make_engine(path)
        upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Reads begin a plain (deferred) transaction: in WAL mode they then never wait
        # for the sync thread's writes, so the GUI thread is not held up by an upload.
        self._readers = sessionmaker(
            self.engine.execution_options(read_only=True), expire_on_commit=False
        )

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only transaction (a consistent snapshot that takes no write lock)."""
        with self._readers.begin() as session:
            yield session

    def _owner(self, s: Session) -> str:
        row = s.get(AccountRow, 1)
        return f"{row.server_url}|{row.username}" if row else ""

    # -- account -------------------------------------------------------------------
    def save_account(self, account: Account) -> None:
        with self._tx() as s:
            s.execute(delete(AccountRow))
            s.add(
                AccountRow(
                    id=1,
                    server_url=account.server_url,
                    username=account.username,
                    volunteer_id=account.volunteer_id,
                    name=account.name,
                )
            )
            s.merge(Setting(key="last_server_url", value=account.server_url))
            s.merge(Setting(key="last_username", value=account.username))

    def account(self) -> Account | None:
        with self._read() as s:
            row = s.get(AccountRow, 1)
            if row is None:
                return None
            return Account(row.server_url, row.username, row.volunteer_id, row.name)

    def _setting(self, key: str) -> str | None:
        with self._read() as s:
            row = s.get(Setting, key)
            return row.value if row else None

    def last_server_url(self) -> str | None:
        return self._setting("last_server_url")

    def last_username(self) -> str | None:
        return self._setting("last_username")

    # -- campaigns and script ------------------------------------------------------
    def save_campaigns(self, campaigns: list[Campaign]) -> None:
        with self._tx() as s:
            s.execute(delete(CampaignRow))
            for i, c in enumerate(campaigns):
                s.add(CampaignRow(id=c.id, position=i, data=convert.campaign_to_json(c)))

    def campaigns(self) -> list[Campaign]:
        with self._read() as s:
            rows = s.scalars(select(CampaignRow).order_by(CampaignRow.position))
            return [convert.campaign_from_json(r.data) for r in rows]

    def campaign(self, campaign_id: int) -> Campaign | None:
        with self._read() as s:
            row = s.get(CampaignRow, campaign_id)
            return convert.campaign_from_json(row.data) if row else None

    def save_script(self, script: Script, etag: str | None) -> None:
        with self._tx() as s:
            s.merge(
                ScriptRow(
                    campaign_id=script.campaign_id,
                    etag=etag,
                    data=convert.script_to_json(script),
                )
            )

    def script(self, campaign_id: int) -> Script | None:
        with self._read() as s:
            row = s.get(ScriptRow, campaign_id)
            return convert.script_from_json(row.data) if row else None

    def script_etag(self, campaign_id: int) -> str | None:
        with self._read() as s:
            row = s.get(ScriptRow, campaign_id)
            return row.etag if row else None

    # -- batches and contacts ----------------------------------------------------------
    def lease_request_id(self, campaign_id: int) -> str:
        """The request_id for the next batch request; the same one until a reply arrives."""
        with self._tx() as s:
            row = s.get(PendingLease, campaign_id)
            if row is None:
                row = PendingLease(campaign_id=campaign_id, request_id=str(uuid.uuid4()))
                s.add(row)
            return row.request_id

    def clear_lease_request(self, campaign_id: int) -> None:
        with self._tx() as s:
            s.execute(delete(PendingLease).where(PendingLease.campaign_id == campaign_id))

    def add_batch(
        self,
        batch_id: int,
        campaign_id: int,
        lease_expires_at: dt.datetime,
        contacts: Iterable[Contact],
    ) -> int:
        """Store a leased batch (idempotent: a batch seen again adds only new contacts)."""
        with self._tx() as s:
            batch = s.get(BatchRow, batch_id)
            if batch is None:
                s.add(
                    BatchRow(
                        id=batch_id,
                        campaign_id=campaign_id,
                        lease_expires_at=lease_expires_at,
                        leased_at=_now(),
                    )
                )
            else:
                batch.lease_expires_at = lease_expires_at
            known = set(
                s.scalars(select(ContactRow.contact_id).where(ContactRow.batch_id == batch_id))
            )
            added = 0
            for c in contacts:
                if c.id not in known:
                    s.add(convert.contact_to_row(c, batch_id, campaign_id))
                    known.add(c.id)
                    added += 1
            s.execute(delete(PendingLease).where(PendingLease.campaign_id == campaign_id))
            return added

    @staticmethod
    def _unworked(campaign_id: int):  # type: ignore[no-untyped-def]
        return (
            select(ContactRow)
            .join(BatchRow, BatchRow.id == ContactRow.batch_id)
            .where(
                ContactRow.campaign_id == campaign_id,
                ContactRow.worked.is_(False),
                BatchRow.released.is_(False),
            )
        )

    def next_contact(self, campaign_id: int) -> Contact | None:
        """The first unworked contact, in the order the batches were leased."""
        with self._read() as s:
            query = self._unworked(campaign_id).order_by(
                BatchRow.leased_at, BatchRow.id, ContactRow.rowid
            )
            row = s.scalars(query.limit(1)).first()
            return convert.contact_from_row(row) if row else None

    def remaining(self, campaign_id: int) -> int:
        with self._read() as s:
            sub = self._unworked(campaign_id).subquery()
            return int(s.scalar(select(func.count()).select_from(sub)) or 0)

    def contact(self, batch_id: int, contact_id: int) -> Contact | None:
        with self._read() as s:
            row = s.scalars(
                select(ContactRow).where(
                    ContactRow.batch_id == batch_id, ContactRow.contact_id == contact_id
                )
            ).first()
            return convert.contact_from_row(row) if row else None

    def live_batches(self, campaign_id: int | None = None) -> list[tuple[int, dt.datetime]]:
        """Batches still held (not released): (batch_id, lease_expires_at)."""
        with self._read() as s:
            query = select(BatchRow).where(BatchRow.released.is_(False)).order_by(BatchRow.id)
            if campaign_id is not None:
                query = query.where(BatchRow.campaign_id == campaign_id)
            return [(b.id, b.lease_expires_at) for b in s.scalars(query)]

    def update_lease(self, batch_id: int, lease_expires_at: dt.datetime) -> None:
        with self._tx() as s:
            s.execute(
                update(BatchRow)
                .where(BatchRow.id == batch_id)
                .values(lease_expires_at=lease_expires_at)
            )

    def unworked_contact_ids(self, batch_id: int) -> list[int]:
        with self._read() as s:
            return list(
                s.scalars(
                    select(ContactRow.contact_id)
                    .where(ContactRow.batch_id == batch_id, ContactRow.worked.is_(False))
                    .order_by(ContactRow.rowid)
                )
            )

    def forget_contacts(self, batch_id: int, contact_ids: Iterable[int] | None = None) -> int:
        """Delete contacts of a batch (all of them when contact_ids is None)."""
        with self._tx() as s:
            query = delete(ContactRow).where(ContactRow.batch_id == batch_id)
            if contact_ids is not None:
                query = query.where(ContactRow.contact_id.in_(list(contact_ids)))
            return s.execute(query).rowcount or 0

    def release_batch(self, batch_id: int) -> list[int]:
        """Give a batch back locally: delete all its contacts, remember the unworked ids.

        The batch row stays (released) until `drop_batch` after the server confirmed
        the release, so a release that failed offline is retried later.
        """
        with self._tx() as s:
            batch = s.get(BatchRow, batch_id)
            if batch is None:
                return []
            if batch.released:
                return list(batch.release_ids or [])
            ids = list(
                s.scalars(
                    select(ContactRow.contact_id).where(
                        ContactRow.batch_id == batch_id, ContactRow.worked.is_(False)
                    )
                )
            )
            batch.released = True
            batch.release_ids = ids
            s.execute(delete(ContactRow).where(ContactRow.batch_id == batch_id))
        self.checkpoint()
        return ids

    def batches_to_release(self) -> list[tuple[int, list[int]]]:
        with self._read() as s:
            rows = s.scalars(select(BatchRow).where(BatchRow.released.is_(True)))
            return [(b.id, list(b.release_ids or [])) for b in rows]

    def drop_batch(self, batch_id: int) -> None:
        with self._tx() as s:
            s.execute(delete(ContactRow).where(ContactRow.batch_id == batch_id))
            s.execute(delete(BatchRow).where(BatchRow.id == batch_id))

    def retire_finished_batches(self) -> list[int]:
        """Drop held batches with no unworked contact and no result waiting to upload."""
        with self._tx() as s:
            dropped = []
            for b in s.scalars(select(BatchRow).where(BatchRow.released.is_(False))):
                unworked = s.scalar(
                    select(func.count())
                    .select_from(ContactRow)
                    .where(ContactRow.batch_id == b.id, ContactRow.worked.is_(False))
                )
                waiting = s.scalar(
                    select(func.count())
                    .select_from(ResultRow)
                    .where(ResultRow.batch_id == b.id, ResultRow.state == PENDING)
                )
                if not unworked and not waiting:
                    dropped.append(b.id)
            for batch_id in dropped:
                s.execute(delete(ContactRow).where(ContactRow.batch_id == batch_id))
                s.execute(delete(BatchRow).where(BatchRow.id == batch_id))
        if dropped:
            self.checkpoint()
        return dropped

    # -- privacy -----------------------------------------------------------------------
    def wipe_account_data(self) -> None:
        """Delete all contact data, scripts, campaigns and the account; VACUUM the file.

        Results not yet delivered (and those needing attention) are kept: they hold
        only ids, outcome, answers and notes, and must not be lost.
        """
        with self._tx() as s:
            for table in (ContactRow, BatchRow, PendingLease, ScriptRow, CampaignRow, AccountRow):
                s.execute(delete(table))
            s.execute(delete(ResultRow).where(ResultRow.state == DELIVERED))
        self.vacuum()
        log.info("account data wiped")

    def checkpoint(self) -> None:
        """Fold the WAL into the file and truncate it: contacts just deleted (overwritten
        in the file by secure_delete) would otherwise linger in old WAL frames."""
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:  # busy: the next one will do it
            log.info("WAL checkpoint skipped (%s)", exc)
        finally:
            raw.close()

    def vacuum(self) -> None:
        raw = self.engine.raw_connection()
        try:
            conn = raw.driver_connection
            conn.execute("VACUUM")  # type: ignore[union-attr]
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()

    def integrity_check(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar_one())
