"""What one sync cycle does, step by step (runs on the sync thread only).

Each step has its own due time and its own backoff (`schedule.Schedule`): a failing
script refresh or lease request never holds up an upload. Order still matters within
a cycle: give back released batches, check what the server holds (session start),
renew leases (first, after a wake or an offline spell), upload, refresh the script,
lease more, fetch the tally. `Offline` ends the whole cycle (the network is down for
every step) unless a renewal met it: uploads never wait on renewals. `SignedOut` stops
the engine until a new token arrives.

`SyncSteps` knows the store, the server (an `ApiPort`), the numbers (`SyncPolicy`) and
the schedule; it tells its owner what happened through `SyncEvents` only, so the
engine's Qt machinery stays the engine's, and tests drive the steps against FakeApi.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from caller_app.api.errors import ApiError, Offline, ProtocolError, Rejected, SignedOut, Throttled
from caller_app.domain.i18n import QT_TRANSLATE_NOOP
from caller_app.domain.models import Rejection, RetryWait, Script, TeamProgress
from caller_app.store import Store

from .policy import SyncPolicy
from .port import ApiPort
from .reconcile import check_delivered
from .schedule import Schedule, Step

log = logging.getLogger(__name__)

# The lease reply's reason while a server restored from a backup catches up.
RECOVERING = "recovering"
# Lease reasons that are the campaign's status: the app offers none of its contacts.
PAUSED_OR_CLOSED = ("paused", "closed")


class SyncEvents(Protocol):
    """What the steps report to their owner (the engine re-emits them as signals)."""

    def uploading(self) -> None: ...
    def step_failed(self, step: Step, exc: ApiError, delay: float) -> None: ...
    def contacts_changed(self) -> None: ...
    def contacts_lost(self, count: int) -> None: ...
    def script_changed(self, script: Script) -> None: ...
    def progress_changed(self, progress: TeamProgress) -> None: ...
    def out_of_contacts(self, reason: str, when: dt.datetime | RetryWait | None) -> None: ...
    def attention_changed(self) -> None: ...
    def campaign_status(self, status: str) -> None: ...


class SyncSteps:
    """The steps of a cycle and the state they share. Owned by the sync thread."""

    def __init__(
        self,
        store: Store,
        api: ApiPort,
        campaign_id: int,
        policy: SyncPolicy,
        schedule: Schedule,
        events: SyncEvents,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.store, self.api, self.campaign_id = store, api, campaign_id
        self.policy, self.schedule, self.events, self.clock = policy, schedule, events, clock
        self.pending_leaderboard: bool | None = None  # a preference not yet sent
        # The last polled leaderboard: an upload's tallies come without one.
        self.leaderboard: tuple[tuple[str, int], ...] = ()
        # before this (wall clock) the tally isn't refetched after an upload
        self.tally_not_before = dt.datetime.min.replace(tzinfo=dt.UTC)
        self.force_renew = False  # renew every batch next: after a wake or an offline spell
        self.offline_spell = False  # a call met Offline; the next success renews first
        # The end of the server's recovery window whose results check we already ran.
        self.recovery_checked_for: dt.datetime | None = None
        self.session_checked = False  # this session's results check has run
        self.stop_requested = False  # set from any thread: the cycle ends between steps
        self.ending = False  # end_session ran: upload still, lease no more
        self.had_contacts = False  # contacts were held at the last cycle

    def run_cycle(self) -> None:
        self.store.retire_finished_batches()
        self._run(Step.RELEASE, self.retry_releases)
        self._run(Step.CHECK, self.check)
        self._run(Step.RENEW, self.renew)
        self._run(Step.SKIP, self.send_skips)
        self._run(Step.UPLOAD, self.upload)
        self._run(Step.RENEW, self.renew)  # due again if the upload ended an offline spell
        self._run(Step.SCRIPT, self.refresh_script)
        self._run(Step.PREFS, self.send_preferences)
        if not self.ending:
            self._ask_when_run_out()
            self._run(Step.LEASE, self.prefetch)
            self.had_contacts = self.store.remaining(self.campaign_id) > 0
        self._run(Step.PROGRESS, self.fetch_progress)

    def _ask_when_run_out(self) -> None:
        """The last held contact was just worked: ask the server at once why there are no
        more (and when a retry comes back), rather than after the empty-lease wait, so
        the volunteer reads the reason, not "Fetching more contacts…"."""
        if self.schedule.step_backing_off(Step.LEASE):
            return  # a throttled or failing lease keeps its wait
        if self.had_contacts and self.store.remaining(self.campaign_id) == 0:
            self.schedule.reset(Step.LEASE)

    def _run(self, step: Step, task: Callable[[], object]) -> None:
        """Run `task` if its step is due; an ApiError backs off this step alone."""
        if self.stop_requested or not self.schedule.due(step):
            return
        try:
            task()
        except SignedOut:
            raise
        except ApiError as exc:
            if isinstance(exc, Offline):
                self.offline_spell = self.force_renew = True
                if step is not Step.RENEW:  # the network is down for every step: end the cycle
                    raise
                # ...but uploads never wait on a renewal: it backs off alone
            at_least = exc.retry_after if isinstance(exc, Throttled) else 0.0
            delay = self.schedule.failed(step, at_least)
            log.info(
                "sync step %s failed (%s); retry in %.1fs", step.value, type(exc).__name__, delay
            )
            self.events.step_failed(step, exc, delay)
        else:
            self.schedule.succeeded(step)
            if self.offline_spell and step is not Step.RENEW:
                self.offline_spell = False  # back online: renew first thing
                self.schedule.reset(Step.RENEW)

    def check(self) -> None:
        """Once a session: results the server lost (restored from a backup) go out again."""
        check_delivered(self.store, self.api)
        self.session_checked = True
        self.schedule.never(Step.CHECK)

    def send_preferences(self) -> None:
        """The leaderboard choice made since the last cycle; kept for the next if it fails."""
        wanted = self.pending_leaderboard
        if wanted is None:
            return
        self.api.set_leaderboard_opt_in(wanted)
        if self.pending_leaderboard == wanted:
            self.pending_leaderboard = None
        self.schedule.reset(Step.PROGRESS)  # show the board with (or without) us at once

    def refresh_script(self) -> None:
        cid = self.campaign_id
        etag = self.store.script_etag(cid) if self.store.script(cid) else None
        fetched = self.api.script(cid, etag)
        if fetched is not None:
            script, new_etag = fetched
            self.store.save_script(script, new_etag)
            log.info("script of campaign=%d updated to version %s", cid, script.version)
            self.events.script_changed(script)
        self.schedule.later(Step.SCRIPT, self.policy.script_every_s)

    def fetch_progress(self) -> None:
        progress = self.api.progress(self.campaign_id)
        self.leaderboard = progress.leaderboard
        self._show_progress(progress)
        self.schedule.later(Step.PROGRESS, self.policy.progress_every_s)
        wait = dt.timedelta(seconds=self.policy.tally_after_upload_s)
        self.tally_not_before = self.clock() + wait

    def _show_progress(self, progress: TeamProgress) -> None:
        self.events.progress_changed(progress)
        self.events.campaign_status(progress.campaign_status)

    def upload(self) -> int:
        """Send the outbox in chunks; a result leaves it only when the server lists its id.

        Only the server naming a result in `rejected`, or a 422 to a request holding that
        one result alone, parks it. A 413/422 to a larger request is narrowed down by
        halving; any other refusal (a proxy's 400/404/408, a 413 for one result) is
        transient and the step backs off. The replies' tallies update the progress
        display; from a server that sends none, the tally is fetched soon instead.
        """
        store, policy, delivered = self.store, self.policy, 0
        chunk = policy.upload_chunk
        tallied = False  # a reply carried tallies: this server sends them
        latest: TeamProgress | None = None  # our campaign's, from the last reply with it
        while True:
            batch = store.claim_for_upload(chunk)
            if not batch:
                break
            self.events.uploading()
            try:
                reply = self.api.post_results(batch)
            except Rejected as exc:
                if exc.status in policy.split_statuses and len(batch) > 1:
                    chunk = max(1, len(batch) // 2)
                    continue
                if exc.status != policy.park_status:
                    raise
                log.warning("result=%s refused (%s)", batch[0].id, exc.code or exc.status)
                store.mark_rejected([Rejection(batch[0].id, exc.code or "invalid", str(exc))])
                self.events.attention_changed()
                continue
            if reply.tallies is not None:
                tallied = True
                latest = reply.tally(self.campaign_id) or latest
            sent = {r.id for r in batch}
            done = [i for i in (*reply.accepted, *reply.duplicates) if i in sent]
            refused = [r for r in reply.rejected if r.result_id in sent]
            store.mark_delivered(done)
            delivered += len(done)
            if refused:
                store.mark_rejected(refused)
                for r in refused:
                    log.warning("result=%s rejected: %s", r.result_id, r.code)
                self.events.attention_changed()
            log.info(
                "uploaded %d: %d accepted, %d duplicate, %d rejected",
                len(batch),
                len([i for i in reply.accepted if i in sent]),
                len([i for i in reply.duplicates if i in sent]),
                len(refused),
            )
            if not done and not refused:
                raise ProtocolError(
                    QT_TRANSLATE_NOOP(
                        "Errors", "The server did not confirm our results. We'll keep trying."
                    )
                )
            chunk = min(policy.upload_chunk, chunk * 2)
        if latest is not None:
            self._show_progress(dataclasses.replace(latest, leaderboard=self.leaderboard))
        elif delivered and not tallied:
            wait = (self.tally_not_before - self.clock()).total_seconds()
            self.schedule.sooner(Step.PROGRESS, wait)
        return delivered

    def send_skips(self) -> int:
        """Tell the server of contacts passed on here, each once (the server answers a
        skip sent again as before). A batch or contact no longer ours (404/409) has
        nothing to give back; a 429 (too many skips this hour) waits its Retry-After."""
        sent = 0
        for skip in self.store.skips_to_send():
            try:
                self.api.skip(skip.batch_id, skip.contact_id, skip.id)
            except Rejected as exc:
                if exc.status not in self.policy.batch_gone_statuses:
                    raise
                log.info("skip=%s: batch=%d no longer ours", skip.id, skip.batch_id)
            self.store.mark_skip_sent(skip.id)
            sent += 1
        return sent

    def renew(self) -> None:
        """Renew leases due by the wall clock (all of them after a wake or an offline spell).

        The reply's `contact_ids` are the truth: unworked contacts not listed are deleted
        and counted in `contacts_lost`; a batch that is gone (404/409) loses all of them.
        """
        store, lost, renewed = self.store, 0, False
        recovering: dt.datetime | None = None
        try:
            for batch_id in store.batches_to_renew(self.policy.renew_every_s, self.force_renew):
                received = self.clock()
                try:
                    renewal = self.api.renew(batch_id)
                except Rejected as exc:
                    if exc.status not in self.policy.batch_gone_statuses:
                        raise
                    log.info("batch=%d is gone on the server; dropping it", batch_id)
                    lost += len(store.release_batch(batch_id))
                    store.drop_batch(batch_id)
                    renewed = True
                    continue
                end = renewal.lease_end(received)
                lost += store.apply_renewal(batch_id, end, renewal.contact_ids)
                recovering = recovering or renewal.recovering_until
                self.events.campaign_status(renewal.campaign_status)
                renewed = True
            self.force_renew = False
        finally:
            if renewed:
                self.events.contacts_changed()
            if lost:
                log.info("%d contacts no longer ours after renewal", lost)
                self.events.contacts_lost(lost)
        if recovering is not None:
            self._after_restore(recovering)

    def prefetch(self) -> None:
        """Lease more while fewer than `prefetch_below` are left, up to the holding limit."""
        store, cid, policy = self.store, self.campaign_id, self.policy
        campaign = store.campaign(cid)
        size = policy.batch_size(campaign.batch_size if campaign else None)
        limit = campaign.held_limit if campaign else 2 * size
        for _ in range(policy.lease_rounds):
            left = store.remaining(cid)
            if left >= policy.prefetch_below or left >= limit:
                return
            request_id = store.lease_request_id(cid)  # reused until a reply arrives
            received = self.clock()
            lease = self.api.lease(cid, min(size, limit - left), request_id)
            end = lease.lease_end(received)
            if lease.reason in PAUSED_OR_CLOSED:
                self.events.campaign_status(lease.reason)
            if lease.batch_id is None or end is None:
                store.clear_lease_request(cid)
                self.schedule.later(Step.LEASE, policy.empty_retry_s)
                if lease.reason == RECOVERING:
                    self._after_restore(lease.opens_at)
                log.info("no contacts for campaign=%d: %s", cid, lease.reason)
                if lease.next_retry is not None:  # ask again as the first retry comes back
                    wait = (lease.next_retry.at - self.clock()).total_seconds()
                    retry = max(1.0, min(wait + 0.5, policy.empty_retry_s))
                    self.schedule.later(Step.LEASE, retry)
                if store.remaining(cid) == 0:
                    # for no_contacts the second value is the next retry (RetryWait | None)
                    self.events.out_of_contacts(
                        lease.reason or "no_contacts", lease.opens_at or lease.next_retry
                    )
                return
            added = store.add_batch(lease.batch_id, cid, end, lease.contacts)
            log.info("leased batch=%d with %d new contacts", lease.batch_id, added)
            self.events.contacts_changed()
            if added == 0:
                return

    def _after_restore(self, opens_at: dt.datetime | None) -> None:
        """The server was restored from a backup and leases nothing for now (a lease or a
        renewal said so): give it back every result it may have lost (once per recovery
        window), then lease when it opens."""
        if self.recovery_checked_for != opens_at:
            sent_again = check_delivered(self.store, self.api)
            self.recovery_checked_for = opens_at
            log.info("server recovering from a backup: %d results to send again", sent_again)
            # The restored server may have forgotten leases too: hear which are still ours.
            self.force_renew = True
            self.schedule.reset(Step.RENEW)
            if sent_again:
                self.schedule.reset(Step.UPLOAD)
                self.upload()
        if opens_at is not None:  # ask again as it opens (or sooner, should it be cut short)
            wait = (opens_at - self.clock()).total_seconds()
            retry = max(1.0, min(wait + 0.5, self.policy.empty_retry_s))
            self.schedule.later(Step.LEASE, retry)

    def retry_releases(self) -> int:
        """Tell the server about batches given back locally; forget them once it knows."""
        count = 0
        for batch_id, ids in self.store.batches_to_release():
            try:
                count += self.api.release(batch_id, ids) if ids else 0
            except Rejected as exc:
                if exc.status not in self.policy.batch_gone_statuses:
                    raise
                # not ours any more: nothing to give back
            self.store.drop_batch(batch_id)
            log.info("released batch=%d (%d contacts)", batch_id, len(ids))
        return count

    def end_session(self, logout: bool) -> int:
        """Upload, give back every unworked contact (deleted here at once), maybe sign out.

        Signing out wipes local data next, so the server is first asked whether it holds
        every delivered result; what it lost is sent again (or kept, when that fails).
        """
        self.ending = True
        try:
            self.send_skips()
        except ApiError as exc:  # the release below gives those contacts back anyway
            log.info("end of session: skips postponed (%s)", type(exc).__name__)
        try:
            self.upload()
        except ApiError as exc:
            log.info("end of session: upload postponed (%s)", type(exc).__name__)
        for batch_id, _ in self.store.live_batches():
            self.store.release_batch(batch_id)
        self.events.contacts_changed()
        count = 0
        try:
            count = self.retry_releases()
        except ApiError as exc:
            log.info("end of session: release postponed (%s)", type(exc).__name__)
        if logout:
            try:
                if check_delivered(self.store, self.api) and self.upload():
                    check_delivered(self.store, self.api)  # confirm what went again
            except ApiError as exc:
                log.info("sign-out: results check postponed (%s)", type(exc).__name__)
            try:
                self.api.logout()
            except ApiError as exc:
                log.info("sign-out: server not told (%s)", type(exc).__name__)
        return count
