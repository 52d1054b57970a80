"""Organiser-only endpoints: the results export and revoking a volunteer's sign-ins."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from caller_server import audit, auth, export
from caller_server.api.deps import DbSession, Organiser, any_campaign, db_call
from caller_server.api.errors import ApiError
from caller_server.api.schemas import ERRORS, IdPath
from caller_server.models import Volunteer
from caller_server.timeutil import utcnow

router = APIRouter(tags=["organiser"])
ORGANISER_ERRORS = {**ERRORS, 403: ERRORS[401]}


class RevokedOut(BaseModel):
    volunteer_id: int
    revoked: int


@router.get(
    "/campaigns/{campaign_id}/results.csv",
    responses={
        **ORGANISER_ERRORS,
        200: {"content": {"text/csv": {}}, "description": "Results CSV"},
    },
)
@db_call
def results_csv(
    campaign_id: IdPath,
    request: Request,
    organiser: Organiser,
    session: DbSession,
    per_contact: bool = False,
    all_versions: bool = False,
    excel: bool = False,
) -> StreamingResponse:
    """Any campaign, closed ones too; the options as for `caller-server results export`."""
    any_campaign(session, campaign_id)
    options = export.ExportOptions(per_contact, all_versions and not per_contact, excel)
    audit.record(
        session,
        organiser.id,
        "exported",
        campaign_id,
        via="api",
        per_contact=per_contact,
        all_versions=options.all_versions,
    )
    session.commit()
    session.close()  # on SQLite its open transaction would block the export's own one
    sessions = request.app.state.read_sessions

    def chunks() -> Iterator[str]:
        # A session of its own: the request's one is closed once the handler returns.
        with sessions() as own:
            yield from export.iter_csv(own, campaign_id, options)

    kind = "contacts" if per_contact else "results"
    return StreamingResponse(
        chunks(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition":
                 f'attachment; filename="campaign-{campaign_id}-{kind}.csv"'},
    )  # fmt: skip


@router.post(
    "/admin/volunteers/{volunteer_id}/revoke", response_model=RevokedOut, responses=ORGANISER_ERRORS
)
@db_call
def revoke_volunteer(volunteer_id: IdPath, _organiser: Organiser, session: DbSession) -> RevokedOut:
    if session.get(Volunteer, volunteer_id) is None:
        raise ApiError(404, "No such volunteer.")
    count = auth.revoke_all(session, volunteer_id, utcnow())
    session.commit()
    return RevokedOut(volunteer_id=volunteer_id, revoked=count)
