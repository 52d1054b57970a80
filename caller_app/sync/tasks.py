"""What one sync cycle does, step by step (runs on the sync thread only).

Order matters: give back released batches, refresh the script, upload the outbox,
renew leases, then lease more contacts, then fetch team progress. Any ApiError
ends the cycle and the engine retries with backoff.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import TYPE_CHECKING

from caller_app.api import ApiError, ProtocolError, Rejected
from caller_app.domain.models import Rejection

if TYPE_CHECKING:
    from .engine import SyncEngine

log = logging.getLogger(__name__)


def _due(engine: SyncEngine, key: str) -> bool:
    return time.monotonic() >= engine.due[key]


def _later(engine: SyncEngine, key: str, seconds: float) -> None:
    engine.due[key] = time.monotonic() + seconds


# After an upload, the team tally is fetched again this soon (not a minute later), so
# the volunteer sees their own calls counted.
TALLY_AFTER_UPLOAD_S = 5.0


def run_cycle(engine: SyncEngine) -> None:
    retry_releases(engine)
    if _due(engine, "script"):
        refresh_script(engine)
    if upload(engine):
        engine.due["progress"] = min(engine.due["progress"], engine.tally_not_before)
    send_preferences(engine)
    engine.store.retire_finished_batches()
    if _due(engine, "renew"):
        renew(engine)
    if not engine.ending and _due(engine, "lease"):
        prefetch(engine)
    if _due(engine, "progress"):
        engine.progress_changed.emit(engine.api.progress(engine.campaign_id))
        _later(engine, "progress", engine.progress_every_s)
        engine.tally_not_before = time.monotonic() + TALLY_AFTER_UPLOAD_S


def send_preferences(engine: SyncEngine) -> None:
    """Send a leaderboard choice made since the last cycle; kept for the next if it fails."""
    wanted = engine.pending_leaderboard
    if wanted is None:
        return
    engine.api.set_leaderboard_opt_in(wanted)
    if engine.pending_leaderboard == wanted:
        engine.pending_leaderboard = None
    engine.due["progress"] = 0.0  # show the board with (or without) us at once


def refresh_script(engine: SyncEngine) -> None:
    cid = engine.campaign_id
    etag = engine.store.script_etag(cid) if engine.store.script(cid) else None
    fetched = engine.api.script(cid, etag)
    if fetched is not None:
        script, new_etag = fetched
        engine.store.save_script(script, new_etag)
        log.info("script of campaign=%d updated to version %s", cid, script.version)
        engine.script_changed.emit(script)
    _later(engine, "script", engine.script_every_s)


def upload(engine: SyncEngine) -> int:
    """Send the outbox in chunks; a result leaves it only when the server lists its id."""
    store, chunk, delivered = engine.store, engine.upload_chunk, 0
    while True:
        batch = store.claim_for_upload(chunk)
        if not batch:
            return delivered
        engine._status(None, uploading=True)
        try:
            reply = engine.api.post_results(batch)
        except Rejected as exc:  # the whole request refused (413/422): narrow it down
            if len(batch) > 1:
                chunk = max(1, len(batch) // 2)
                continue
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


def renew(engine: SyncEngine) -> None:
    campaign = engine.store.campaign(engine.campaign_id)
    lease_minutes = campaign.lease_minutes if campaign else 45
    for batch_id, _expires in engine.store.live_batches():
        try:
            engine.store.update_lease(batch_id, engine.api.renew(batch_id))
        except Rejected:  # not ours any more (expired and taken): forget its contacts
            log.info("batch=%d is gone on the server; dropping it", batch_id)
            engine.store.release_batch(batch_id)
            engine.store.drop_batch(batch_id)
            engine.contacts_changed.emit()
    every = engine.renew_every_s if engine.renew_every_s is not None else lease_minutes * 20
    _later(engine, "renew", every)


def prefetch(engine: SyncEngine) -> None:
    """Lease more contacts while fewer than `prefetch_below` are left unworked."""
    store, cid = engine.store, engine.campaign_id
    campaign = store.campaign(cid)
    size = min(50, max(1, campaign.batch_size if campaign else 20))
    for _ in range(3):
        if store.remaining(cid) >= engine.prefetch_below:
            return
        request_id = store.lease_request_id(cid)  # reused until a reply arrives
        lease = engine.api.lease(cid, size, request_id)
        if lease.batch_id is None or lease.lease_expires_at is None:
            store.clear_lease_request(cid)
            _later(engine, "lease", engine.empty_retry_s)
            log.info("no contacts for campaign=%d: %s", cid, lease.reason)
            if store.remaining(cid) == 0:
                engine.out_of_contacts.emit(lease.reason or "no_contacts", lease.opens_at)
            return
        added = store.add_batch(lease.batch_id, cid, lease.lease_expires_at, lease.contacts)
        log.info("leased batch=%d with %d new contacts", lease.batch_id, added)
        engine.contacts_changed.emit()
        if added == 0:
            return


def retry_releases(engine: SyncEngine) -> int:
    """Tell the server about batches given back locally; forget them once it knows."""
    count = 0
    for batch_id, ids in engine.store.batches_to_release():
        with contextlib.suppress(Rejected):  # not ours any more: nothing to give back
            count += engine.api.release(batch_id, ids) if ids else 0
        engine.store.drop_batch(batch_id)
        log.info("released batch=%d (%d contacts)", batch_id, len(ids))
    return count


def end_session(engine: SyncEngine, logout: bool) -> int:
    """Upload, give back every unworked contact (deleted here at once), maybe sign out."""
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
            engine.api.logout()
        except ApiError as exc:
            log.info("sign-out: server not told (%s)", type(exc).__name__)
    return count
