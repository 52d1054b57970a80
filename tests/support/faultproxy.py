"""A fault-injecting HTTP/1.1 proxy for the resilience tests.

It sits on a free loopback port in front of the real server and, request by request,
either passes the request through or breaks it the way home networks, sleeping laptops
and captive portals do. It understands just enough HTTP/1.1 (Content-Length and chunked
bodies, keep-alive) to know where a request and its reply end, so a fault can strike at
the nastiest moment: after the server has committed but before the app hears of it.

The asyncio loop runs in a daemon thread, so tests drive the proxy from plain code:

    with FaultProxy("127.0.0.1", server.port) as proxy:
        proxy.set_fault(Fault.DROP_REPLY, match="POST /api/v1/results", times=2)
        ...
        assert proxy.injected[Fault.DROP_REPLY] == 2

Every upstream exchange uses a fresh connection to the server, so a server restart
never leaves the proxy holding a dead keep-alive connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

PORTAL_PAGE = (
    b"<!DOCTYPE html><html><head><title>Welcome to Cafe Wi-Fi</title></head>"
    b"<body><h1>Please accept the terms to continue</h1></body></html>"
)


class Fault(enum.Enum):
    PASS = "pass"
    REFUSE = "refuse"  # listening socket closed: connects are refused
    RESET = "reset"  # RST after `after_bytes` bytes of the request (which never completes)
    DROP_REPLY = "drop_reply"  # the server gets the request and replies; the client gets RST
    BLACKHOLE = "blackhole"  # accept and read, never answer
    LATENCY = "latency"  # each message, both ways, held back `delay` seconds
    HTML = "html"  # a captive portal answers 200 text/html; the server never sees it
    TRUNCATE = "truncate"  # the server's reply with its full Content-Length, half its body
    STATUS = "status"  # the proxy itself answers `status` (e.g. 400, 404) with an HTML page


@dataclass(frozen=True)
class Seen:
    """One request the proxy read from a client, and what it did to it."""

    method: str
    path: str
    body: bytes
    fault: Fault


@dataclass
class _Rule:
    fault: Fault = Fault.PASS
    match: str | None = None  # prefix of "METHOD /path"; None matches everything
    times: int | None = None  # matching requests left to break; None = until cleared
    after_bytes: int = 0
    delay: float = 2.0
    status: int = 400

    def matches(self, method: str, path: str) -> bool:
        return self.match is None or f"{method} {path}".startswith(self.match)


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        self.port = 0
        self.injected: Counter[Fault] = Counter()
        self.requests: list[Seen] = []
        self.in_flight = 0  # requests read whose exchange has not ended
        self.max_in_flight = 0  # the most at one moment: >1 means two senders at once
        self._rule = _Rule()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- life cycle (called from the test thread) --------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- faults ------------------------------------------------------------------------

    def set_fault(
        self,
        fault: Fault,
        *,
        match: str | None = None,
        times: int | None = None,
        after_bytes: int = 0,
        delay: float = 2.0,
        status: int = 400,
    ) -> None:
        """Break matching requests from now on (`times` of them, or until `clear()`).

        REFUSE is a state of the listening socket, not of a request: `match` and
        `times` do not apply to it; `clear()` (or any other fault) listens again.
        """
        if fault is Fault.REFUSE:
            with self._lock:
                self._rule = _Rule()
            self._call(self._refuse())
            return
        self._call(self._listen())
        with self._lock:
            self._rule = _Rule(fault, match, times, after_bytes, delay, status)

    def clear(self) -> None:
        """Back to pass-through, listening again on the same port if refused."""
        self.set_fault(Fault.PASS)

    @property
    def faults_injected(self) -> int:
        with self._lock:
            return sum(n for f, n in self.injected.items() if f is not Fault.PASS)

    def seen(self, match: str = "") -> list[Seen]:
        """Requests read so far whose "METHOD /path" starts with `match`."""
        with self._lock:
            return [s for s in self.requests if f"{s.method} {s.path}".startswith(match)]

    def set_upstream(self, host: str, port: int) -> None:
        with self._lock:
            self.upstream = (host, port)

    # -- internals (on the proxy's loop) -----------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._serve_client, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _refuse(self, count: bool = True) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
            if count:
                with self._lock:
                    self.injected[Fault.REFUSE] += 1
        for writer in list(self._clients):  # a dead server takes its connections with it
            _reset(writer)

    async def _shutdown(self) -> None:
        await self._refuse(count=False)
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:  # e.g. one holding a request back for LATENCY
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        for writer in list(self._clients):
            writer.close()
        # A transport closes on the loop's next turns; stopping the loop before them
        # would leave its socket to the garbage collector (a ResourceWarning).
        for _ in range(3):
            await asyncio.sleep(0)

    def _take_rule(self, method: str, path: str) -> _Rule:
        """The rule for this request; counts it and uses up one of `times`."""
        with self._lock:
            rule = self._rule
            if rule.fault is Fault.PASS or not rule.matches(method, path):
                return _Rule()
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    self._rule = _Rule()
            self.injected[rule.fault] += 1
            return _Rule(rule.fault, rule.match, None, rule.after_bytes, rule.delay, rule.status)

    async def _serve_client(
        self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter
    ) -> None:
        self._clients.add(cwriter)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        try:
            while await self._exchange(creader, cwriter):
                pass
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            OSError,
            ValueError,
        ):
            _reset(cwriter)
        finally:
            self._clients.discard(cwriter)
            with contextlib.suppress(Exception):
                cwriter.close()

    async def _exchange(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> bool:
        """Relay one request and its reply; False when the client connection is done."""
        head = await _read_head(creader)
        if head is None:
            return False
        method, path, headers = _parse_head(head)
        rule = self._take_rule(method, path)
        body = await _read_body(creader, headers, until_close=False)
        with self._lock:
            self.requests.append(Seen(method, path, body, rule.fault))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._relay(creader, cwriter, rule, method, headers, head + body)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _relay(
        self,
        creader: asyncio.StreamReader,
        cwriter: asyncio.StreamWriter,
        rule: _Rule,
        method: str,
        headers: dict[str, str],
        request: bytes,
    ) -> bool:

        if rule.fault is Fault.BLACKHOLE:
            await creader.read()  # until the client gives up
            return False
        if rule.fault is Fault.HTML:
            cwriter.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(PORTAL_PAGE) + PORTAL_PAGE
            )
            await cwriter.drain()
            return False
        if rule.fault is Fault.STATUS:
            page = b"<html><body><h1>%d</h1>Proxy error</body></html>" % rule.status
            cwriter.write(
                b"HTTP/1.1 %d Proxy Says No\r\nContent-Type: text/html\r\n"
                b"Content-Length: %d\r\n\r\n" % (rule.status, len(page)) + page
            )
            await cwriter.drain()
            return True
        if rule.fault is Fault.RESET:
            await self._send_partial(request[: rule.after_bytes])
            _reset(cwriter)
            return False
        if rule.fault is Fault.LATENCY:
            await asyncio.sleep(rule.delay)

        with self._lock:
            upstream = self.upstream
        try:
            ureader, uwriter = await asyncio.open_connection(*upstream)
        except OSError:
            _reset(cwriter)
            return False
        try:
            uwriter.write(request)
            await uwriter.drain()
            rhead = await _read_head(ureader)
            if rhead is None:
                _reset(cwriter)
                return False
            status, rheaders = _parse_status(rhead)
            no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
            rbody = b"" if no_body else await _read_body(ureader, rheaders, until_close=True)
        finally:
            uwriter.close()

        if rule.fault is Fault.DROP_REPLY:
            _reset(cwriter)
            return False
        if rule.fault is Fault.TRUNCATE:
            cwriter.write(rhead + rbody[: len(rbody) // 2])
            await cwriter.drain()
            return False
        if rule.fault is Fault.LATENCY:
            await asyncio.sleep(rule.delay)
        cwriter.write(rhead + rbody)
        await cwriter.drain()
        closing = "close" in headers.get("connection", "") + rheaders.get("connection", "")
        framed = (
            no_body
            or "content-length" in rheaders
            or "chunked" in rheaders.get("transfer-encoding", "")
        )
        return framed and not closing  # a body read up to EOF ends the connection too

    async def _send_partial(self, data: bytes) -> None:
        """The first bytes of a request reach the server, and then the line dies."""
        if not data:
            return
        with self._lock:
            upstream = self.upstream
        try:
            _, uwriter = await asyncio.open_connection(*upstream)
        except OSError:
            return
        uwriter.write(data)
        with contextlib.suppress(OSError):
            await uwriter.drain()
        _reset(uwriter)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0) rather than FIN: a connection reset by peer."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None


def _headers(lines: list[bytes]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        out[name.strip().lower()] = value.strip().lower()
    return out


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.rstrip(b"\r\n").split(b"\r\n")
    method, path, _ = lines[0].decode("latin-1").split(" ", 2)
    return method, path, _headers(lines[1:])


def _parse_status(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.rstrip(b"\r\n").split(b"\r\n")
    return int(lines[0].split(b" ", 2)[1]), _headers(lines[1:])


async def _read_body(
    reader: asyncio.StreamReader, headers: dict[str, str], *, until_close: bool
) -> bytes:
    """The raw body bytes, framing included, so that relaying them is byte-exact."""
    if "chunked" in headers.get("transfer-encoding", ""):
        out = bytearray()
        while True:
            line = await reader.readuntil(b"\r\n")
            out += line
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, up to the empty line
                    trailer = await reader.readuntil(b"\r\n")
                    out += trailer
                    if trailer == b"\r\n":
                        return bytes(out)
            out += await reader.readexactly(size + 2)
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    return await reader.read() if until_close else b""


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, step: float = 0.05) -> bool:
    """Poll `predicate` until true or `timeout` passes; the tests' only way to wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
