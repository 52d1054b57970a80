"""The live dashboard page, its self-refreshing fragment, and the organiser's remedies."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from caller_server import dashboard
from caller_server.console.web import (
    Form,
    User,
    audit,
    db,
    field,
    found,
    render,
    see_other,
    status_of,
)
from caller_server.models import Campaign
from caller_server.timeutil import utcnow

router = APIRouter()
REFRESH_S = 5


def _context(request: Request, campaign_id: int) -> dict[str, Any]:
    with db(request, read=True) as session:
        campaign = found(session, Campaign, campaign_id, "campaign")
        figures = dashboard.figures(session, campaign, utcnow())
        session.expunge(campaign)
    return {
        "campaign": campaign,
        "status": status_of(campaign),
        "f": figures,
        "peak": max([1, *(calls for _h, calls, _r in figures.hours)]),
        "refresh_s": REFRESH_S,
    }


@router.get("/campaigns/{campaign_id}/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request, user: User, campaign_id: int, notice: str = ""
) -> HTMLResponse:
    context = _context(request, campaign_id)
    campaign = context["campaign"]
    start = dt.datetime.now(ZoneInfo(campaign.timezone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return render(
        request,
        "dashboard.html",
        user,
        notice=notice,
        volunteers=context["f"].volunteers,
        since_default=start.strftime("%Y-%m-%dT%H:%M:%S"),
        **context,
    )


@router.get("/campaigns/{campaign_id}/dashboard/live", response_class=HTMLResponse)
def dashboard_live(request: Request, user: User, campaign_id: int) -> HTMLResponse:
    """The figures alone, which htmx swaps in every few seconds."""
    return render(request, "dashboard_live.html", user, **_context(request, campaign_id))


def _volunteer_id(form_value: str) -> int:
    if not form_value.isdigit():
        raise HTTPException(422, "Choose a volunteer.")
    return int(form_value)


@router.post("/campaigns/{campaign_id}/release")
def release(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    volunteer_id = _volunteer_id(field(form, "volunteer_id"))
    with db(request) as session:
        found(session, Campaign, campaign_id, "campaign")
        count = dashboard.release_volunteer(session, campaign_id, volunteer_id, utcnow())
        audit(
            session,
            user,
            "released",
            campaign_id,
            volunteer_id=volunteer_id,
            contacts=count,
        )
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/dashboard?notice=released")


@router.post("/campaigns/{campaign_id}/void")
def void(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    volunteer_id = _volunteer_id(field(form, "volunteer_id"))
    with db(request) as session:
        campaign = found(session, Campaign, campaign_id, "campaign")
        try:
            since = dt.datetime.fromisoformat(field(form, "since"))
        except ValueError:
            raise HTTPException(422, "Give the time to void from.") from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=ZoneInfo(campaign.timezone))
        report = dashboard.void_results(
            session, campaign_id, volunteer_id, since.astimezone(dt.UTC), user.id, utcnow()
        )
        audit(
            session,
            user,
            "voided",
            campaign_id,
            volunteer_id=volunteer_id,
            since=since.isoformat(timespec="seconds"),
            results=report.results,
            suppressions=report.suppressions,
            contacts_reopened=report.contacts_reopened,
        )
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/dashboard?notice=voided")
