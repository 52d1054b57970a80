"""Console pages: sign-in and sign-out, the campaigns list, create, edit, duplicate."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from caller_server import accounts, auth, campaign_admin, dashboard, signin
from caller_server.campaign_admin import CampaignError
from caller_server.campaign_file import (
    CampaignFileError,
    create_campaign,
    parse_campaign,
    parse_campaign_data,
)
from caller_server.console import forms
from caller_server.console.web import (
    LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    Forbidden,
    Form,
    Organiser,
    User,
    audit,
    db,
    field,
    found,
    new_login_csrf,
    render,
    see_other,
    session_lifetime,
    set_session_cookie,
    status_of,
)
from caller_server.models import Campaign, Contact, Token, Volunteer
from caller_server.timeutil import utcnow

router = APIRouter()
MAX_TOML = 256 * 1024
STATUS_ORDER = {"active": 0, "paused": 1, "closed": 2}


# --- signing in and out ---------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, expired: int = 0) -> HTMLResponse:
    token = new_login_csrf()
    page = render(request, "login.html", None, login_csrf=token, expired=bool(expired))
    page.set_cookie(
        LOGIN_COOKIE,
        token,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=3600,
    )
    return page


async def login_form(request: Request) -> AsyncIterator[FormData]:
    """The sign-in form, once its token matched the double-submit cookie (else 403)."""
    form = await request.form()
    try:
        sent, kept = form.get("csrf_token"), request.cookies.get(LOGIN_COOKIE, "")
        if not isinstance(sent, str) or not kept or not hmac.compare_digest(sent, kept):
            raise Forbidden("The sign-in form had expired. Reload the page and sign in again.")
        yield form
    finally:
        await form.close()


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, form: Annotated[FormData, Depends(login_form)]) -> Response:
    """Throttled exactly as the app's sign-in is (`signin`); callers are turned away.
    Async so the password waits for the hashing pool without holding a thread."""
    username, password = field(form, "username"), str(form.get("password") or "")
    now = utcnow()

    def again(message: str, status: int) -> HTMLResponse:
        token = new_login_csrf()
        page = render(
            request, "login.html", None, status, login_csrf=token, error=message, username=username
        )
        page.set_cookie(
            LOGIN_COOKIE,
            token,
            path=PREFIX,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=3600,
        )
        return page

    def open_session(session: Session, volunteer: Volunteer) -> str | None:
        """The console session's token, or None for a caller (who is turned away)."""
        if volunteer.role != "organiser":
            return None
        token, _ = auth.issue_token(session, volunteer, now)
        session.flush()
        row = session.scalar(select(Token).where(Token.token_hash == auth.hash_token(token)))
        assert row is not None
        row.expires_at = expires
        return token

    expires = now + session_lifetime()
    try:
        token = await signin.sign_in(
            request.app.state.sessions,
            username,
            password,
            signin.client_address(request),
            open_session,
            gate=request.app.state.signin_gate,
        )
    except signin.Throttled as exc:
        page = again(str(exc), 429)
        page.headers["Retry-After"] = str(exc.wait)
        return page
    except signin.WrongPassword:
        return again("Wrong username or password.", 401)
    if token is None:
        raise Forbidden("The console is for organisers. Your account is a caller's.")
    reply = RedirectResponse(PREFIX + "/", status_code=303)
    set_session_cookie(request, reply, token, expires)
    reply.delete_cookie(LOGIN_COOKIE, path=PREFIX)
    return reply


@router.post("/logout")
def logout(request: Request, user: User, _form: Form) -> Response:
    with db(request) as session:
        auth.revoke_token(session, user.token, utcnow())
        session.commit()
    reply = RedirectResponse(PREFIX + "/login", status_code=303)
    reply.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return reply


# --- campaigns ------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def campaigns_list(request: Request, user: User, notice: str = "") -> HTMLResponse:
    now = utcnow()
    with db(request, read=True) as session:
        rows = []
        for campaign in session.scalars(select(Campaign).order_by(Campaign.id.desc())):
            rows.append((campaign, status_of(campaign), dashboard.summary(session, campaign, now)))
    rows.sort(key=lambda r: STATUS_ORDER.get(r[1], 3))
    return render(request, "campaigns.html", user, rows=rows, notice=notice)


@router.get("/campaigns/new", response_class=HTMLResponse)
def new_campaign(request: Request, user: User) -> HTMLResponse:
    return render(request, "campaign_form.html", user, values=dict(forms.DEFAULTS), campaign=None)


@router.post("/campaigns/new", response_class=HTMLResponse)
def create_from_form(request: Request, user: User, form: Form) -> Response:
    values = forms.form_values(form)
    try:
        spec = parse_campaign_data(forms.data_from_form(values), "form")
    except CampaignFileError as exc:
        return render(
            request,
            "campaign_form.html",
            user,
            422,
            values=values,
            campaign=None,
            error=str(exc).removeprefix("form: "),
        )
    with db(request) as session:
        campaign_id = create_campaign(session, spec)
        audit(session, user, "created", campaign_id, source="form")
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/contacts?notice=created")


@router.post("/campaigns/upload", response_class=HTMLResponse)
async def create_from_file(request: Request, user: User, form: Form) -> Response:
    upload = form.get("file")
    error = "Choose a campaign file (.toml) to upload."
    spec = None
    if isinstance(upload, UploadFile):
        raw = await upload.read(MAX_TOML + 1)
        try:
            if len(raw) > MAX_TOML:
                raise CampaignFileError("the file is larger than 256 KiB")
            text = raw.decode("utf-8-sig")
            spec = parse_campaign(text, source=upload.filename or "campaign file")
        except UnicodeDecodeError:
            error = "The file is not UTF-8 text; save it as UTF-8."
        except CampaignFileError as exc:
            error = str(exc)
    if spec is None or not isinstance(upload, UploadFile):
        return render(
            request,
            "campaign_form.html",
            user,
            422,
            values=dict(forms.DEFAULTS),
            campaign=None,
            file_error=error,
        )

    def store() -> int:
        with db(request) as session:
            campaign_id = create_campaign(session, spec)
            audit(
                session,
                user,
                "created",
                campaign_id,
                source="file",
                file=(upload.filename or "")[:100],
            )
            session.commit()
            return campaign_id

    campaign_id = await run_in_threadpool(store)
    return see_other(f"/campaigns/{campaign_id}/contacts?notice=created")


def _sample(session: Session, campaign: Campaign) -> Contact | None:
    return session.scalar(
        select(Contact).where(Contact.campaign_id == campaign.id).order_by(Contact.id).limit(1)
    )


@router.get("/campaigns/{campaign_id}/edit", response_class=HTMLResponse)
def edit_campaign(request: Request, user: User, campaign_id: int, notice: str = "") -> HTMLResponse:
    with db(request, read=True) as session:
        campaign = found(session, Campaign, campaign_id, "campaign")
        values = forms.values_from_campaign(campaign)
        preview = _preview(campaign, values, _sample(session, campaign), user.name)
        return render(
            request,
            "campaign_form.html",
            user,
            values=values,
            campaign=campaign,
            status=status_of(campaign),
            preview=preview,
            notice=notice,
            members=accounts.members(session, campaign_id),
        )


def _preview(
    campaign: Campaign, values: dict[str, str], contact: Contact | None, volunteer: str
) -> dict[str, Any]:
    sample = forms.sample_values(campaign, contact, volunteer)
    return {
        "from_contact": contact is not None,
        "placeholders": sorted(sample),
        "parts": [
            (label, forms.fill(values.get(key, ""), sample))
            for key, label in (
                ("intro", "Introduction"),
                ("crib_sheet", "Crib sheet"),
                ("candidate_bio", "About the candidate"),
            )
            if values.get(key)
        ],
    }


@router.post("/campaigns/{campaign_id}/edit", response_class=HTMLResponse)
def save_campaign(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    values = forms.form_values(form)
    with db(request) as session:
        campaign = found(session, Campaign, campaign_id, "campaign")
        try:
            spec = parse_campaign_data(forms.data_from_form(values), "form")
        except CampaignFileError as exc:
            preview = _preview(campaign, values, _sample(session, campaign), user.name)
            return render(
                request,
                "campaign_form.html",
                user,
                422,
                values=values,
                campaign=campaign,
                status=status_of(campaign),
                preview=preview,
                error=str(exc).removeprefix("form: "),
            )
        try:
            campaign_admin.update_campaign(session, campaign_id, spec, actor=user.id)
        except CampaignError as exc:
            session.rollback()
            preview = _preview(campaign, values, _sample(session, campaign), user.name)
            return render(
                request,
                "campaign_form.html",
                user,
                409,
                values=values,
                campaign=campaign,
                status=status_of(campaign),
                preview=preview,
                error=str(exc),
            )
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/edit?notice=saved")


_ACTIONS = {
    "pause": ("paused", "paused"),
    "resume": ("active", "resumed"),
    "close": ("closed", "closed"),
}


def _change_status(request: Request, user: Organiser, campaign_id: int, action: str) -> Response:
    """Pause, resume or close (`campaign_admin.set_status`, which also audits it)."""
    status, notice = _ACTIONS[action]
    with db(request) as session:
        found(session, Campaign, campaign_id, "campaign")
        try:
            campaign_admin.set_status(session, campaign_id, status, actor=user.id)
        except CampaignError:
            return see_other(f"/campaigns/{campaign_id}/edit")  # already so: show it
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/edit?notice={notice}")


@router.post("/campaigns/{campaign_id}/pause")
def pause(request: Request, user: User, _form: Form, campaign_id: int) -> Response:
    return _change_status(request, user, campaign_id, "pause")


@router.post("/campaigns/{campaign_id}/resume")
def resume(request: Request, user: User, _form: Form, campaign_id: int) -> Response:
    return _change_status(request, user, campaign_id, "resume")


@router.post("/campaigns/{campaign_id}/close")
def close(request: Request, user: User, _form: Form, campaign_id: int) -> Response:
    return _change_status(request, user, campaign_id, "close")


@router.get("/campaigns/{campaign_id}/campaign.toml")
def download_toml(request: Request, user: User, campaign_id: int) -> Response:
    with db(request, read=True) as session:
        text = forms.campaign_toml(found(session, Campaign, campaign_id, "campaign"))
    return PlainTextResponse(
        text,
        media_type="application/toml",
        headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.toml"'},
    )


@router.post("/campaigns/{campaign_id}/duplicate")
def duplicate(request: Request, user: User, _form: Form, campaign_id: int) -> Response:
    """A new campaign with the same settings and script, and no contacts or results."""
    with db(request) as session:
        source = found(session, Campaign, campaign_id, "campaign")
        spec = parse_campaign(forms.campaign_toml(source), "campaign")
        copy_id = create_campaign(session, spec)
        copy = session.get(Campaign, copy_id)
        assert copy is not None  # created just above, in this transaction
        copy.name = (f"{source.name} (copy)")[:200]
        copy.script = source.script  # outcomes exactly as the source has them
        copy.script_version = source.script_version
        audit(session, user, "duplicated", copy_id, source_campaign=campaign_id)
        session.commit()
    return see_other(f"/campaigns/{copy_id}/edit?notice=duplicated")
