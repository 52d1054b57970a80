"""The console's sign-in is throttled by the same counts as the app's (issue 14)."""

from __future__ import annotations

import html

from tests.support.console import Console
from tests.support.server import Seeded


def test_console_sign_in_shares_the_apps_throttle(anon: Console, data: Seeded) -> None:
    user = data.organiser
    statuses = []
    for n in range(8):
        page = anon.sign_in(user, f"wrong-{n}")
        statuses.append(page.status_code)
        if page.status_code == 429:
            break
    assert statuses[:5] == [401] * 5, statuses
    assert statuses[-1] == 429, statuses
    wait = int(page.headers["Retry-After"])
    assert 1 <= wait <= 300
    assert f"Too many tries. Please wait {wait} second" in html.unescape(page.text)
    # The app's sign-in, from the same address and for the same username, waits too...
    api = anon.client.post("/api/v1/auth/login", json={"username": user, "password": data.password})
    assert api.status_code == 429, api.text
    # ...while another volunteer from that address signs in to the app as usual.
    other = anon.client.post(
        "/api/v1/auth/login", json={"username": data.callers[0], "password": data.password}
    )
    assert other.status_code == 200, other.text
