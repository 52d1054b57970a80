"""CallerCore: the app without widgets, the one object the UI's view models use.

It lives on the GUI thread and owns the store, the credentials, a `TaskThread` for
one-off blocking jobs and (while a campaign is chosen) the sync engine on its QThread;
it re-emits the engine's signals on the GUI thread. One rule for threads: the core's
own state changes on the GUI thread only. `begin_sign_in`, `begin_fetch_campaigns`
and a sign-out without an engine run their network part on the task thread and apply
the result back here. Methods marked *blocking* (`sign_in`, `fetch_campaigns`) are the
same steps run in place, for scripts, the self-test and tests; the UI never calls them.
All others only touch the local store and return at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, QThread, Signal, Slot

from caller_app.api import ApiClient, ApiError, SignedOut, normalise_server_url
from caller_app.credentials import Credentials
from caller_app.domain import calling_hours
from caller_app.domain.attention import AttentionEntry
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
    Skip,
    SyncStatus,
)
from caller_app.store import Store
from caller_app.sync import SyncEngine, SyncPolicy, connectivity, invite, signin
from caller_app.sync.taskthread import Jobs, OnError

log = logging.getLogger(__name__)

ApiFactory = Callable[[str], ApiClient]
Clock = Callable[[], dt.datetime]  # an aware "now"; tests pass their own
T = TypeVar("T")

# At shutdown the sync thread gets this long to finish the exchange in flight; then
# it is aborted (the client's reply deadline is minutes), and a worker gets the second
# grace to notice (a connect attempt is bounded by the client's connect timeout, 5 s).
FINISH_GRACE_MS = 10_000  # what shutdown always waited before it could abort
ABORT_GRACE_MS = 15_000


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
        self.sync_thread: QThread | None = None
        self.campaign_id: int | None = None
        self.campaign_status = "active"  # paused or closed by the organiser: offer nobody
        self.session_id: int | None = None
        self._token: str | None = None
        self._unwatch: Callable[[], None] | None = None
        self._signing_out = False
        self.last_status: SyncStatus | None = None
        self.jobs = Jobs("core-tasks", ABORT_GRACE_MS)  # one-off blocking jobs
        # Read after every save on the GUI thread, so kept here rather than re-read from
        # the store each time (issue 15): the open session's numbers, kept up to date by
        # record() and dropped (re-counted on the next read) whenever anything else may
        # change them; and the chosen campaign (its calling hours), dropped on a fetch.
        self._stats: SessionStats | None = None
        self._reached_codes: frozenset[str] = frozenset()
        self._campaign: Campaign | None = None
        # Servers whose health check a client of this run passed: later clients skip it
        # (one round trip each for the campaigns and the sync engine's client).
        self._checked_urls: set[str] = set()

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
        api = self._client(account.server_url)
        api.token = self._token
        return api

    def _client(self, url: str) -> ApiClient:
        """A new client; its health check skipped if one of this run's passed already."""
        api = self.api_factory(url)
        if isinstance(api, ApiClient) and api.base_url in self._checked_urls:
            api.assume_compatible()
        return api

    def _note_checked(self, *clients: ApiClient | None) -> None:
        """GUI thread, after a job: remember the servers these clients found compatible."""
        for api in clients:
            if isinstance(api, ApiClient) and api.compatible:
                self._checked_urls.add(api.base_url)

    def last_server_url(self) -> str | None:
        return self.store.last_server_url()

    def last_username(self) -> str | None:
        return self.store.last_username()

    # -- one-off blocking jobs on the task thread ------------------------------------------
    def submit(self, fn: Callable[[], T], on_done: Callable[[T], None], on_error: OnError) -> None:
        """Run `fn` on the core's task thread; `on_done(value)` or `on_error(exc)` here.

        `fn` must not touch the core's state: it gets what it needs as arguments."""
        self.jobs.submit(fn, on_done, on_error)

    def _job_api(self, url: str) -> ApiClient:
        """A client for one job, aborted should the app shut down meanwhile."""
        return self.jobs.track(self._client(url))

    def begin_sign_in(
        self,
        server_url: str,
        username: str,
        password: str,
        remember: bool,
        on_done: Callable[[Account], None],
        on_error: OnError,
    ) -> None:
        """`sign_in` with its network half on the task thread; callbacks run here."""
        previous, old_token = self.store.account(), self._token
        try:
            api = self._job_api(normalise_server_url(server_url))
        except ApiError as exc:  # a malformed address
            on_error(exc)
            return
        checker = self._job_api(api.base_url)  # the version check, beside the sign-in
        old_api = self._job_api(previous.server_url) if previous is not None else None

        def log_in() -> tuple[str, Account]:
            return signin.log_in(
                self.store, api, old_api, username, password, previous, old_token, checker
            )

        def done(reply: tuple[str, Account]) -> None:
            self._note_checked(checker)
            self.jobs.done(api, old_api, checker)
            try:
                account = self._apply_sign_in(*reply, previous, remember)
            except Exception as exc:  # a locked store, a keyring refusal
                on_error(exc)
                return
            on_done(account)

        def failed(exc: BaseException) -> None:
            self.jobs.done(api, old_api, checker)
            on_error(exc)

        self.submit(log_in, done, failed)

    def begin_token_sign_in(
        self,
        account: Account,
        token: str,
        remember: bool,
        on_done: Callable[[Account], None],
        on_error: OnError,
    ) -> None:
        """Sign in with a token the server issued in-process (practice mode): no request
        to the server itself; only a previous volunteer's results check, should another
        person have been signed in here, runs on the task thread. Callbacks run here."""
        previous, old_token = self.store.account(), self._token
        old_api = self._job_api(previous.server_url) if previous is not None else None

        def check() -> tuple[str, Account]:
            return signin.adopt(self.store, old_api, account, previous, old_token)

        def done(_: tuple[str, Account]) -> None:
            self.jobs.done(old_api)
            try:
                signed_in = self._apply_sign_in(token, account, previous, remember)
            except Exception as exc:  # a locked store, a keyring refusal
                on_error(exc)
                return
            on_done(signed_in)

        def failed(exc: BaseException) -> None:
            self.jobs.done(old_api)
            on_error(exc)

        self.submit(check, done, failed)

    def begin_join(
        self,
        server_url: str,
        code: str,
        details: tuple[str, str, str, bool],
        remember: bool,
        on_done: Callable[[tuple[Account, int]], None],
        on_error: OnError,
    ) -> None:
        """Accept an invite (issue 14): `details` is (name, username, password, create);
        make the account (or sign in, when `create` is False) on the task thread, then
        sign in here as `begin_sign_in` does. `on_done((account, campaign id))`."""
        name, username, password, create = details
        previous, old_token = self.store.account(), self._token
        try:
            api = self._job_api(normalise_server_url(server_url))
        except ApiError as exc:
            on_error(exc)
            return
        old_api = self._job_api(previous.server_url) if previous is not None else None

        def work() -> tuple[str, Account, int]:
            return invite.join(
                self.store, api, old_api, code, name, username, password, create, previous,
                old_token,
            )  # fmt: skip

        def done(reply: tuple[str, Account, int]) -> None:
            self._note_checked(api)
            self.jobs.done(api, old_api)
            try:
                account = self._apply_sign_in(reply[0], reply[1], previous, remember)
            except Exception as exc:  # a locked store, a keyring refusal
                on_error(exc)
                return
            on_done((account, reply[2]))

        def failed(exc: BaseException) -> None:
            self.jobs.done(api, old_api)
            on_error(exc)

        self.submit(work, done, failed)

    def sign_in(
        self, server_url: str, username: str, password: str, remember: bool = True
    ) -> Account:
        """*Blocking.* Check the server version, sign in, keep the token in the keyring
        (for this run only unless `remember`)."""
        previous, old_token = self.store.account(), self._token
        api = self._client(normalise_server_url(server_url))
        checker = self._client(api.base_url)
        old_api = self._client(previous.server_url) if previous is not None else None
        try:
            reply = signin.log_in(
                self.store, api, old_api, username, password, previous, old_token, checker
            )
            self._note_checked(checker)
        finally:
            for client in (api, old_api, checker):
                if client is not None:
                    client.close()
        return self._apply_sign_in(*reply, previous, remember)

    def _apply_sign_in(
        self, token: str, account: Account, previous: Account | None, remember: bool
    ) -> Account:
        """GUI thread: the local half of signing in."""
        if previous is not None and signin.other_person(previous, account):
            self._stop_engine()
            self.store.wipe_account_data()  # another person's contacts must not linger
        self.store.save_account(account)
        if remember:
            self.credentials.set(account.server_url, account.username, token)
        else:  # the token stays in memory for this run only
            self.credentials.delete(account.server_url, account.username)
        self._token = token
        if self.engine is not None:
            self.engine.set_token(token)
        log.info("signed in volunteer=%d", account.volunteer_id)
        return account

    def begin_fetch_campaigns(
        self, on_done: Callable[[list[Campaign]], None], on_error: OnError
    ) -> None:
        """`fetch_campaigns` on the task thread; callbacks run here."""
        try:
            api = self._api()
        except SignedOut as exc:
            on_error(exc)
            return
        self.jobs.track(api)
        store = self.store

        def fetch() -> list[Campaign]:
            campaigns = api.campaigns()
            store.save_campaigns(campaigns)  # the store is safe from any thread
            return campaigns

        def done(campaigns: list[Campaign]) -> None:
            self._note_checked(api)
            self.jobs.done(api)
            self._campaign = None  # saved afresh by fetch()
            on_done(campaigns)

        def failed(exc: BaseException) -> None:
            self.jobs.done(api)
            on_error(exc)

        self.submit(fetch, done, failed)

    def fetch_campaigns(self) -> list[Campaign]:
        """*Blocking.* The active campaigns from the server (cached in the store)."""
        api = self._api()
        try:
            campaigns = api.campaigns()
            self._note_checked(api)
        finally:
            api.close()
        self.store.save_campaigns(campaigns)
        self._campaign = None
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
        self._campaign = self._stats = None
        self.campaign_status = "active"
        self.session_id = self.store.open_session(campaign_id) or self.store.start_session(
            campaign_id
        )
        engine = SyncEngine(self.store, api, campaign_id, self.sync_policy)
        engine.status_changed.connect(self._on_status)
        engine.contacts_changed.connect(self.contacts_changed)
        engine.campaign_status.connect(self._on_campaign_status)
        engine.script_changed.connect(self._on_script)
        engine.progress_changed.connect(self.progress_changed)
        engine.out_of_contacts.connect(self.out_of_contacts)
        engine.contacts_lost.connect(self.contacts_lost)
        engine.attention_changed.connect(self._on_attention)
        engine.signed_out.connect(self._on_engine_signed_out)
        engine.released.connect(self._on_released)
        self.engine = engine
        self.sync_thread = engine.run_in_thread()
        if self.watch_network:
            self._unwatch = connectivity.watch(engine.network_up)
        log.info("session=%d started for campaign=%d", self.session_id, campaign_id)

    def script(self) -> Script | None:
        return self.store.script(self.campaign_id) if self.campaign_id is not None else None

    def current_contact(self) -> Contact | None:
        """The next contact to call, or None; never one outside the calling hours
        (the server checks hours only when leasing, so a batch could outlast them)."""
        if self.campaign_id is None or self.campaign_status != "active":
            return None  # paused or closed by the organiser: held contacts wait
        window = self.calling_window()
        if window is not None and not window.is_open:
            return None
        return self.store.next_contact(self.campaign_id)

    def same_number(self, contact: Contact) -> list[str]:
        """Who else in the held batch shares this contact's phone (first names)."""
        return self.store.same_number(contact)

    @Slot(str)
    def _on_campaign_status(self, status: str) -> None:
        """The organiser paused, resumed or closed the campaign (the server said so)."""
        if status == self.campaign_status:
            return
        log.info("campaign=%s is now %s", self.campaign_id, status)
        self.campaign_status = status
        self.contacts_changed.emit()  # resumed: offering starts again
        if status != "active":
            self.out_of_contacts.emit(status, None)

    def calling_window(self) -> CallingWindow | None:
        """The chosen campaign's calling hours at the core's clock; None when unknown.

        Unknown (no cached campaign, malformed hours, a zone this computer lacks) does
        not stop calling: the server still checks hours when it leases contacts.
        """
        campaign = self._chosen_campaign()
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

    def _chosen_campaign(self) -> Campaign | None:
        """The chosen campaign as last fetched (kept: read after every save)."""
        if self.campaign_id is None:
            return None
        if self._campaign is None or self._campaign.id != self.campaign_id:
            self._campaign = self.store.campaign(self.campaign_id)
        return self._campaign

    @Slot(object)
    def _on_script(self, script: Script) -> None:
        self._stats = None  # which outcomes count as reached may have changed
        self.script_changed.emit(script)

    def remaining(self) -> int:
        return self.store.remaining(self.campaign_id) if self.campaign_id is not None else 0

    def record(self, draft: ResultDraft) -> Result:
        """Save the call (one local transaction) and move on; the upload follows."""
        result = self.store.record(draft)
        self._count_call(result)
        self.contacts_changed.emit()
        self._local_change()
        if self.engine is not None:
            self.engine.result_recorded()
        return result

    def _count_call(self, result: Result) -> None:
        """A call just recorded in the open session: its numbers, without re-counting."""
        stats = self._stats
        if stats is None or result.campaign_id != self.campaign_id or result.supersedes:
            self._stats = None
            return
        by_outcome = dict(stats.by_outcome)
        by_outcome[result.outcome] = by_outcome.get(result.outcome, 0) + 1
        self._stats = dataclasses.replace(
            stats,
            calls=stats.calls + 1,
            reached=stats.reached + (result.outcome in self._reached_codes),
            by_outcome=by_outcome,
            waiting=stats.waiting + 1,
        )

    def undo(self) -> Result | None:
        """Take back the last call if it has not started uploading; else None (use correct)."""
        if self.campaign_id is None:
            return None
        result = self.store.undo_last(self.campaign_id)
        if result is not None:
            self._stats = None
            self.contacts_changed.emit()
            self._local_change()
        return result

    def correct(self, original_id: str, draft: ResultDraft) -> Result:
        """Record a correction that supersedes an already uploaded (frozen) result."""
        result = self.store.record_correction(original_id, draft)
        self._stats = None
        self._local_change()
        if self.engine is not None:
            self.engine.result_recorded()
        return result

    def skip(self, contact: Contact) -> Skip | None:
        """Pass on the contact without an outcome (not a call): stored at once like a
        result, the sync engine tells the server; None when it was no longer waiting."""
        skip = self.store.skip(contact.batch_id, contact.id)
        if skip is not None:
            self.contacts_changed.emit()
            if self.engine is not None:
                self.engine.result_recorded()  # send it (and lease more) now
        return skip

    def skips_in_last_hour(self) -> int:
        """Skips made here in the last hour (the server allows SKIPS_PER_HOUR)."""
        return self.store.skips_in_last_hour()

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
        self._stats = None
        self.attention_changed.emit()
        self._local_change()
        if self.engine is not None:
            self.engine.sync_now()
        return count

    def attention_entries(self) -> list[AttentionEntry]:
        """Every refused result with its server, campaign and (while held) contact name."""
        return self.store.attention_entries()

    def dismiss_attention(self, result_id: str) -> None:
        self.store.dismiss_attention(result_id)
        self._stats = None
        self.attention_changed.emit()
        self._local_change()

    @Slot()
    def _on_attention(self) -> None:
        self._stats = None  # a refused result is a call needing attention now
        self.attention_changed.emit()

    @Slot(object)
    def _on_status(self, status: SyncStatus) -> None:
        self._stats = None  # the sync thread may have delivered some of this session's
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

    def session_stats(self, session_id: int | None = None) -> SessionStats | None:
        """This session's numbers (or those of `session_id`, say one just ended).

        The open session's are counted by the store once, then kept up to date by
        `record()` until something else changes them (an upload, an undo, a correction,
        a refusal), which makes the next read count again."""
        wanted = session_id if session_id is not None else self.session_id
        if not wanted:
            return None
        if wanted != self.session_id:
            return self.store.session_stats(wanted)
        if self._stats is None:
            script = self.script()
            self._reached_codes = frozenset(
                o.code for o in (script.outcomes if script else ()) if o.reached
            )
            self._stats = self.store.session_stats(wanted)
        return self._stats

    def waiting_count(self) -> int:
        """Results not yet uploaded (a local read)."""
        return self.store.waiting_count()

    def result(self, result_id: str) -> Result | None:
        return self.store.result(result_id)

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
        if account is None or not token:
            self._finish_sign_out()
            return
        api = self._job_api(account.server_url)

        def logout() -> None:
            signin.check_before_wipe(self.store, api, token)
            api.token = token
            try:
                api.logout()
            except ApiError as exc:
                log.info("sign-out: server not told (%s)", type(exc).__name__)

        def finish(_: object) -> None:
            self.jobs.done(api)
            self._finish_sign_out()

        self.submit(logout, finish, finish)

    @Slot(int)
    def _on_released(self, count: int) -> None:
        self._close_session()
        self.session_ended.emit(count)
        if self._signing_out:
            self._stop_engine()
            self._finish_sign_out()

    def leave_campaign(self) -> None:
        """After `session_ended`: stop this campaign's sync engine and join its thread,
        keeping the sign-in and the token, so that `choose_campaign` can start another.
        Results still waiting are uploaded by the next engine (the outbox is per account)."""
        self._close_session()
        if self.engine is not None:
            # The contacts are back: cut any exchange in flight rather than wait for it
            # on this thread (an upload cut short stays queued, sent again by id).
            self.engine.stop()
            self.engine.api.abort()
        self._stop_engine()
        self.campaign_id = None
        self.campaign_status = "active"

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

    def _close_session(self) -> None:
        self._stats = None
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
        engine, self.engine, self.sync_thread = self.engine, None, None
        if engine is not None:
            # An upload in flight usually ends in a moment: let it, so its reply is
            # read; a slow one is cut (it stays queued) rather than waited out.
            if not engine.shutdown(FINISH_GRACE_MS):
                engine.api.abort()
            if not engine.shutdown(ABORT_GRACE_MS) and not engine.shutdown(None):
                log.warning("sync thread did not stop")
            engine.api.close()

    def shutdown(self) -> None:
        """At quit: stop the sync thread and the task thread, waiting for both (results
        stay queued in the store); the requests in flight are aborted first."""
        self._stop_engine()
        self.jobs.stop()


def build_core(db_path: Path | None = None, *, watch_network: bool = True) -> CallerCore:
    """The app's objects, wired: the store on `paths.db_path()` (which honours
    `--data-dir`), the keyring credentials, the HTTP client factory."""
    from caller_app import paths

    return CallerCore(Store(db_path or paths.db_path()), Credentials(), watch_network=watch_network)
