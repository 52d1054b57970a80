"""Leasing, reading, renewing and releasing batches of contacts."""

from __future__ import annotations

from fastapi import APIRouter, Request

from caller_server import leasing, recovery
from caller_server.api.deps import CurrentVolunteer, DbSession, VisibleCampaign, db_call
from caller_server.api.errors import ApiError
from caller_server.api.schemas import (
    ERRORS,
    BatchIn,
    BatchOut,
    IdPath,
    ReleaseIn,
    ReleaseOut,
    RenewOut,
    SkipIn,
    SkipOut,
)
from caller_server.models import Batch
from caller_server.timeutil import utcnow

router = APIRouter(tags=["batches"])


def batch_out(view: leasing.BatchView) -> BatchOut:
    return BatchOut.model_validate(
        {
            "batch_id": view.batch_id,
            "campaign_id": view.campaign_id,
            "lease_expires_at": view.lease_expires_at,
            "lease_expires_in_s": view.lease_expires_in_s,
            "contacts": view.contacts,
            "reason": view.reason,
            "opens_at": view.opens_at,
            "next_retry_at": view.next_retry_at,
            "retries_waiting": view.retries_waiting,
        }
    )


def _own(session: DbSession, batch_id: int, volunteer_id: int, lock: bool = False) -> Batch:
    try:
        return leasing.own_batch(session, batch_id, volunteer_id, lock)
    except leasing.NotFound:
        raise ApiError(404, "No such batch.") from None


@router.post(
    "/campaigns/{campaign_id}/batches",
    response_model=BatchOut,
    responses={**ERRORS, 429: ERRORS[404]},
)
@db_call
def lease(
    campaign_id: IdPath,
    body: BatchIn,
    request: Request,
    access: VisibleCampaign,
    session: DbSession,
) -> BatchOut:
    try:
        view = leasing.lease_batch(
            session,
            access.campaign,
            access.volunteer.id,
            body.size,
            str(body.request_id),
            utcnow(),
            request.app.state.leases_per_minute,
        )
    except leasing.Throttled as exc:
        raise ApiError(
            429,
            f"Too many batches at once. Try again in {exc.retry_after} seconds.",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    return batch_out(view)


@router.get("/batches/{batch_id}", response_model=BatchOut, responses=ERRORS)
@db_call
def get_batch(batch_id: IdPath, volunteer: CurrentVolunteer, session: DbSession) -> BatchOut:
    batch = _own(session, batch_id, volunteer.id)
    return batch_out(leasing.batch_view(session, batch, utcnow()))


@router.post(
    "/batches/{batch_id}/renew", response_model=RenewOut, responses={**ERRORS, 409: ERRORS[404]}
)
@db_call
def renew(batch_id: IdPath, volunteer: CurrentVolunteer, session: DbSession) -> RenewOut:
    batch = _own(session, batch_id, volunteer.id, lock=True)
    if leasing.campaign_status(session, batch.campaign_id) == "closed":
        raise ApiError(409, "This campaign is closed.", code="conflict")
    if batch.released_at is not None:
        raise ApiError(409, "This batch was released.", code="conflict")
    now = utcnow()
    recovering = recovery.until(session, now)
    view = leasing.renew(session, batch, now, recovering=recovering is not None)
    status = leasing.campaign_status(session, batch.campaign_id)
    session.commit()
    return RenewOut(
        batch_id=view.batch_id,
        lease_expires_at=view.lease_expires_at,
        lease_expires_in_s=view.lease_expires_in_s,
        contact_ids=view.contact_ids,
        recovering_until=recovering,
        campaign_status="active"
        if status == "active"
        else "paused"
        if status == "paused"
        else "closed",
    )


@router.post("/batches/{batch_id}/release", response_model=ReleaseOut, responses=ERRORS)
@db_call
def release(
    batch_id: IdPath, volunteer: CurrentVolunteer, session: DbSession, body: ReleaseIn | None = None
) -> ReleaseOut:
    batch = _own(session, batch_id, volunteer.id, lock=True)
    ids = body.contact_ids if body is not None else None
    released = leasing.release(session, batch, ids, utcnow())
    session.commit()
    return ReleaseOut(released=released)


@router.post(
    "/batches/{batch_id}/skip",
    response_model=SkipOut,
    responses={**ERRORS, 409: ERRORS[404], 429: ERRORS[404]},
)
@db_call
def skip(
    batch_id: IdPath, body: SkipIn, volunteer: CurrentVolunteer, session: DbSession
) -> SkipOut:
    """Pass on one held contact without a result: back to the pool, not a call."""
    batch = _own(session, batch_id, volunteer.id, lock=True)
    try:
        skipped = leasing.skip(session, batch, body.contact_id, str(body.id), utcnow())
    except leasing.SkipRefused as exc:
        session.rollback()
        raise ApiError(
            exc.status, str(exc), code="conflict" if exc.status == 409 else None
        ) from None
    except leasing.Throttled as exc:
        session.rollback()
        minutes = max(1, -(-exc.retry_after // 60))
        raise ApiError(
            429,
            "That is a lot of skips in one hour. Please call this contact, or skip again "
            + ("in 1 minute." if minutes == 1 else f"in {minutes} minutes."),
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    session.commit()
    return SkipOut(skipped=skipped)
