"""The server's own output, at its most talkative, holds no secret and no personal data.

`caller-server --verbose serve` (DEBUG on every logger, uvicorn's access log on) runs
a realistic evening: wrong and right passwords, leasing, results with notes and
answers, a conflict, invalid and oversized uploads, release, export, revocation and
logout. Then its captured stdout and stderr are searched for every password, every
token, each contact's names and number (in the spellings a log could use), and
every note and answer sent. (test_api_bad_input.py checks the default log level.)
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from caller_server.models import Contact
from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    create_schema,
    db_session,
    dispose_engine,
    result_payload,
    seed,
)

pytestmark = pytest.mark.timeout(120)


COMMANDS = {
    "cli-verbose": [sys.executable, "-m", "caller_server", "--verbose", "serve"],
    "uvicorn-debug": [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "caller_server.app:create_app",
        "--log-level",
        "debug",
    ],
}


@pytest.fixture(scope="module", params=list(COMMANDS))
def verbose_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Seeded]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('logs') / 'server.sqlite3'}"
    create_schema(url)
    data = seed(url, contacts=8, callers=2)
    with db_session(url) as s:  # names found nowhere else, so a hit is a leak
        for i, contact in enumerate(s.scalars(select(Contact).order_by(Contact.id))):
            contact.first_name = f"Oriabel{i:02d}"
            contact.last_name = f"Fenwhistle-Quarn{i:02d}"
            contact.ward = f"Lindqvist Ward {i:02d}"
        s.commit()
    with LiveServer(url, command=COMMANDS[request.param]) as server:
        yield server, data
    dispose_engine(url)


def phone_spellings(phone: str) -> list[str]:
    national = "0" + phone[3:]
    return [
        phone,
        phone[1:],
        national,
        f"{national[:3]} {national[3:7]} {national[7:]}",
        phone[-7:],
    ]


def test_a_verbose_evening_logs_nothing_secret(verbose_server: tuple[LiveServer, Seeded]) -> None:
    server, data = verbose_server
    secrets: list[str] = [data.password]
    base = server.url + "/api/v1"

    wrong = "hunter2-wrong-Password"
    secrets.append(wrong)
    requests.post(
        base + "/auth/login", json={"username": data.callers[0], "password": wrong}, timeout=30
    )
    caller = Api.login(server.url, data.callers[0], data.password)
    other = Api.login(server.url, data.callers[1], data.password)
    organiser = Api.login(server.url, data.organiser, data.password)
    secrets += [caller.token or "", other.token or "", organiser.token or ""]

    caller.get("/campaigns")
    caller.get(f"/campaigns/{data.campaign_id}/script")
    batch = caller.lease(data.campaign_id, 6)
    bid = batch["batch_id"]
    caller.get(f"/batches/{bid}")
    caller.post(f"/batches/{bid}/renew")
    contacts = batch["contacts"]

    notes = [f"Secret note {uuid.uuid4().hex[:10]} about the dog" for _ in contacts]
    comment = f"Confidential answer {uuid.uuid4().hex[:10]}"
    secrets += [*notes, comment]
    callback = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    results = [
        result_payload(
            bid,
            contacts[0]["id"],
            "answered",
            notes=notes[0],
            answers={"support": "leaning", "comment": comment},
        ),
        result_payload(bid, contacts[1]["id"], "call_back", notes=notes[1], callback_at=callback),
        result_payload(bid, contacts[2]["id"], "not_home", notes=notes[2]),
    ]
    assert len(caller.post("/results", json={"results": results}).json()["accepted"]) == 3
    conflict_note = f"Changed note {uuid.uuid4().hex[:10]}"
    secrets.append(conflict_note)
    caller.post("/results", json={"results": [{**results[0], "notes": conflict_note}]})
    # Rejected and malformed uploads, each carrying secrets.
    invalid_note = f"Invalid note {uuid.uuid4().hex[:10]}"
    secrets.append(invalid_note)
    caller.post(
        "/results",
        json={
            "results": [
                result_payload(
                    bid,
                    contacts[3]["id"],
                    "answered",
                    notes=invalid_note,
                    answers={"support": invalid_note},
                )
            ]
        },
    )
    caller.post("/results", json={"results": [{**results[0], "notes": invalid_note * 400}]})
    caller.post(
        "/results",
        data=f'{{"results": [{{"notes": "{invalid_note}"'.encode(),
        headers={"Content-Type": "application/json"},
    )
    caller.post(
        "/results",
        data=(f'{{"pad": "{invalid_note}' + "x" * (1 << 20)).encode(),
        headers={"Content-Type": "application/json"},
    )
    other.post(
        "/results",
        json={"results": [result_payload(bid, contacts[4]["id"], "answered", notes=invalid_note)]},
    )
    other.get(f"/batches/{bid}")

    caller.post(f"/batches/{bid}/release", json={"contact_ids": [contacts[5]["id"]]})
    caller.get(f"/campaigns/{data.campaign_id}/progress")
    caller.put("/me/preferences", json={"leaderboard_opt_in": True})
    export = organiser.get(f"/campaigns/{data.campaign_id}/results.csv")
    assert notes[0] in export.text  # the data really went through the server
    organiser.post(f"/admin/volunteers/{data.volunteer_ids[data.callers[1]]}/revoke")
    other.get("/me")
    caller.post("/auth/logout")
    caller.get("/me")

    log = server.log_text()
    assert "POST /api/v1/results" in log  # the access log is on
    if "--verbose" in (server.command or []):
        assert "DEBUG" in log  # and so is debug logging
    needles = [s for s in secrets if s]
    for c in contacts:
        needles += [c["first_name"], c["last_name"], c["ward"], *phone_spellings(c["phone"])]
    leaked = [n for n in needles if n in log]
    assert leaked == [], f"the server log holds {leaked[:5]}"
    bearer = [line for line in log.splitlines() if "bearer " in line.lower()]
    assert bearer == []
