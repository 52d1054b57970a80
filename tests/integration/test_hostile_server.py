"""The app core against a hostile server (tests/support/hostile_server.py, real HTTP).

Huge bodies, deeply nested JSON, wrong types, slowloris trickles, redirects to other
hosts and HTML pages full of script: every call ends, within its timeouts, in an
ApiError whose message is a sentence; the sync engine keeps retrying with its outbox
intact and stops when asked; and a script or contact full of HTML and JavaScript is
stored verbatim, with nothing fetched from the addresses it holds. (That the UI shows
such text as text is tested in tests/app/ui/test_e2e_offline_hostile.py.)
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from caller_app.api import ApiClient, ApiError, ProtocolError
from caller_app.domain.models import Account, Connectivity, Contact, ResultDraft
from caller_app.store import Store
from caller_app.sync import SyncEngine
from tests.support.corekit import FAST_SYNC, fast_session, wait_for
from tests.support.hostile_server import Behaviour, HostileServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = pytest.mark.timeout(180)

TIMEOUT = (1.0, 1.0)  # (connect, read): a whole reply body gets 4 x read = 4 s
BOUND = 30.0  # a call that has not returned by then is stuck, whatever its timeouts
CAMPAIGN = 7
NOW = "2026-11-26T18:00:00Z"

LEASE = {
    "batch_id": 11,
    "campaign_id": CAMPAIGN,
    "lease_expires_at": "2036-11-26T18:45:00Z",
    "contacts": [],
    "reason": None,
    "opens_at": None,
}
WRONG_TYPES: dict[str, Any] = {
    "GET /api/v1/campaigns": {"campaigns": [{"id": "1", "name": ["x"]}]},
    f"POST /api/v1/campaigns/{CAMPAIGN}/batches": {**LEASE, "contacts": "Ada Rook"},
    "POST /api/v1/results": {"accepted": "everything", "duplicates": None, "rejected": 5},
    f"GET /api/v1/campaigns/{CAMPAIGN}/progress": {"team": {"calls": "many"}},
}


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


def _call_within(fn: Callable[[], Any], bound: float = BOUND) -> BaseException | Any:
    """Run `fn` in a thread; its result or exception, or fail if it is still running."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as exc:  # handed to the test
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(bound)
    assert not thread.is_alive(), f"the call was still running after {bound:.0f} s"
    return out[0]


def _client(server: HostileServer) -> ApiClient:
    return ApiClient(server.url, fast_session(), token="t0ken-for-hostile", timeout=TIMEOUT)


CALLS: dict[str, Callable[[ApiClient], Any]] = {
    "GET /api/v1/campaigns": lambda api: api.campaigns(),
    f"POST /api/v1/campaigns/{CAMPAIGN}/batches": lambda api: api.lease(CAMPAIGN, 5, "r-1"),
    "POST /api/v1/results": lambda api: api.post_results([]),
    f"GET /api/v1/campaigns/{CAMPAIGN}/progress": lambda api: api.progress(CAMPAIGN),
}


BODY_ATTACKS = [b for b in Behaviour if b not in (Behaviour.REPLY, Behaviour.TRICKLE_HEADERS)]
CASES = [("POST /api/v1/results", b) for b in BODY_ATTACKS]
SLOW = (Behaviour.TRICKLE, Behaviour.HUGE_DECLARED)  # these take the whole deadline
CASES += [
    ("GET /api/v1/campaigns", b)
    for b in BODY_ATTACKS
    if b is not Behaviour.WRONG_TYPES and b not in SLOW
]
CASES += [(route, Behaviour.WRONG_TYPES) for route in CALLS if route != "POST /api/v1/results"]


@pytest.mark.parametrize(("route", "behaviour"), CASES)
def test_every_hostile_reply_is_a_clear_error_in_bounded_time(
    hostile: HostileServer, route: str, behaviour: Behaviour
) -> None:
    hostile.on(route, behaviour, WRONG_TYPES[route])
    api = _client(hostile)
    try:
        outcome = _call_within(lambda: CALLS[route](api))
    finally:
        api.close()
    assert isinstance(outcome, ApiError), repr(outcome)
    message = str(outcome)
    assert message.endswith("."), message
    assert "Traceback" not in message
    assert len(message) < 300
    if behaviour in (
        Behaviour.HTML,
        Behaviour.REDIRECT,
        Behaviour.NESTED,
        Behaviour.WRONG_TYPES,
        Behaviour.HUGE,
    ):
        assert isinstance(outcome, ProtocolError), repr(outcome)
    # Nothing followed the redirect or the page: the token never left for another address.
    assert hostile.requests_for("/stolen") == []
    assert hostile.requests_for("/beacon") == []


def test_headers_trickled_a_byte_at_a_time_end_in_bounded_time(hostile: HostileServer) -> None:
    # The read timeout bounds each wait for bytes only; the client's overall deadline
    # (caller_app.api.deadline) cuts the connection.
    hostile.on("POST /api/v1/results", Behaviour.TRICKLE_HEADERS)
    api = _client(hostile)
    try:
        outcome = _call_within(lambda: api.post_results([]), bound=10)
    finally:
        api.close()
    assert isinstance(outcome, ProtocolError), repr(outcome)
    assert "too slowly" in str(outcome)


# --- the sync engine ------------------------------------------------------------------------


def _store_with_work(path: Path, url: str) -> tuple[Store, list[str]]:
    """A signed-in store with a leased batch and three recorded, unsent results."""
    store = Store(path)
    store.save_account(Account(server_url=url, username="vol", volunteer_id=3, name="Val"))
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    contacts = [
        Contact(
            id=100 + i,
            batch_id=11,
            campaign_id=CAMPAIGN,
            first_name="Ada",
            last_name="Rook",
            phone=f"+4420794600{i:02d}",
            ward="North",
            attempt=1,
        )
        for i in range(5)
    ]
    store.add_batch(11, CAMPAIGN, expires, contacts)
    ids = []
    for contact in contacts[:3]:
        ids.append(
            store.record(
                ResultDraft(
                    contact_id=contact.id,
                    batch_id=11,
                    campaign_id=CAMPAIGN,
                    outcome="answered",
                    started_at=dt.datetime.now(dt.UTC),
                    duration_s=30,
                    answers={"support": "yes"},
                    notes="keen",
                )
            ).id
        )
    return store, ids


@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour.HUGE,
        Behaviour.NESTED,
        Behaviour.WRONG_TYPES,
        Behaviour.TRICKLE,
        Behaviour.REDIRECT,
        Behaviour.HTML,
    ],
)
def test_sync_engine_keeps_everything_and_stays_responsive(
    qapp,
    hostile: HostileServer,
    tmp_path: Path,
    behaviour: Behaviour,  # type: ignore[no-untyped-def]
) -> None:
    for route in (
        *CALLS,
        f"GET /api/v1/campaigns/{CAMPAIGN}/script",
        "POST /api/v1/batches/11/renew",
    ):
        hostile.on(route, behaviour, WRONG_TYPES.get(route, {"nonsense": True}))
    store, ids = _store_with_work(tmp_path / "app.sqlite3", hostile.url)
    api = _client(hostile)
    engine = SyncEngine(store, api, CAMPAIGN, **FAST_SYNC)
    statuses: list[Any] = []
    engine.status_changed.connect(statuses.append)
    engine.run_in_thread()
    try:
        wait_for(
            lambda: (
                len(
                    [
                        s
                        for s in statuses
                        if s.connectivity in (Connectivity.RETRYING, Connectivity.OFFLINE)
                    ]
                )
                >= 2
            ),
            60,
            "two failed cycles",
        )
        failed = [s for s in statuses if s.connectivity is not Connectivity.ONLINE]
        assert all(s.detail and s.detail.endswith(".") for s in failed)
        assert all(s.waiting == 3 for s in failed)
    finally:
        started = time.monotonic()
        stopped = engine.shutdown(int(BOUND * 1000))
        api.close()
    assert stopped, f"the sync thread did not stop within {time.monotonic() - started:.0f} s"
    assert sorted(r.id for r in store.results(state="pending")) == sorted(ids)
    assert store.needs_attention() == []
    assert store.remaining(CAMPAIGN) == 2
    assert store.integrity_check() == "ok"
    store.close()
    assert hostile.requests_for("/stolen") == []


# --- a script full of HTML and JavaScript ---------------------------------------------------


def test_hostile_script_and_contact_are_stored_verbatim_and_fetch_nothing(
    qapp,
    hostile: HostileServer,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    beacon = f"http://127.0.0.1:{hostile.port}/beacon"
    evil = (
        f"<script>fetch('{beacon}')</script><img src='{beacon}.png' onerror='alert(1)'>"
        f"<iframe src='{beacon}'></iframe>[click]({beacon}) ![x]({beacon}.gif) {{first_name}}"
    )
    script = {
        "campaign_id": CAMPAIGN,
        "version": "v1",
        "intro": "Hello " + evil,
        "crib_sheet": evil,
        "candidate_bio": evil,
        "candidate": "<b>Sam</b>",
        "seat": "<i>North</i>",
        "questions": [
            {
                "key": "support",
                "text": evil,
                "kind": "single",
                "options": ["yes", "<script>alert(2)</script>"],
            }
        ],
        "outcomes": [
            {
                "code": "answered",
                "label": evil,
                "reached": True,
                "final": True,
                "needs_callback_time": False,
            }
        ],
    }
    contact = {
        "id": 501,
        "first_name": f"<img src='{beacon}'>",
        "last_name": "</td><script>",
        "phone": "+442079460501",
        "ward": evil,
        "attempt": 1,
        "previous_notes": [evil],
        "attributes": {"note": evil},
        "lease_proof": evil,
    }
    hostile.on(f"GET /api/v1/campaigns/{CAMPAIGN}/script", Behaviour.REPLY, script)
    hostile.on(
        f"POST /api/v1/campaigns/{CAMPAIGN}/batches",
        Behaviour.REPLY,
        {**LEASE, "batch_id": 12, "contacts": [contact]},
    )
    hostile.on(
        f"GET /api/v1/campaigns/{CAMPAIGN}/progress",
        Behaviour.REPLY,
        {
            "team": {"calls": 0, "reached": 0, "volunteers_active": 1},
            "mine": {"calls": 0, "reached": 0},
            "leaderboard": [{"name": evil, "calls": 1}],
        },
    )
    store = Store(tmp_path / "app.sqlite3")
    store.save_account(Account(server_url=hostile.url, username="vol", volunteer_id=3, name="Val"))
    api = _client(hostile)
    engine = SyncEngine(store, api, CAMPAIGN, **FAST_SYNC)
    engine.run_in_thread()
    try:
        wait_for(
            lambda: store.script(CAMPAIGN) is not None and store.remaining(CAMPAIGN) == 1,
            60,
            "the script and the contact",
        )
    finally:
        assert engine.shutdown(int(BOUND * 1000))
        api.close()
    saved = store.script(CAMPAIGN)
    assert saved is not None
    assert saved.intro == "Hello " + evil
    assert saved.crib_sheet == evil
    assert saved.candidate_bio == evil
    assert saved.questions[0].text == evil
    assert saved.questions[0].options[1] == "<script>alert(2)</script>"
    leased = store.next_contact(CAMPAIGN)
    assert leased is not None
    assert leased.first_name == contact["first_name"]
    assert leased.ward == evil
    assert leased.previous_notes == (evil,)
    store.close()
    time.sleep(0.5)  # anything lured would have arrived by now
    assert hostile.requests_for("/beacon") == []
    assert [s.path for s in hostile.seen if not s.path.startswith("/api/v1/")] == []
