"""The organisers' web console at /admin/ (issue 13): server-rendered pages over the server.

`mount(app)` adds its routes, static files and error pages to the API's app. Security
headers (CSP without inline script, no-store, frame denial) come from
`caller_server.app.SecurityHeadersMiddleware`, which covers the API too.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from caller_server.console import campaigns, contacts, invites, live, records, volunteers
from caller_server.console.web import HERE, PREFIX, Forbidden, Redirect, render

__all__ = ["mount"]


def vendor_dir() -> Path:
    """Vendored JavaScript: the checkout's `resources/vendor`, else the installed package's."""
    checkout = Path(__file__).resolve().parents[2] / "resources" / "vendor"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("caller_resources") / "vendor"))


def mount(app: FastAPI) -> None:
    for module in (campaigns, contacts, live, records, volunteers, invites):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    # The more specific mount first: /admin/static would swallow /admin/static/vendor.
    app.mount(f"{PREFIX}/static/vendor", StaticFiles(directory=vendor_dir()), "console-vendor")
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), "console-static")

    @app.get(PREFIX, include_in_schema=False)
    def admin_root() -> Response:
        return RedirectResponse(PREFIX + "/", status_code=308)

    @app.exception_handler(Redirect)
    def _redirect(_request: Request, exc: Redirect) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return render(request, "error.html", None, 403, title="Not allowed", message=exc.message)
