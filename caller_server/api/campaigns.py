"""Campaigns, their scripts (with ETag) and tonight's progress."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from caller_server import accounts, calling_hours
from caller_server.api.deps import CurrentVolunteer, DbSession, ListedCampaign, db_call
from caller_server.api.schemas import (
    ERRORS,
    CampaignOut,
    CampaignsOut,
    IdPath,
    OutcomeOut,
    ProgressOut,
    QuestionOut,
    ScriptOut,
)
from caller_server.models import Campaign
from caller_server.outcomes import campaign_outcomes
from caller_server.progress import campaign_progress
from caller_server.timeutil import utcnow

router = APIRouter(tags=["campaigns"])


def campaign_out(campaign: Campaign) -> CampaignOut:
    now = utcnow()
    hours, tz = campaign.calling_hours, campaign.timezone
    return CampaignOut(
        id=campaign.id,
        name=campaign.name,
        seat=campaign.seat,
        candidate=campaign.candidate,
        timezone=tz,
        calling_hours=hours,
        calling_now=calling_hours.is_open(hours, tz, now),
        opens_at=calling_hours.next_opening(hours, tz, now),
        target_contacts_per_hour=campaign.target_contacts_per_hour,
        batch_size=campaign.batch_size,
        max_attempts=campaign.max_attempts,
        lease_minutes=campaign.lease_minutes,
        max_held_contacts=campaign.max_held_contacts,
        status="paused" if campaign.status == "paused" else "active",
    )


@router.get("/campaigns", response_model=CampaignsOut, responses=ERRORS)
@db_call
def list_campaigns(volunteer: CurrentVolunteer, session: DbSession) -> CampaignsOut:
    """Open campaigns and the volunteer's own (organisers: all), closed ones left out."""
    rows = session.scalars(
        select(Campaign)
        .where(Campaign.status != "closed", accounts.visible_to(volunteer))
        .order_by(Campaign.id)
    ).all()
    return CampaignsOut(campaigns=[campaign_out(c) for c in rows])


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in candidates or etag in candidates


@router.get(
    "/campaigns/{campaign_id}/script",
    response_model=ScriptOut,
    responses={**ERRORS, 304: {"description": "Not modified (If-None-Match)"}},
)
@db_call
def get_script(campaign_id: IdPath, request: Request, access: ListedCampaign) -> Response:
    campaign = access.campaign
    etag = f'"{campaign.script_version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    script = campaign.script or {}
    body = ScriptOut(
        campaign_id=campaign.id,
        version=campaign.script_version,
        intro=str(script.get("intro", "")),
        crib_sheet=str(script.get("crib_sheet", "")),
        candidate_bio=str(script.get("candidate_bio", "")),
        candidate=campaign.candidate,
        seat=campaign.seat,
        questions=[
            QuestionOut(
                key=q["key"],
                text=q.get("text", ""),
                kind=q.get("kind", "text"),
                options=[str(o) for o in q.get("options") or []],
            )
            for q in script.get("questions") or []
        ],
        outcomes=[OutcomeOut.model_validate(o) for o in campaign_outcomes(script)],
        show_attributes=[str(a) for a in script.get("show_attributes") or []],
    )
    return JSONResponse(body.model_dump(mode="json"), headers=headers)


@router.get("/campaigns/{campaign_id}/progress", response_model=ProgressOut, responses=ERRORS)
@db_call
def get_progress(campaign_id: IdPath, access: ListedCampaign, session: DbSession) -> ProgressOut:
    campaign = access.campaign
    figures = campaign_progress(session, campaign, access.volunteer.id, utcnow())
    return ProgressOut.model_validate({**figures, "campaign_status": campaign.status})
