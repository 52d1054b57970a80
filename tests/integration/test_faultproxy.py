"""The fault proxy itself, in front of a small stdlib HTTP server.

The resilience tests trust that each fault does what it says; these tests are why.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.support.faultproxy import Fault, FaultProxy, wait_until

TIMEOUT = (2, 5)


class _Upstream(ThreadingHTTPServer):
    daemon_threads = True
    commits = 0
    lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Upstream

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def _reply(self, status: int, body: bytes = b"", extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/empty":
            self._reply(304)
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b'{"parts": ', b"[1, 2, 3]}"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            state = {"path": self.path, "commits": self.server.commits}
            self._reply(200, json.dumps(state).encode())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.commits += 1
            n = self.server.commits
        reply = {"commit": n, "echo": json.loads(body), "pad": "x" * 200}
        self._reply(200, json.dumps(reply).encode())


@pytest.fixture
def upstream() -> Iterator[_Upstream]:
    server = _Upstream(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream: _Upstream) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", upstream.server_address[1]) as p:
        yield p


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def test_pass_through_keeps_alive_and_frames_every_body(proxy, upstream, http):
    for i in range(3):
        r = http.post(f"{proxy.url}/commit", json={"i": i}, timeout=TIMEOUT)
        assert r.json()["echo"] == {"i": i}
    assert http.get(f"{proxy.url}/chunked", timeout=TIMEOUT).json() == {"parts": [1, 2, 3]}
    assert http.get(f"{proxy.url}/empty", timeout=TIMEOUT).status_code == 304
    assert http.get(f"{proxy.url}/x", timeout=TIMEOUT).json() == {"path": "/x", "commits": 3}
    assert upstream.commits == 3
    assert proxy.faults_injected == 0
    assert [s.method for s in proxy.seen()] == ["POST"] * 3 + ["GET"] * 3
    assert json.loads(proxy.seen("POST /commit")[1].body) == {"i": 1}


def test_refuse_closes_the_port_and_clear_reopens_it(proxy, http):
    port = proxy.port
    proxy.set_fault(Fault.REFUSE)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(requests.ConnectionError):
        http.get(f"{proxy.url}/x", timeout=TIMEOUT)
    proxy.clear()
    assert proxy.port == port
    assert http.get(f"{proxy.url}/x", timeout=TIMEOUT).status_code == 200
    assert proxy.injected[Fault.REFUSE] == 1


def test_reset_mid_request_never_reaches_a_commit(proxy, upstream, http):
    proxy.set_fault(Fault.RESET, after_bytes=20, times=1)
    with pytest.raises(requests.ConnectionError):
        http.post(f"{proxy.url}/commit", json={"i": 1}, timeout=TIMEOUT)
    assert upstream.commits == 0
    # `times` used up: back to pass-through on its own.
    assert http.post(f"{proxy.url}/commit", json={"i": 2}, timeout=TIMEOUT).json()["commit"] == 1
    assert proxy.injected[Fault.RESET] == 1


def test_drop_reply_after_the_server_committed(proxy, upstream, http):
    proxy.set_fault(Fault.DROP_REPLY, match="POST /commit", times=2)
    assert http.get(f"{proxy.url}/x", timeout=TIMEOUT).status_code == 200  # not matched
    for i in range(2):
        with pytest.raises(requests.ConnectionError):
            http.post(f"{proxy.url}/commit", json={"i": i}, timeout=TIMEOUT)
    assert upstream.commits == 2
    assert proxy.injected[Fault.DROP_REPLY] == 2
    assert http.post(f"{proxy.url}/commit", json={}, timeout=TIMEOUT).json()["commit"] == 3


def test_blackhole_accepts_and_never_answers(proxy, upstream, http):
    proxy.set_fault(Fault.BLACKHOLE)
    with pytest.raises(requests.ReadTimeout):
        http.post(f"{proxy.url}/commit", json={}, timeout=(2, 0.5))
    assert upstream.commits == 0
    proxy.clear()
    assert http.post(f"{proxy.url}/commit", json={}, timeout=TIMEOUT).json()["commit"] == 1


def test_latency_holds_back_each_message(proxy, upstream, http):
    proxy.set_fault(Fault.LATENCY, delay=0.4)
    with pytest.raises(requests.ReadTimeout):
        http.get(f"{proxy.url}/x", timeout=(2, 0.2))
    assert http.get(f"{proxy.url}/x", timeout=TIMEOUT).status_code == 200
    assert proxy.injected[Fault.LATENCY] == 2


def test_html_portal_answers_200_and_the_server_never_sees_it(proxy, upstream, http):
    proxy.set_fault(Fault.HTML)
    r = http.post(f"{proxy.url}/commit", json={}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert b"<html>" in r.content
    assert upstream.commits == 0


def test_truncate_cuts_the_body_after_the_commit(proxy, upstream, http):
    proxy.set_fault(Fault.TRUNCATE, times=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.post(f"{proxy.url}/commit", json={}, timeout=TIMEOUT)
    assert upstream.commits == 1
    assert http.post(f"{proxy.url}/commit", json={}, timeout=TIMEOUT).json()["commit"] == 2


def test_counts_requests_in_flight_at_once(proxy, upstream):
    # long enough that three threads overlap even on a loaded machine
    proxy.set_fault(Fault.LATENCY, delay=2.0)
    sessions = [requests.Session() for _ in range(3)]
    threads = [
        threading.Thread(target=s.get, args=(f"{proxy.url}/x",), kwargs={"timeout": TIMEOUT})
        for s in sessions
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert proxy.max_in_flight == 3
    # the proxy counts an exchange done just after the client has its reply
    assert wait_until(lambda: proxy.in_flight == 0)
    for s in sessions:
        s.close()


def test_stop_ends_held_and_blackholed_requests(upstream):
    errors: list[Exception] = []

    def call(url: str) -> None:
        try:
            requests.get(url, timeout=(2, 30))
        except requests.RequestException as exc:
            errors.append(exc)

    p = FaultProxy("127.0.0.1", upstream.server_address[1]).start()
    p.set_fault(Fault.LATENCY, delay=30, match="GET /slow")
    held = threading.Thread(target=call, args=(f"{p.url}/slow",))
    held.start()
    assert wait_until(lambda: len(p.seen()) == 1)
    p.set_fault(Fault.BLACKHOLE)
    hole = threading.Thread(target=call, args=(f"{p.url}/hole",))
    hole.start()
    assert wait_until(lambda: len(p.seen()) == 2)
    p.stop()
    held.join(10)
    hole.join(10)
    assert len(errors) == 2
    assert upstream.commits == 0


def test_upstream_down_looks_like_a_reset(upstream, http):
    with FaultProxy("127.0.0.1", upstream.server_address[1]) as p:
        upstream.shutdown()
        upstream.server_close()
        with pytest.raises(requests.ConnectionError):
            http.get(f"{p.url}/x", timeout=TIMEOUT)


def test_status_is_answered_by_the_proxy_and_the_server_never_sees_it(proxy, upstream, http):
    proxy.set_fault(Fault.STATUS, status=404, match="POST /commit", times=1)
    r = http.post(f"{proxy.url}/commit", json={}, timeout=TIMEOUT)
    assert r.status_code == 404
    assert b"Proxy error" in r.content
    assert upstream.commits == 0
    # the same connection goes on working once the fault is used up
    assert http.post(f"{proxy.url}/commit", json={}, timeout=TIMEOUT).json()["commit"] == 1
