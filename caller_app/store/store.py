"""The local store: account, campaigns, script, leased contacts, the result outbox.

Thread-safe by construction: every method opens its own Session and transaction,
so the GUI thread and the sync thread can both call it. Methods return frozen
domain dataclasses, never ORM rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from caller_app.domain.models import Account, Campaign, Script
from caller_app.domain.urls import canonical_server_url

from . import convert
from .attention import Attention
from .engine import make_engine
from .leases import Leases
from .outbox import DELIVERED, Outbox
from .schema import (
    AccountRow,
    BatchRow,
    CampaignRow,
    ContactRow,
    PendingLease,
    ResultRow,
    ScriptRow,
    Setting,
    SkipRow,
)
from .sessions import Sessions
from .skips import Skips
from .upgrades import FORMER_SERVER_URL, upgrade

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


Clock = Callable[[], dt.datetime]


class Store(Outbox, Leases, Sessions, Attention, Skips):
    def __init__(self, path: Path, clock: Clock = _now) -> None:
        """`clock`: the wall clock (aware UTC) that ends leases; tests move it."""
        self.path = path
        self.clock = clock
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
        try:  # one spelling per server: it is half of the results' owner key
            url = canonical_server_url(account.server_url)
        except ValueError:
            url = account.server_url
        account = Account(url, account.username, account.volunteer_id, account.name)
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

    def former_server_url(self) -> str | None:
        """The account's address as spelled before schema 2 (its keyring entry's key)."""
        return self._setting(FORMER_SERVER_URL)

    def forget_former_server_url(self) -> None:
        with self._tx() as s:
            s.execute(delete(Setting).where(Setting.key == FORMER_SERVER_URL))

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

    # -- privacy -----------------------------------------------------------------------
    def wipe_account_data(self) -> None:
        """Delete all contact data, scripts, campaigns and the account; VACUUM the file.

        Only results the server confirmed holding (`POST /results/check`) go. Those not
        yet delivered, needing attention, or delivered but unconfirmed (a server restored
        from a backup may have lost them) are kept: they hold only ids, outcome, answers
        and notes, and must not be lost.
        """
        with self._tx() as s:
            tables = (ContactRow, BatchRow, PendingLease, ScriptRow, CampaignRow, AccountRow)
            # Skips hold only ids; one not yet sent just lets its lease lapse on the server.
            for table in (*tables, SkipRow):
                s.execute(delete(table))
            s.execute(
                delete(ResultRow).where(
                    ResultRow.state == DELIVERED, ResultRow.confirmed_at.is_not(None)
                )
            )
        self.vacuum()
        log.info("account data wiped")

    def checkpoint(self) -> None:
        """Fold the WAL into the file and truncate it: contacts just deleted (overwritten
        in the file by secure_delete) would otherwise linger in old WAL frames."""
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA wal_checkpoint(TRUNCATE)"
            )
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
