"""What one sync cycle does, step by step (runs on the sync thread only).

Each step has its own due time and its own backoff (`schedule.Schedule`): a failing
script refresh or lease request never holds up an upload. Order still matters within
a cycle: give back released batches, check what the server holds (session start),
renew leases (first, after a wake or an offline spell), upload, refresh the script,
lease more, fetch the tally. `Offline` ends the whole cycle (the network is down for
every step) unless a renewal met it: uploads never wait on renewals. `SignedOut` stops
the engine until a new token arrives.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from caller_app.api import ApiError, Offline, ProtocolError, Rejected, SignedOut, Throttled
from caller_app.domain.models import Rejection

from .reconcile import check_delivered
from .schedule import Step

if TYPE_CHECKING:
    from .engine import SyncEngine

log = logging.getLogger(__name__)

# After an upload, the team tally is fetched again this soon (not a minute later), so
# the volunteer sees their own calls counted.
TALLY_AFTER_UPLOAD_S = 5.0
# Replies to a renewal that mean "this batch is not yours any more".
BATCH_GONE = (404, 409)
# The lease reply's reason while a server restored from a backup catches up.
RECOVERING = "recovering"
# Lease reasons that are the campaign's status: the app offers none of its contacts.
PAUSED_OR_CLOSED = ("paused", "closed")


def run_cycle(engine: SyncEngine) -> None:
    engine.store.retire_finished_batches()
    _run(engine, Step.RELEASE, retry_releases)
    _run(engine, Step.CHECK, check)
    _run(engine, Step.RENEW, renew)
    _run(engine, Step.UPLOAD, upload)
    _run(engine, Step.RENEW, renew)  # due again if the upload ended an offline spell
    _run(engine, Step.SCRIPT, refresh_script)
    _run(engine, Step.PREFS, send_preferences)
    if not engine.ending:
        _run(engine, Step.LEASE, prefetch)
    _run(engine, Step.PROGRESS, fetch_progress)


def _run(engine: SyncEngine, step: Step, task: Callable[[SyncEngine], object]) -> None:
    """Run `task` if its step is due; an ApiError backs off this step alone."""
    if engine.stop_requested or not engine.schedule.due(step):
        return
    try:
        task(engine)
    except SignedOut:
        raise
    except ApiError as exc:
        if isinstance(exc, Offline):
            engine.offline_spell = engine.force_renew = True
            if step is not Step.RENEW:  # the network is down for every step: end the cycle
                raise
            # ...but uploads never wait on a renewal: it backs off alone
        at_least = exc.retry_after if isinstance(exc, Throttled) else 0.0
        delay = engine.schedule.failed(step, at_least)
        log.info("sync step %s failed (%s); retry in %.1fs", step.value, type(exc).__name__, delay)
        engine.step_failed(step, exc, delay)
    else:
        engine.schedule.succeeded(step)
        if engine.offline_spell and step is not Step.RENEW:
            engine.offline_spell = False  # back online: renew first thing
            engine.schedule.reset(Step.RENEW)


def check(engine: SyncEngine) -> None:
    """Once a session: results the server lost (restored from a backup) go out again."""
    check_delivered(engine.store, engine.api)
    engine.schedule.never(Step.CHECK)


def send_preferences(engine: SyncEngine) -> None:
    """Send a leaderboard choice made since the last cycle; kept for the next if it fails."""
    wanted = engine.pending_leaderboard
    if wanted is None:
        return
    engine.api.set_leaderboard_opt_in(wanted)
    if engine.pending_leaderboard == wanted:
        engine.pending_leaderboard = None
    engine.schedule.reset(Step.PROGRESS)  # show the board with (or without) us at once


def refresh_script(engine: SyncEngine) -> None:
    cid = engine.campaign_id
    etag = engine.store.script_etag(cid) if engine.store.script(cid) else None
    fetched = engine.api.script(cid, etag)
    if fetched is not None:
        script, new_etag = fetched
        engine.store.save_script(script, new_etag)
        log.info("script of campaign=%d updated to version %s", cid, script.version)
        engine.script_changed.emit(script)
    engine.schedule.later(Step.SCRIPT, engine.script_every_s)


def fetch_progress(engine: SyncEngine) -> None:
    progress = engine.api.progress(engine.campaign_id)
    engine.progress_changed.emit(progress)
    engine.campaign_status.emit(progress.campaign_status)
    engine.schedule.later(Step.PROGRESS, engine.progress_every_s)
    engine.tally_not_before = engine.clock() + dt.timedelta(seconds=TALLY_AFTER_UPLOAD_S)


def upload(engine: SyncEngine) -> int:
    """Send the outbox in chunks; a result leaves it only when the server lists its id.

    Only the server naming a result in `rejected`, or a 422 to a request holding that
    one result alone, parks it. A 413/422 to a larger request is narrowed down by
    halving; any other refusal (a proxy's 400/404/408, a 413 for one result) is
    transient and the step backs off.
    """
    store, chunk, delivered = engine.store, engine.upload_chunk, 0
    while True:
        batch = store.claim_for_upload(chunk)
        if not batch:
            break
        engine._status(None, uploading=True)
        try:
            reply = engine.api.post_results(batch)
        except Rejected as exc:
            if exc.status in (413, 422) and len(batch) > 1:
                chunk = max(1, len(batch) // 2)
                continue
            if exc.status != 422:
                raise
            log.warning("result=%s refused (%s)", batch[0].id, exc.code or exc.status)
            store.mark_rejected([Rejection(batch[0].id, exc.code or "invalid", str(exc))])
            engine.attention_changed.emit()
            continue
        sent = {r.id for r in batch}
        done = [i for i in (*reply.accepted, *reply.duplicates) if i in sent]
        refused = [r for r in reply.rejected if r.result_id in sent]
        store.mark_delivered(done)
        delivered += len(done)
        if refused:
            store.mark_rejected(refused)
            for r in refused:
                log.warning("result=%s rejected: %s", r.result_id, r.code)
            engine.attention_changed.emit()
        log.info(
            "uploaded %d: %d accepted, %d duplicate, %d rejected",
            len(batch),
            len([i for i in reply.accepted if i in sent]),
            len([i for i in reply.duplicates if i in sent]),
            len(refused),
        )
        if not done and not refused:
            raise ProtocolError("The server did not confirm our results. We'll keep trying.")
        chunk = min(engine.upload_chunk, chunk * 2)
    if delivered:
        wait = (engine.tally_not_before - engine.clock()).total_seconds()
        engine.schedule.sooner(Step.PROGRESS, wait)
    return delivered


def renew(engine: SyncEngine) -> None:
    """Renew leases due by the wall clock (all of them after a wake or an offline spell).

    The reply's `contact_ids` are the truth: unworked contacts not listed are deleted
    and counted in `contacts_lost`; a batch that is gone (404/409) loses all of them.
    """
    store, lost, renewed = engine.store, 0, False
    recovering: dt.datetime | None = None
    try:
        for batch_id in store.batches_to_renew(engine.renew_every_s, engine.force_renew):
            received = engine.clock()
            try:
                renewal = engine.api.renew(batch_id)
            except Rejected as exc:
                if exc.status not in BATCH_GONE:
                    raise
                log.info("batch=%d is gone on the server; dropping it", batch_id)
                lost += len(store.release_batch(batch_id))
                store.drop_batch(batch_id)
                renewed = True
                continue
            lost += store.apply_renewal(batch_id, renewal.lease_end(received), renewal.contact_ids)
            recovering = recovering or renewal.recovering_until
            engine.campaign_status.emit(renewal.campaign_status)
            renewed = True
        engine.force_renew = False
    finally:
        if renewed:
            engine.contacts_changed.emit()
        if lost:
            log.info("%d contacts no longer ours after renewal", lost)
            engine.contacts_lost.emit(lost)
    if recovering is not None:
        _after_restore(engine, recovering)


def prefetch(engine: SyncEngine) -> None:
    """Lease more while fewer than `prefetch_below` are left, up to the holding limit."""
    store, cid = engine.store, engine.campaign_id
    campaign = store.campaign(cid)
    size = min(50, max(1, campaign.batch_size if campaign else 20))
    limit = campaign.held_limit if campaign else 2 * size
    for _ in range(3):
        left = store.remaining(cid)
        if left >= engine.prefetch_below or left >= limit:
            return
        request_id = store.lease_request_id(cid)  # reused until a reply arrives
        received = engine.clock()
        lease = engine.api.lease(cid, min(size, limit - left), request_id)
        end = lease.lease_end(received)
        if lease.reason in PAUSED_OR_CLOSED:
            engine.campaign_status.emit(lease.reason)
        if lease.batch_id is None or end is None:
            store.clear_lease_request(cid)
            engine.schedule.later(Step.LEASE, engine.empty_retry_s)
            if lease.reason == RECOVERING:
                _after_restore(engine, lease.opens_at)
            log.info("no contacts for campaign=%d: %s", cid, lease.reason)
            if store.remaining(cid) == 0:
                engine.out_of_contacts.emit(lease.reason or "no_contacts", lease.opens_at)
            return
        added = store.add_batch(lease.batch_id, cid, end, lease.contacts)
        log.info("leased batch=%d with %d new contacts", lease.batch_id, added)
        engine.contacts_changed.emit()
        if added == 0:
            return


def _after_restore(engine: SyncEngine, opens_at: dt.datetime | None) -> None:
    """The server was restored from a backup and leases nothing for now (a lease or a
    renewal said so): give it back every result it may have lost (once per recovery
    window), then lease when it opens."""
    if engine.recovery_checked_for != opens_at:
        sent_again = check_delivered(engine.store, engine.api, after_restore=True)
        engine.recovery_checked_for = opens_at
        log.info("server recovering from a backup: %d results to send again", sent_again)
        # The restored server may have forgotten leases too: hear now which are still ours.
        engine.force_renew = True
        engine.schedule.reset(Step.RENEW)
        if sent_again:
            engine.schedule.reset(Step.UPLOAD)
            upload(engine)
    if opens_at is not None:  # ask again as it opens (or sooner, should it be cut short)
        wait = (opens_at - engine.clock()).total_seconds()
        engine.schedule.later(Step.LEASE, max(1.0, min(wait + 0.5, engine.empty_retry_s)))


def retry_releases(engine: SyncEngine) -> int:
    """Tell the server about batches given back locally; forget them once it knows."""
    count = 0
    for batch_id, ids in engine.store.batches_to_release():
        try:
            count += engine.api.release(batch_id, ids) if ids else 0
        except Rejected as exc:
            if exc.status not in BATCH_GONE:
                raise
            # not ours any more: nothing to give back
        engine.store.drop_batch(batch_id)
        log.info("released batch=%d (%d contacts)", batch_id, len(ids))
    return count


def end_session(engine: SyncEngine, logout: bool) -> int:
    """Upload, give back every unworked contact (deleted here at once), maybe sign out.

    Signing out wipes local data next, so the server is first asked whether it holds
    every delivered result; what it lost is sent again (or kept, when that fails).
    """
    try:
        upload(engine)
    except ApiError as exc:
        log.info("end of session: upload postponed (%s)", type(exc).__name__)
    for batch_id, _ in engine.store.live_batches():
        engine.store.release_batch(batch_id)
    engine.contacts_changed.emit()
    count = 0
    try:
        count = retry_releases(engine)
    except ApiError as exc:
        log.info("end of session: release postponed (%s)", type(exc).__name__)
    if logout:
        try:
            if check_delivered(engine.store, engine.api) and upload(engine):
                check_delivered(engine.store, engine.api)  # confirm what went again
        except ApiError as exc:
            log.info("sign-out: results check postponed (%s)", type(exc).__name__)
        try:
            engine.api.logout()
        except ApiError as exc:
            log.info("sign-out: server not told (%s)", type(exc).__name__)
    return count
