"""CallerCore: the app without widgets, the one object the UI's view models use.

It owns the store, the credentials and (while a campaign is chosen) the sync engine
on its QThread, and re-emits the engine's signals on the GUI thread. Methods marked
*blocking* talk to the server (up to the client's timeouts); the UI runs them off
the GUI thread. All others only touch the local store and return at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from caller_app.api import ApiClient, ApiError, SignedOut, normalise_server_url
from caller_app.credentials import Credentials
from caller_app.domain import calling_hours
from caller_app.domain.calling_hours import CallingWindow
from caller_app.domain.models import (
    Account,
    AttentionItem,
    Campaign,
    Contact,
    Result,
    ResultDraft,
    Script,
    SessionStats,
    SyncStatus,
)
from caller_app.store import Store
from caller_app.sync import SyncEngine, SyncPolicy, connectivity
from caller_app.sync.reconcile import check_delivered

log = logging.getLogger(__name__)

ApiFactory = Callable[[str], ApiClient]
Clock = Callable[[], dt.datetime]  # an aware "now"; tests pass their own


class CallerCore(QObject):
    # re-emitted from the sync engine (always on the GUI thread)
    status_changed = Signal(object)  # SyncStatus
    contacts_changed = Signal()
    script_changed = Signal(object)  # Script
    progress_changed = Signal(object)  # TeamProgress
    out_of_contacts = Signal(str, object)  # reason, opens_at
    contacts_lost = Signal(int)  # n unworked contacts went to another volunteer meanwhile
    attention_changed = Signal()
    signed_out = Signal()  # the server no longer accepts our token: ask to sign in again
    # our own
    session_ended = Signal(int)  # end_session() done: contacts given back
    sign_out_finished = Signal()  # sign_out() done: local contact data wiped

    _logout_done = Signal()

    def __init__(
        self,
        store: Store,
        credentials: Credentials | None = None,
        *,
        api_factory: ApiFactory | None = None,
        sync_policy: SyncPolicy | None = None,
        watch_network: bool = True,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        # One wall clock for the app: the store's, which also ends leases.
        self.clock: Clock = clock or store.clock
        self._bad_hours: tuple[str, str] | None = None
        self.store = store
        self.credentials = credentials or Credentials()
        self.api_factory: ApiFactory = api_factory or ApiClient
        self.sync_policy = sync_policy or SyncPolicy()
        self.watch_network = watch_network
        self.engine: SyncEngine | None = None
        self.thread: QThread | None = None
        self.campaign_id: int | None = None
        self.session_id: int | None = None
        self._token: str | None = None
        self._unwatch: Callable[[], None] | None = None
        self._signing_out = False
        self.last_status: SyncStatus | None = None
        self._logout_done.connect(self._finish_sign_out)

    # -- account -------------------------------------------------------------------------
    @property
    def account(self) -> Account | None:
        return self.store.account()

    @property
    def signed_in(self) -> bool:
        return self._token is not None and self.store.account() is not None

    def resume(self) -> Account | None:
        """At start-up: the saved account if its token is still in the keyring. No network."""
        account = self.store.account()
        if account is None:
            return None
        former = self.store.former_server_url()
        self._token = self.credentials.get(account.server_url, account.username, former)
        if former is not None and self._token:
            self.store.forget_former_server_url()  # moved: the old spelling is done with
        return account if self._token else None

    def _api(self) -> ApiClient:
        account = self.store.account()
        if account is None or not self._token:
            raise SignedOut()
        api = self.api_factory(account.server_url)
        api.token = self._token
        return api

    def sign_in(self, server_url: str, username: str, password: str) -> Account:
        """*Blocking.* Check the server version, sign in, keep the token in the keyring."""
        url = normalise_server_url(server_url)
        api = self.api_factory(url)
        try:
            api.health()
            token, account = api.login(username.strip(), password)
        finally:
            api.close()
        previous = self.store.account()
        if previous is not None and (previous.server_url, previous.username) != (
            account.server_url,
            account.username,
        ):
            self._stop_engine()
            self._check_results(previous, self._token)  # before their delivered results go
            self.store.wipe_account_data()  # another person's contacts must not linger
        self.store.save_account(account)
        self.credentials.set(account.server_url, account.username, token)
        self._token = token
        if self.engine is not None:
            self.engine.set_token(token)
        log.info("signed in volunteer=%d", account.volunteer_id)
        return account

    def fetch_campaigns(self) -> list[Campaign]:
        """*Blocking.* The active campaigns from the server (cached in the store)."""
        api = self._api()
        try:
            campaigns = api.campaigns()
        finally:
            api.close()
        self.store.save_campaigns(campaigns)
        return campaigns

    def campaigns(self) -> list[Campaign]:
        """The campaigns last fetched (works offline)."""
        return self.store.campaigns()

    # -- calling -----------------------------------------------------------------------
    def choose_campaign(self, campaign_id: int) -> None:
        """Start (or continue) a calling session: the sync engine begins fetching the
        script and contacts; watch `contacts_changed` / `script_changed`."""
        if self.engine is not None and self.campaign_id == campaign_id and not self.engine.ending:
            return  # already calling it
        self._stop_engine()
        api = self._api()
        self.campaign_id = campaign_id
        self.session_id = self.store.open_session(campaign_id) or self.store.start_session(
            campaign_id
        )
        engine = SyncEngine(self.store, api, campaign_id, self.sync_policy)
        engine.status_changed.connect(self._on_status)
        engine.contacts_changed.connect(self.contacts_changed)
        engine.script_changed.connect(self.script_changed)
        engine.progress_changed.connect(self.progress_changed)
        engine.out_of_contacts.connect(self.out_of_contacts)
        engine.contacts_lost.connect(self.contacts_lost)
        engine.attention_changed.connect(self.attention_changed)
        engine.signed_out.connect(self._on_engine_signed_out)
        engine.released.connect(self._on_released)
        self.engine = engine
        self.thread = engine.run_in_thread()
        if self.watch_network:
            self._unwatch = connectivity.watch(engine.network_up)
        log.info("session=%d started for campaign=%d", self.session_id, campaign_id)

    def script(self) -> Script | None:
        return self.store.script(self.campaign_id) if self.campaign_id is not None else None

    def current_contact(self) -> Contact | None:
        """The next contact to call, or None; never one outside the calling hours
        (the server checks hours only when leasing, so a batch could outlast them)."""
        if self.campaign_id is None:
            return None
        window = self.calling_window()
        if window is not None and not window.is_open:
            return None
        return self.store.next_contact(self.campaign_id)

    def calling_window(self) -> CallingWindow | None:
        """The chosen campaign's calling hours at the core's clock; None when unknown.

        Unknown (no cached campaign, malformed hours, a zone this computer lacks) does
        not stop calling: the server still checks hours when it leases contacts.
        """
        campaign = self.store.campaign(self.campaign_id) if self.campaign_id is not None else None
        if campaign is None:
            return None
        try:
            return calling_hours.window(campaign.calling_hours, campaign.timezone, self.clock())
        except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
            key = (campaign.calling_hours, campaign.timezone)
            if self._bad_hours != key:  # say it once, not after every call
                self._bad_hours = key
                log.warning("calling hours not checked here: %s", exc)
            return None

    def remaining(self) -> int:
        return self.store.remaining(self.campaign_id) if self.campaign_id is not None else 0

    def record(self, draft: ResultDraft) -> Result:
        """Save the call (one local transaction) and move on; the upload follows."""
        result = self.store.record(draft)
        self.contacts_changed.emit()
        self._local_change()
        if self.engine is not None:
            self.engine.result_recorded()
        return result

    def undo(self) -> Result | None:
        """Take back the last call if it has not started uploading; else None (use correct)."""
        if self.campaign_id is None:
            return None
        result = self.store.undo_last(self.campaign_id)
        if result is not None:
            self.contacts_changed.emit()
            self._local_change()
        return result

    def correct(self, original_id: str, draft: ResultDraft) -> Result:
        """Record a correction that supersedes an already uploaded (frozen) result."""
        result = self.store.record_correction(original_id, draft)
        self._local_change()
        if self.engine is not None:
            self.engine.result_recorded()
        return result

    def sync_now(self) -> None:
        if self.engine is not None:
            self.engine.sync_now()

    def set_leaderboard_opt_in(self, opt_in: bool) -> None:
        """Join or leave the team leaderboard; sent by the sync engine, never on this thread."""
        if self.engine is not None:
            self.engine.set_leaderboard_opt_in(opt_in)

    def needs_attention(self) -> list[AttentionItem]:
        return self.store.needs_attention()

    def retry_attention(self, result_ids: list[str]) -> int:
        """Send refused results again (same id and payload); returns how many were queued."""
        count = self.store.retry_attention(result_ids)
        self.attention_changed.emit()
        self._local_change()
        if self.engine is not None:
            self.engine.sync_now()
        return count

    def dismiss_attention(self, result_id: str) -> None:
        self.store.dismiss_attention(result_id)
        self.attention_changed.emit()
        self._local_change()

    @Slot(object)
    def _on_status(self, status: SyncStatus) -> None:
        self._emit_status(status)

    def _local_change(self) -> None:
        """Show the new outbox counts at once, not only after the next sync cycle."""
        if self.last_status is not None:
            self._emit_status(self.last_status)

    def _emit_status(self, status: SyncStatus) -> None:
        # Counted now, on the GUI thread: a status queued by the sync thread before the
        # latest record() must not claim "all uploaded".
        waiting, attention = self.store.outbox_counts()
        self.last_status = dataclasses.replace(status, waiting=waiting, needs_attention=attention)
        self.status_changed.emit(self.last_status)

    def session_stats(self) -> SessionStats | None:
        return self.store.session_stats(self.session_id) if self.session_id else None

    # -- ending --------------------------------------------------------------------------
    def end_session(self) -> None:
        """Upload what can be, give back unworked contacts; `session_ended(n)` follows."""
        if self.engine is None:
            self._close_session()
            self.session_ended.emit(0)
            return
        self.engine.end_session(logout=False)

    def sign_out(self) -> None:
        """Upload, release, revoke the token, wipe contact data; `sign_out_finished` follows.

        Results the server has not confirmed stay queued for the next sign-in."""
        self._signing_out = True
        if self.engine is not None:
            self.engine.end_session(logout=True)
            return
        account, token = self.store.account(), self._token

        def logout() -> None:
            if account is not None and token:
                self._check_results(account, token)  # before the wipe
                api = self.api_factory(account.server_url)
                api.token = token
                try:
                    api.logout()
                except ApiError as exc:
                    log.info("sign-out: server not told (%s)", type(exc).__name__)
                finally:
                    api.close()
            self._logout_done.emit()

        threading.Thread(target=logout, name="logout", daemon=True).start()

    @Slot(int)
    def _on_released(self, count: int) -> None:
        self._close_session()
        self.session_ended.emit(count)
        if self._signing_out:
            self._stop_engine()
            self._finish_sign_out()

    @Slot()
    def _finish_sign_out(self) -> None:
        account = self.store.account()
        self._close_session()
        self.store.wipe_account_data()
        if account is not None:
            self.credentials.delete(account.server_url, account.username)
        self._token = None
        self._signing_out = False
        self.campaign_id = None
        log.info("signed out; local contact data wiped")
        self.sign_out_finished.emit()

    def _check_results(self, account: Account, token: str | None) -> None:
        """*Blocking.* Ask the server whether it holds each delivered result, before a wipe.

        Confirmed ones may then be deleted; missing ones go back to the outbox. When the
        check cannot run (offline, token gone) the wipe keeps them all."""
        if not token:
            return
        api = self.api_factory(account.server_url)
        api.token = token
        try:
            check_delivered(self.store, api)
        except ApiError as exc:
            log.info("results check before wiping skipped (%s)", type(exc).__name__)
        finally:
            api.close()

    def _close_session(self) -> None:
        if self.session_id is not None:
            self.store.end_session(self.session_id)
            self.session_id = None

    @Slot()
    def _on_engine_signed_out(self) -> None:
        self._token = None
        self.signed_out.emit()

    def _stop_engine(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        engine, self.engine, self.thread = self.engine, None, None
        if engine is not None:
            if not engine.shutdown():
                log.warning("sync thread did not stop in time")
            engine.api.close()

    def shutdown(self) -> None:
        """At quit: stop the sync thread (results stay queued in the store)."""
        self._stop_engine()
