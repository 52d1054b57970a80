"""Running the API: `run()` for `caller-server serve`, `EmbeddedServer` in-process.

Multi-worker uvicorn needs an import string, so every worker builds its own app with
`create_app()` (a factory) and finds the database in env CALLER_SERVER_DB.
`EmbeddedServer` serves on a loopback port in a daemon thread: the desktop app's
practice mode and tests use it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from caller_server.db import ENV_DB, resolve_db_url
from caller_server.hashing import ENV_THREADS

APP_FACTORY = "caller_server.app:create_app"
HTTP_PROTOCOL = "caller_server.server:NoDelayH11Protocol"


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with Nagle's algorithm off on every connection.

    With `--workers 2` each worker accepts on a listening socket it rebuilt from the
    parent's, whose protocol number is 0, so asyncio skips its usual TCP_NODELAY. A
    reply's headers and body then go out as two small writes, and the second waits for
    the client's delayed ACK: +40 ms on every request of a kept-alive connection (the
    app's, which reuses one). Measured by bench/evening.py (issue 15).
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def run(
    db_url: str | None,
    host: str = "127.0.0.1",
    port: int = 8765,
    workers: int = 1,
    *,
    forwarded_allow_ips: str = "127.0.0.1",
    ssl_certfile: Path | None = None,
    ssl_keyfile: Path | None = None,
) -> None:
    """Serve until interrupted (blocks).

    The client address (sign-in throttling counts per client) comes from X-Forwarded-For
    only when the direct peer is one of `forwarded_allow_ips`: uvicorn's proxy-headers
    middleware does that check and rewrites the client. The worker processes share
    the cores for password hashing (env CALLER_SERVER_HASH_THREADS, see `hashing`).
    """
    workers = max(1, workers)
    os.environ[ENV_DB] = resolve_db_url(db_url)
    os.environ.setdefault(ENV_THREADS, str(max(1, (os.cpu_count() or 1) // workers)))
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        http=HTTP_PROTOCOL,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
    )


class EmbeddedServer:
    """The API on a free loopback port, in a daemon thread of this process."""

    def __init__(self, db_url: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.db_url = db_url
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> EmbeddedServer:
        from caller_server.app import create_app  # the app pulls in FastAPI: import late

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.db_url), log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="embedded-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the embedded server failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the embedded server did not start in time")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None
        self._thread = None

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
