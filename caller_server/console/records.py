"""The exports page (the results files, with their options) and the audit log page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select

from caller_server import audit as audit_log
from caller_server import export
from caller_server.console.web import User, audit, db, found, render, status_of
from caller_server.models import Campaign, Volunteer

router = APIRouter()
KINDS = {"calls": "one row per call", "contacts": "one row per contact"}


def _campaign(request: Request, campaign_id: int) -> Campaign:
    with db(request, read=True) as session:
        campaign = found(session, Campaign, campaign_id, "campaign")
        return campaign


@router.get("/campaigns/{campaign_id}/exports", response_class=HTMLResponse)
def exports_page(request: Request, user: User, campaign_id: int) -> HTMLResponse:
    campaign = _campaign(request, campaign_id)
    return render(
        request, "exports.html", user, campaign=campaign, status=status_of(campaign), tab="exports"
    )


@router.get("/campaigns/{campaign_id}/exports/download")
def download(
    request: Request,
    user: User,
    campaign_id: int,
    kind: str = "calls",
    all_versions: bool = False,
    excel: bool = False,
) -> StreamingResponse:
    """Streams `export.iter_csv` with the chosen options; the download is audited.

    A GET (a plain link and form), which changes nothing but the audit log.
    """
    if kind not in KINDS:
        raise HTTPException(422, "Choose calls or contacts.")
    _campaign(request, campaign_id)
    options = export.ExportOptions(
        per_contact=kind == "contacts", all_versions=all_versions and kind == "calls", excel=excel
    )
    with db(request) as session:
        audit(
            session,
            user,
            "exported",
            campaign_id,
            kind=kind,
            all_versions=options.all_versions,
            excel=excel,
        )
        session.commit()
    sessions = request.app.state.read_sessions

    def chunks() -> Iterator[str]:
        with sessions() as own:  # its own session: the export outlives this handler
            yield from export.iter_csv(own, campaign_id, options)

    suffix = (
        "contacts" if kind == "contacts" else ("calls-all-versions" if all_versions else "calls")
    )
    name = f"campaign-{campaign_id}-{suffix}{'-excel' if excel else ''}.csv"
    return StreamingResponse(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: User, campaign: str = "") -> HTMLResponse:
    chosen = int(campaign) if campaign.isdigit() else None
    with db(request, read=True) as session:
        entries = audit_log.entries(session, chosen, limit=500)
        names = dict(
            session.execute(
                select(Volunteer.id, Volunteer.name).where(
                    Volunteer.id.in_({e.actor_id for e in entries if e.actor_id is not None})
                )
            ).all()
        )
        campaigns = dict(session.execute(select(Campaign.id, Campaign.name)).all())
    rows = [
        {
            "at": e.at,
            "who": names.get(e.actor_id, "command line") if e.actor_id else "command line",
            "action": e.action,
            "campaign_id": e.campaign_id,
            "campaign": campaigns.get(e.campaign_id, "") if e.campaign_id else "all campaigns",
            "detail": _detail(e.detail or {}),
        }
        for e in entries
    ]
    return render(
        request, "audit.html", user, nav="audit", rows=rows, campaigns=campaigns, chosen=chosen
    )


def _detail(detail: dict[str, Any]) -> str:
    """`key: value` pairs; the log holds ids, counts and file names only (audit.py)."""
    parts = []
    for key, value in detail.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts)
