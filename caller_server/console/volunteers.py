"""Console pages for accounts (issue 14): volunteers, one-time password links, members.

The organiser never types a volunteer's password: adding, bulk adding and resetting all
give a one-time link to hand over, which opens the public set-password page here. The
logic is accounts.py's, shared with the command line; each change is audited there.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from caller_server import accounts
from caller_server.console.web import Form, Organiser, User, db, field, found, render, see_other
from caller_server.models import Campaign, Volunteer
from caller_server.passwords import MIN_LENGTH
from caller_server.timeutil import utcnow

router = APIRouter()
MAX_CSV = 1024 * 1024


def _link(request: Request, secret: str) -> str:
    return str(request.base_url).rstrip("/") + accounts.link_path(secret)


def _page(request: Request, user: Organiser, code: int = 200, **context: object) -> HTMLResponse:
    with db(request, read=True) as session:
        rows = accounts.list_volunteers(session, utcnow())
    return render(request, "volunteers.html", user, code, nav="volunteers", rows=rows, **context)


@router.get("/volunteers", response_class=HTMLResponse)
def volunteers_page(request: Request, user: User, notice: str = "") -> HTMLResponse:
    return _page(request, user, notice=notice)


@router.post("/volunteers/new", response_class=HTMLResponse)
def add_one(request: Request, user: User, form: Form) -> Response:
    name, username, role = field(form, "name"), field(form, "username"), field(form, "role")
    with db(request) as session:
        try:
            volunteer = accounts.add_volunteer(
                session, username, name, role or "caller", None, user.id
            )
            secret = accounts.issue_link(session, volunteer, user.id, utcnow(), welcome=True)
        except accounts.AccountError as exc:
            session.rollback()
            return _page(
                request, user, 422, add_error=str(exc), values={"name": name, "username": username}
            )
        links = [(volunteer.name, volunteer.username, _link(request, secret))]
        session.commit()
    return _page(request, user, links=links, links_title="Volunteer added")


@router.post("/volunteers/import", response_class=HTMLResponse)
async def import_csv(request: Request, user: User, form: Form) -> Response:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return _page(request, user, 422, import_problems=[(1, "choose a CSV file to upload")])
    data = await upload.read(MAX_CSV + 1)
    if len(data) > MAX_CSV:
        return _page(request, user, 422, import_problems=[(1, "the file is larger than 1 MiB")])

    def store() -> tuple[list[tuple[int, str]], list[tuple[str, str, str]]]:
        with db(request) as session:
            report = accounts.bulk_add(session, data, user.id, utcnow())
            if report.problems:
                session.rollback()
                return report.problems, []
            links = [(v.name, v.username, _link(request, s)) for v, s in report.added]
            session.commit()
            return [], links

    problems, links = await run_in_threadpool(store)
    if problems:
        return _page(request, user, 422, import_problems=problems)
    return _page(request, user, links=links, links_title=f"{len(links)} volunteers added")


def _change(
    request: Request, user: Organiser, volunteer_id: int, what: str, role: str = ""
) -> Response:
    with db(request) as session:
        volunteer = found(session, Volunteer, volunteer_id, "volunteer")
        now = utcnow()
        try:
            if what == "role":
                accounts.set_role(session, volunteer, role, user.id)
            elif what == "disable":
                if volunteer.id == user.id:
                    raise accounts.AccountError("You cannot turn off your own account.")
                accounts.disable(session, volunteer, user.id, now)
            elif what == "enable":
                accounts.enable(session, volunteer, user.id, now)
            else:
                secret = accounts.issue_link(session, volunteer, user.id, now)
                links = [(volunteer.name, volunteer.username, _link(request, secret))]
                session.commit()
                return _page(request, user, links=links, links_title="Password reset link")
        except accounts.AccountError as exc:
            session.rollback()
            return _page(request, user, 409, change_error=str(exc))
        session.commit()
    return see_other(f"/volunteers?notice={what if what != 'role' else 'role_changed'}")


@router.post("/volunteers/{volunteer_id}/role")
def change_role(request: Request, user: User, form: Form, volunteer_id: int) -> Response:
    return _change(request, user, volunteer_id, "role", field(form, "role"))


@router.post("/volunteers/{volunteer_id}/disable")
def disable(request: Request, user: User, _form: Form, volunteer_id: int) -> Response:
    return _change(request, user, volunteer_id, "disable")


@router.post("/volunteers/{volunteer_id}/enable")
def enable(request: Request, user: User, _form: Form, volunteer_id: int) -> Response:
    return _change(request, user, volunteer_id, "enable")


@router.post("/volunteers/{volunteer_id}/reset")
def reset(request: Request, user: User, _form: Form, volunteer_id: int) -> Response:
    return _change(request, user, volunteer_id, "reset")


# --- campaign members ------------------------------------------------------------------


@router.post("/campaigns/{campaign_id}/members")
def add_member(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    with db(request) as session:
        found(session, Campaign, campaign_id, "campaign")
        try:
            volunteer = accounts.find(session, field(form, "volunteer"))
        except accounts.AccountError:
            return see_other(f"/campaigns/{campaign_id}/edit?notice=no_volunteer")
        accounts.add_member(session, campaign_id, volunteer, user.id)
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/edit?notice=member_added")


@router.post("/campaigns/{campaign_id}/members/remove")
def remove_member(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    with db(request) as session:
        found(session, Campaign, campaign_id, "campaign")
        ref = field(form, "volunteer_id")
        try:
            volunteer = accounts.find(session, int(ref) if ref.isdigit() else ref)
            accounts.remove_member(session, campaign_id, volunteer, user.id, utcnow())
        except accounts.AccountError:
            return see_other(f"/campaigns/{campaign_id}/edit")
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/edit?notice=member_removed")


@router.post("/campaigns/{campaign_id}/open")
def set_open(request: Request, user: User, form: Form, campaign_id: int) -> Response:
    with db(request) as session:
        campaign = found(session, Campaign, campaign_id, "campaign")
        accounts.set_open(session, campaign, field(form, "open") == "on", user.id, utcnow())
        session.commit()
    return see_other(f"/campaigns/{campaign_id}/edit?notice=saved")


# --- the public set-password page --------------------------------------------------------


@router.get("/set-password/{secret}", response_class=HTMLResponse)
def set_password_page(request: Request, secret: str) -> HTMLResponse:
    """Shown to anyone holding the link; viewing it uses nothing (link previews are safe)."""
    with db(request, read=True) as session:
        volunteer = accounts.volunteer_for_link(session, secret, utcnow())
        if volunteer is None:
            return render(request, "set_password.html", None, 410, gone=True)
        return render(
            request, "set_password.html", None, volunteer_name=volunteer.name,
            username=volunteer.username, min_length=MIN_LENGTH,
        )  # fmt: skip


@router.post("/set-password/{secret}", response_class=HTMLResponse)
async def set_password(request: Request, secret: str) -> HTMLResponse:
    """No CSRF token: the link's secret is one no other site can know."""
    form = await request.form()
    try:
        password = str(form.get("password") or "")
        repeat = str(form.get("repeat") or "")
    finally:
        await form.close()

    def store() -> HTMLResponse:
        with db(request) as session:
            volunteer = accounts.volunteer_for_link(session, secret, utcnow())
            if volunteer is None:
                return render(request, "set_password.html", None, 410, gone=True)
            name, username = volunteer.name, volunteer.username
            error = "The two passwords are not the same." if password != repeat else None
            if error is None:
                try:
                    accounts.use_link(session, secret, password, utcnow())
                    session.commit()
                    return render(request, "set_password.html", None, done=True, username=username)
                except accounts.AccountError as exc:
                    session.rollback()
                    error = str(exc)
            return render(
                request, "set_password.html", None, 422, volunteer_name=name, username=username,
                min_length=MIN_LENGTH, error=error,
            )  # fmt: skip

    return await run_in_threadpool(store)
