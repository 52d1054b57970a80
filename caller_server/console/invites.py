"""Console pages for invites (issue 14): make, list, turn off; QR codes; approve sign-ups.

The logic is caller_server/invites.py's (audited there). The link shown uses the
server's public address (env CALLER_SERVER_URL, else this request's), so an organiser
behind a proxy hands out the address volunteers can reach. The QR code is an SVG from
its own route (segno, pure Python): no inline script or data URL in the page.
"""

from __future__ import annotations

import io

import segno
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from caller_server import accounts, invites
from caller_server.console.web import Form, Organiser, User, db, field, found, render, see_other
from caller_server.models import Campaign, Invite, Volunteer
from caller_server.timeutil import utcnow

router = APIRouter()


def _page(
    request: Request, user: Organiser, campaign_id: int, code: int = 200, **context: object
) -> HTMLResponse:
    now = utcnow()
    base = invites.public_url(request)
    with db(request, read=True) as session:
        campaign = found(session, Campaign, campaign_id, "campaign")
        rows = [
            {
                "invite": i,
                "link": base + invites.join_path(i.code),
                "state": invites.state(i, now),
            }
            for i in invites.of_campaign(session, campaign_id)
        ]
        waiting = invites.pending(session, campaign_id)
    return render(
        request, "invites.html", user, code, campaign=campaign, status=campaign.status,
        tab="invites", rows=rows, waiting=waiting, **context,
    )  # fmt: skip


@router.get("/campaigns/{campaign_id}/invites", response_class=HTMLResponse)
def invites_page(request: Request, user: User, campaign_id: int, notice: str = "") -> HTMLResponse:
    return _page(request, user, campaign_id, notice=notice)


def _number(text: str, default: int) -> int | None:
    if not text:
        return default
    return int(text) if text.isdigit() and len(text) < 6 else None


@router.post("/campaigns/{campaign_id}/invites", response_class=HTMLResponse)
def create_invite(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    days, uses = _number(field(form, "days"), 7), _number(field(form, "max_uses"), 50)
    approval = field(form, "approval") == "on"
    with db(request) as session:
        campaign = found(session, Campaign, campaign_id, "campaign")
        try:
            if days is None or uses is None:
                raise accounts.AccountError("Days and sign-ups are whole numbers.")
            invites.create(session, campaign, user.id, days, uses, approval)
        except accounts.AccountError as exc:
            session.rollback()
            message = str(exc)
            return _page(
                request, user, campaign_id, 422, create_error=message[:1].upper() + message[1:]
            )
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/invites?notice=invite_created")


@router.post("/invites/{invite_id}/revoke")
def revoke_invite(request: Request, user: User, _form: Form, invite_id: int) -> Response:
    with db(request) as session:
        invite = found(session, Invite, invite_id, "invite")
        campaign_id = invite.campaign_id
        invites.revoke(session, invite, user.id, utcnow())
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/invites?notice=invite_revoked")


@router.get("/invites/{invite_id}/qr.svg")
def invite_qr(request: Request, _user: User, invite_id: int) -> Response:
    """The join link as a QR code, to show on a screen or print on a flyer."""
    with db(request, read=True) as session:
        code = found(session, Invite, invite_id, "invite").code
    qr = segno.make(invites.public_url(request) + invites.join_path(code), error="m")
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=6, border=2, xmldecl=True, svgns=True, title=code)
    return Response(out.getvalue(), media_type="image/svg+xml")


@router.post("/campaigns/{campaign_id}/signups/{volunteer_id}/{decision}")
def decide(
    request: Request, user: User, _form: Form, campaign_id: int, volunteer_id: int, decision: str
) -> Response:
    if decision not in ("approve", "decline"):
        raise HTTPException(404, "No such page.")
    with db(request) as session:
        found(session, Campaign, campaign_id, "campaign")
        volunteer = session.get(Volunteer, volunteer_id)
        if volunteer is None or volunteer not in invites.pending(session, campaign_id):
            return see_other(f"/campaigns/{campaign_id}/invites")
        invites.decide(session, volunteer, decision == "approve", user.id, utcnow())
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/invites?notice=signup_{decision}")
