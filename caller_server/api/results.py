"""Uploading call results."""

from __future__ import annotations

from fastapi import APIRouter

from caller_server import accounts, results
from caller_server.api.deps import CurrentVolunteer, DbSession, db_call
from caller_server.api.schemas import ERRORS, CheckIn, CheckOut, ResultsIn, ResultsOut
from caller_server.timeutil import utcnow

router = APIRouter(tags=["results"])


@router.post("/results", response_model=ResultsOut, responses=ERRORS)
@db_call
def post_results(body: ResultsIn, volunteer: CurrentVolunteer, session: DbSession) -> ResultsOut:
    items = [
        results.ResultInput(
            id=str(r.id),
            batch_id=r.batch_id,
            contact_id=r.contact_id,
            outcome=r.outcome,
            answers=dict(r.answers),
            notes=r.notes,
            started_at=r.started_at,
            duration_s=r.duration_s,
            recorded_at=r.recorded_at,
            callback_at=r.callback_at,
            supersedes=str(r.supersedes) if r.supersedes else None,
            lease_proof=r.lease_proof,
        )
        for r in body.results
    ]
    reply = results.ingest_with_retry(  # commits
        session,
        volunteer.id,
        items,
        utcnow(),
        visible=lambda campaign: accounts.may_see(session, campaign, volunteer),
    )
    return ResultsOut.model_validate(reply, from_attributes=True)


@router.post("/results/check", response_model=CheckOut, responses=ERRORS)
@db_call
def check_results(body: CheckIn, volunteer: CurrentVolunteer, session: DbSession) -> CheckOut:
    """Which of these ids the server lacks: after a restore, the app sends them again."""
    missing = results.missing(session, volunteer.id, [str(i) for i in body.ids])
    return CheckOut(missing=missing)
