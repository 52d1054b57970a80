"""`caller-server serve --workers 2` answers kept-alive requests without Nagle's stall.

The app reuses one connection. Without TCP_NODELAY on the workers' sockets every
request after the first waited for the client's delayed ACK: 40 ms or more each,
whatever the load (issue 15). With it they take a millisecond or two here.
"""

from __future__ import annotations

import statistics
import time

import requests

from tests.support.server import LiveServer


def test_kept_alive_requests_do_not_wait_for_a_delayed_ack(server_db: str) -> None:
    with LiveServer(server_db, workers=2, via_cli=True) as server:
        http = requests.Session()
        try:
            http.get(server.url + "/api/v1/health", timeout=10).raise_for_status()
            times = []
            for _ in range(25):
                start = time.perf_counter()
                http.get(server.url + "/api/v1/health", timeout=10).raise_for_status()
                times.append(time.perf_counter() - start)
        finally:
            http.close()
    # The stall is at least 40 ms on every request; a loaded machine stays far below.
    assert statistics.median(times) < 0.03, f"median {statistics.median(times) * 1000:.1f} ms"
