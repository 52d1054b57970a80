"""The public join page `/join/{code}` and the download page (issue 14).

Server-rendered, no account needed to view, no script at all; the same CSP and headers
as the console (`app.SecurityHeadersMiddleware`). The form posts back with a
double-submit CSRF cookie (another site cannot make a visitor's browser sign up).
A bad try shows each problem next to its field and keeps the name and username typed,
never the password. After the account is made: "Get the app" for the visitor's OS
and "Open in the caller app" (`caller-app://join?server=...&code=...`).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

from caller_server import downloads, invites, signin
from caller_server.console.web import PREFIX, TEMPLATES
from caller_server.passwords import MIN_LENGTH

router = APIRouter(include_in_schema=False)
CSRF_COOKIE = "join_csrf"


def app_link(server: str, code: str) -> str:
    return "caller-app://join?" + urlencode({"server": server, "code": code})


def _get_the_app(request: Request) -> dict[str, Any]:
    """What the "Get the app" section needs: the visitor's bundle first, then the rest."""
    mine = downloads.visitor_os(request.headers.get("user-agent", ""))
    offered = downloads.available()
    first = next((b for b in offered if b.os == mine), None)
    return {
        "visitor_os": mine,
        "bundle": first,
        "others": [b for b in offered if b is not first],
    }


def _render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
    context.update(prefix=PREFIX, user=None, min_length=MIN_LENGTH)
    return TEMPLATES.TemplateResponse(request, name, context, status_code=code)


def _with_csrf(request: Request, response: HTMLResponse, token: str) -> HTMLResponse:
    response.set_cookie(
        CSRF_COOKIE, token, path="/join", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


def _gone(request: Request) -> HTMLResponse:
    return _render(request, "join.html", 404, gone=True)


def _throttled(request: Request, exc: signin.Throttled) -> HTMLResponse:
    response = _render(request, "join.html", 429, throttled=str(exc))
    response.headers["Retry-After"] = str(exc.wait)
    return response


@router.get("/join/{code}", response_class=HTMLResponse)
async def join_page(request: Request, code: str) -> HTMLResponse:
    try:
        view = await invites.look(request.app.state.sessions, code, signin.client_address(request))
    except invites.InviteGone:
        return _gone(request)
    except signin.Throttled as exc:
        return _throttled(request, exc)
    token = secrets.token_urlsafe(24)
    page = _render(request, "join.html", invite=view, csrf=token, values={}, problems={})
    return _with_csrf(request, page, token)


@router.post("/join/{code}", response_class=HTMLResponse)
async def join_submit(request: Request, code: str) -> HTMLResponse:
    form = await request.form()
    try:
        values = {k: str(form.get(k) or "") for k in ("name", "username", "password", "csrf")}
    finally:
        await form.close()
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, values["csrf"]):
        raise HTTPException(403, "The form had expired. Open the invite link again.")
    sessions = request.app.state.sessions
    address = signin.client_address(request)
    try:
        joined = await invites.join(
            sessions, code, values["name"], values["username"], values["password"], address,
            gate=request.app.state.signin_gate,
        )  # fmt: skip
    except invites.InviteGone:
        return _gone(request)
    except signin.Throttled as exc:
        return _throttled(request, exc)
    except invites.JoinProblems as exc:
        try:
            view = await invites.look(sessions, code, address)
        except invites.InviteGone:  # used up or turned off meanwhile
            return _gone(request)
        except signin.Throttled as throttled:
            return _throttled(request, throttled)
        kept = {"name": values["name"].strip(), "username": values["username"].strip()}
        page = _render(
            request, "join.html", 422, invite=view, csrf=values["csrf"], values=kept,
            problems=exc.problems,
        )  # fmt: skip
        return page
    server = invites.public_url(request)
    normal = invites.normalise_code(code) or code
    return _render(
        request, "join.html", joined=joined, username=values["username"].strip(),
        server=server, invite_code=normal, open_link=app_link(server, normal),
        **_get_the_app(request),
    )  # fmt: skip


@router.get(downloads.DOWNLOAD_PATH, response_class=HTMLResponse)
def download_page(request: Request) -> HTMLResponse:
    """Where an app too old for this server sends its volunteer (health's download_url)."""
    return _render(request, "download.html", **_get_the_app(request))


@router.get("/downloads/{file}")
def download_file(file: str) -> Response:
    path = downloads.path_of(file)
    if path is None:
        raise HTTPException(404, "No such download.")
    return FileResponse(path, media_type="application/zip", filename=file)
