"""Campaign list, the script with ETag/304, and tonight's progress."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.support.hours import closed_hours_now
from tests.support.server import Api, Seeded, seed_campaign


def test_campaign_list_has_settings(caller: Api, seeded: Seeded) -> None:
    closed = seed_campaign(seeded.db_url, name="Closed now", calling_hours=closed_hours_now())
    inactive = seed_campaign(seeded.db_url, name="Over", active=False)
    paused = seed_campaign(seeded.db_url, name="Resting", status="paused")
    campaigns = {c["id"]: c for c in caller.get("/campaigns").json()["campaigns"]}
    mine = campaigns[seeded.campaign_id]
    assert mine == {
        "id": seeded.campaign_id,
        "name": "Northfield by-election",
        "seat": "Northfield",
        "candidate": "Sam Example",
        "timezone": "Europe/London",
        "calling_hours": "00:00-24:00",
        "calling_now": True,
        "opens_at": None,
        "target_contacts_per_hour": 20,
        "batch_size": 20,
        "max_attempts": 3,
        "lease_minutes": 45,
        "max_held_contacts": 40,  # default: twice the batch size
        "status": "active",
    }
    assert campaigns[closed]["calling_now"] is False
    opens = dt.datetime.fromisoformat(campaigns[closed]["opens_at"].replace("Z", "+00:00"))
    assert dt.timedelta(0) < opens - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=3)
    assert inactive not in campaigns
    assert campaigns[paused]["status"] == "paused"  # listed, so the app can say why


def test_script_etag_and_304(caller: Api, seeded: Seeded) -> None:
    path = f"/campaigns/{seeded.campaign_id}/script"
    reply = caller.get(path)
    assert reply.status_code == 200
    etag = reply.headers["ETag"]
    body = reply.json()
    assert etag == f'"{body["version"]}"'
    assert body["campaign_id"] == seeded.campaign_id
    assert "{first_name}" in body["intro"]
    assert [q["key"] for q in body["questions"]] == ["support", "issues", "score", "comment"]
    codes = {o["code"]: o for o in body["outcomes"]}
    assert codes["answered"]["reached"]
    assert codes["answered"]["final"]
    assert codes["call_back"]["needs_callback_time"]
    assert len(codes) == 10

    again = caller.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert caller.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_custom_outcomes_replace_defaults(caller: Api, seeded: Seeded) -> None:
    cid = seed_campaign(
        seeded.db_url,
        outcomes=[
            {"code": "spoke", "label": "Spoke", "reached": True, "final": True},
            {
                "code": "no_answer",
                "label": "No answer",
                "reached": False,
                "final": False,
                "retry_after_minutes": 30,
            },
        ],
    )
    outcomes = caller.get(f"/campaigns/{cid}/script").json()["outcomes"]
    assert [o["code"] for o in outcomes] == ["spoke", "no_answer"]


def test_unknown_campaign_is_404(caller: Api) -> None:
    for path in ("/campaigns/987654/script", "/campaigns/987654/progress"):
        reply = caller.get(path)
        assert reply.status_code == 404
        assert reply.json()["error"]["code"] == "not_found"
    reply = caller.post(
        "/campaigns/987654/batches", json={"size": 5, "request_id": str(uuid.uuid4())}
    )
    assert reply.status_code == 404


def _result(batch: dict, contact: dict, outcome: str = "answered", **extra) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "batch_id": batch["batch_id"],
        "contact_id": contact["id"],
        "outcome": outcome,
        "answers": {},
        "notes": "",
        "started_at": dt.datetime.now(dt.UTC).isoformat(),
        "duration_s": 42,
        **extra,
    }


def test_progress_tallies_and_leaderboard(caller: Api, caller2: Api, seeded: Seeded) -> None:
    cid = seeded.campaign_id
    assert caller.put("/me/preferences", json={"leaderboard_opt_in": True}).status_code == 200
    b1 = caller.lease(cid, 3)
    b2 = caller2.lease(cid, 2)
    first = _result(b1, b1["contacts"][0], "not_home")
    fixed = _result(b1, b1["contacts"][0], "answered", supersedes=first["id"])
    r1 = [first, fixed, _result(b1, b1["contacts"][1], "answered")]
    r2 = [_result(b2, c, "refused") for c in b2["contacts"]]
    assert len(caller.post("/results", json={"results": r1}).json()["accepted"]) == 3
    assert len(caller2.post("/results", json={"results": r2}).json()["accepted"]) == 2

    progress = caller.get(f"/campaigns/{cid}/progress").json()
    # The superseded not_home is not counted: 2 calls by caller, 2 by caller2.
    assert progress["team"] == {"calls": 4, "reached": 4, "volunteers_active": 2}
    assert progress["mine"] == {"calls": 2, "reached": 2}
    assert progress["leaderboard"] == [{"name": "Alex", "calls": 2}]  # caller2 opted out
