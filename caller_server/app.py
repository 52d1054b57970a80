"""The FastAPI application factory.

`create_app()` with no argument reads the database from env `CALLER_SERVER_DB`, which
is how uvicorn's `--factory` and multi-worker mode build it in each process. Nothing
here logs request bodies, tokens, names or numbers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caller_server import API_VERSION, __version__, downloads
from caller_server.api import errors as api_errors
from caller_server.api import router
from caller_server.api.schemas import Health
from caller_server.db import is_sqlite, make_engine, resolve_db_url, session_factory
from caller_server.invites import public_url
from caller_server.leasing import DEFAULT_LEASES_PER_MINUTE
from caller_server.signin_gate import SigninGate

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # 1 MiB
MAX_UPLOAD = 32 * MAX_BODY  # a console upload (a contacts CSV) under /admin/
_DRAIN_LIMIT = 16 * MAX_BODY  # read (and drop) this much of an oversized body before replying


async def _send_json(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_TOO_LARGE = b'{"error":{"code":"payload_too_large","message":"The request is larger than 1 MiB."}}'
_SERVER_ERROR = (
    b'{"error":{"code":"server_error","message":'
    b'"The server hit a problem. Please try again later."}}'
)


class GuardMiddleware:
    """Caps the body at 1 MiB whatever Content-Length says, and turns crashes into 500s.

    The body is read here in full (it is small) and replayed to the app, so a chunked
    or mislabelled body is counted as it arrives. Unexpected exceptions are logged by
    type only: their text may hold SQL parameters, i.e. personal data.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY, upload_limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = max(limit, upload_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope.get("path", "").startswith("/admin/") else self.limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_large = declared is not None and declared.isdigit() and int(declared) > limit
        chunks: list[bytes] = []
        size = 0
        more = not too_large
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                too_large = True
                break
            chunks.append(body)
            more = message.get("more_body", False)
        if too_large:
            await self._drain(receive, size)
            await _send_json(send, 413, _TOO_LARGE)
            return
        await self._run(scope, b"".join(chunks), receive, send)

    async def _drain(self, receive: Receive, size: int) -> None:
        """Read what the client still sends, so it sees the 413 instead of a reset."""
        while size < _DRAIN_LIMIT:
            message = await receive()
            if message["type"] != "http.request":
                return
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _run(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        replayed = False
        started = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, replay, tracking_send)
        except Exception as exc:
            log.error(
                "unhandled %s in %s %s",
                type(exc).__name__,
                scope.get("method"),
                getattr(scope.get("route"), "path", "request"),
            )
            if not started:
                await _send_json(send, 500, _SERVER_ERROR)


CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_STATIC = "/admin/static/"


class SecurityHeadersMiddleware:
    """`Cache-Control: no-store` on every reply (API and console) that sets none itself.

    Replies carry names, numbers and answers; no browser, proxy or app cache should
    keep them. Console pages also get a Content-Security-Policy without inline script
    and are never framed. The console's static files may be cached.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        static = path.startswith(_STATIC)
        # The public join and download pages get the console's CSP and headers too.
        console = path in ("/admin", "/download") or path.startswith(("/admin/", "/join/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                extra: list[tuple[bytes, bytes]] = []
                if b"cache-control" not in present:
                    extra.append((b"cache-control", b"max-age=300" if static else b"no-store"))
                if console:
                    extra += [
                        (b"content-security-policy", CONSOLE_CSP.encode()),
                        (b"x-frame-options", b"DENY"),
                        (b"referrer-policy", b"same-origin"),
                    ]
                if b"x-content-type-options" not in present:
                    extra.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


ENV_LEASES_PER_MINUTE = "CALLER_SERVER_LEASES_PER_MINUTE"


def leases_per_minute() -> int:
    """New batches a volunteer may lease per minute (env CALLER_SERVER_LEASES_PER_MINUTE)."""
    raw = os.environ.get(ENV_LEASES_PER_MINUTE, "").strip()
    if not raw:
        return DEFAULT_LEASES_PER_MINUTE
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{ENV_LEASES_PER_MINUTE} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{ENV_LEASES_PER_MINUTE} must be at least 1, not {value}")
    return value


def create_app(db_url: str | None = None) -> FastAPI:
    """The API on the database at `db_url` (else env CALLER_SERVER_DB, else the default)."""
    url = resolve_db_url(db_url)
    engine = make_engine(url)
    # The results export streams for a while; on SQLite it reads without the write lock
    # so uploads carry on meanwhile (PostgreSQL's MVCC needs no second engine).
    reader = make_engine(url, reader=True) if is_sqlite(engine) else engine

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()
        reader.dispose()

    app = FastAPI(
        title="Phone bank server",
        version=__version__,
        description="Campaigns, leased contact batches and idempotent call results.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.read_sessions = session_factory(reader)
    app.state.leases_per_minute = leases_per_minute()
    app.state.signin_gate = SigninGate.for_this_process()
    api_errors.install(app)

    @app.get("/api/v1/health", response_model=Health, tags=["health"])
    def health(request: Request) -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "api": API_VERSION,
            "min_app_version": downloads.min_app_version(),
            "download_url": public_url(request) + downloads.DOWNLOAD_PATH,
        }

    app.include_router(router)
    _mount_console(app)
    _mount_join(app)
    app.add_middleware(GuardMiddleware, upload_limit=MAX_UPLOAD)
    app.add_middleware(SecurityHeadersMiddleware)

    return app


def _mount_join(app: FastAPI) -> None:
    """The public join and download pages (they share the console's templates)."""
    try:
        from caller_server import join
    except ImportError as exc:
        log.info("join pages not available: %s", type(exc).__name__)
        return
    app.include_router(join.router)


def _mount_console(app: FastAPI) -> None:
    """The organisers' console at /admin/ (not in the desktop bundle, which has no Jinja2)."""
    try:
        from caller_server import console
    except ImportError as exc:
        log.info("console not available: %s", type(exc).__name__)
        return
    console.mount(app)
