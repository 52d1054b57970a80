"""What every console page shares: templates, the signed-in organiser, CSRF, the database.

A console session is a sign-in token (`auth.issue_token`, stored hashed in `tokens`)
kept in an HttpOnly, SameSite=Strict cookie, so revoking a volunteer's sign-ins ends
their console sessions too. Its CSRF token is an HMAC of the session token: a page can
print it, another site cannot compute it. The sign-in form, before any session, uses a
double-submit cookie instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from caller_server import audit as audit_log
from caller_server import auth
from caller_server.models import Campaign
from caller_server.timeutil import as_utc, utcnow

Row = TypeVar("Row")

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
SESSION_COOKIE = "console_session"
LOGIN_COOKIE = "console_login_csrf"
PREFIX = "/admin"


def session_lifetime() -> dt.timedelta:
    """Console session lifetime: env CALLER_CONSOLE_SESSION_S (tests shorten it), else 8 h."""
    try:
        seconds = float(os.environ.get("CALLER_CONSOLE_SESSION_S", ""))
    except ValueError:
        seconds = 0
    return dt.timedelta(seconds=seconds if seconds > 0 else 8 * 3600)


class Redirect(Exception):
    """Answer with a 303 to `location` (e.g. the sign-in page)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class Forbidden(Exception):
    """Answer 403 with a page that says why (not an organiser, or a bad CSRF token)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Organiser:
    id: int
    username: str
    name: str
    token: str

    @property
    def csrf(self) -> str:
        return csrf_for(self.token)


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"console-csrf", hashlib.sha256).hexdigest()


@contextlib.contextmanager
def db(request: Request, *, read: bool = False) -> Iterator[Session]:
    """A session that ends its transaction on the way out (SQLite's write lock is brief).

    `read=True` uses the reader engine: on SQLite a plain BEGIN, so the dashboard's
    polling never queues behind, or blocks, volunteers' uploads.
    """
    factory = request.app.state.read_sessions if read else request.app.state.sessions
    session = factory()
    try:
        yield session
    finally:
        # close() ends the transaction and detaches what was loaded, unexpired, so a
        # template can still read it (rollback() would expire it).
        session.close()


def console_user(request: Request) -> Organiser:
    """The signed-in organiser; otherwise a redirect to sign in, or 403 for a caller."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise Redirect(f"{PREFIX}/login")
    with db(request) as session:
        volunteer = auth.volunteer_for_token(session, token, utcnow())
        if volunteer is None:
            raise Redirect(f"{PREFIX}/login?expired=1")
        if volunteer.role != "organiser":
            raise Forbidden("The console is for organisers. Your account is a caller's.")
        return Organiser(volunteer.id, volunteer.username, volunteer.name, token)


User = Annotated[Organiser, Depends(console_user)]


async def checked_form(request: Request, user: User) -> AsyncIterator[FormData]:
    """The POSTed form, once its CSRF token matched the session's (else 403).

    Uploaded files are spooled to temporary files; closing the form after the request
    removes them at once rather than whenever the garbage collector gets there.
    """
    form = await request.form()
    try:
        sent = form.get("csrf_token")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, user.csrf):
            raise Forbidden("The form had expired or did not come from this console. Try again.")
        yield form
    finally:
        await form.close()


Form = Annotated[FormData, Depends(checked_form)]


def field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def set_session_cookie(request: Request, response: Any, token: str, expires: dt.datetime) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int((expires - utcnow()).total_seconds()),
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def render(
    request: Request, name: str, user: Organiser | None, code: int = 200, **context: Any
) -> HTMLResponse:
    context.update(user=user, csrf=user.csrf if user else "", prefix=PREFIX)
    return TEMPLATES.TemplateResponse(request, name, context, status_code=code)


def found(session: Session, model: type[Row], key: int, what: str) -> Row:
    """The row with this primary key, or the console's 404 ("No such campaign.")."""
    row = session.get(model, key)
    if row is None:
        raise HTTPException(404, f"No such {what}.")
    return row


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(PREFIX + path, status_code=303)


def status_of(campaign: Campaign) -> str:
    """active | paused | closed."""
    return str(campaign.status)


def local(value: dt.datetime | None, tz: str, with_date: bool = False) -> str:
    """A time as the organiser reads it: in the campaign's zone, to the second."""
    if value is None:
        return "—"
    moment = as_utc(value).astimezone(ZoneInfo(tz))
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


TEMPLATES.env.filters["local"] = local


def audit(
    session: Session, user: Organiser, action: str, campaign_id: int | None, **detail: Any
) -> None:
    """Record an organiser's action in the audit log, in the change's transaction."""
    audit_log.record(session, user.id, action, campaign_id, **detail)


TEMPLATES.env.globals["notices"] = {
    "created": "Campaign created. Next: add its contacts.",
    "saved": "Changes saved.",
    "duplicated": "This is the copy. Rename it and add contacts.",
    "paused": "Paused: volunteers are told and offered no contacts.",
    "resumed": "Resumed: volunteers are offered contacts again.",
    "closed": "Closed: held contacts were released.",
    "released": "The volunteer's held contacts are back in the pool.",
    "voided": "Results voided, and the opt-outs they caused lifted.",
    "imported": "Contacts imported.",
    "suppressed": "Opt-out numbers added.",
    "role_changed": "Role changed.",
    "disable": "Account turned off: signed out everywhere, held contacts released.",
    "enable": "Account turned on: they may sign in again.",
    "member_added": "Member added.",
    "member_removed": "Member removed; the contacts they held are back in the pool.",
    "no_volunteer": "There is no volunteer with that username.",
    "invite_created": "Invite made. Copy its link or show its QR code.",
    "invite_revoked": "Invite turned off: its link no longer works.",
    "signup_approve": "Approved: they can sign in and call now.",
    "signup_decline": "Turned down: the account stays off.",
}
