"""An upload's reply carries tonight's tallies, so the app need not poll /progress after it.

They must be /progress's figures (team, own, status) counted after the upload, for the
campaigns the request stored results of, and never a campaign /progress would refuse.
"""

from __future__ import annotations

from caller_server import accounts
from caller_server.campaign_admin import set_status
from caller_server.models import Volunteer
from caller_server.timeutil import utcnow
from tests.support.server import Api, LiveServer, Seeded, db_session, result_payload, seed


def _post(api: Api, results: list[dict]) -> dict:
    reply = api.post("/results", json={"results": results})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _progress(api: Api, cid: int) -> dict:
    reply = api.get(f"/campaigns/{cid}/progress")
    assert reply.status_code == 200, reply.text
    return reply.json()


def _result(batch: dict, n: int, outcome: str = "answered", **extra) -> dict:  # type: ignore[no-untyped-def]
    contact = batch["contacts"][n]
    return result_payload(
        batch["batch_id"], contact["id"], outcome, lease_proof=contact["lease_proof"], **extra
    )


def test_the_upload_reply_holds_the_figures_progress_gives(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    cid = seeded.campaign_id
    mine, theirs = caller.lease(cid, 3), caller2.lease(cid, 2)
    sent = [_result(theirs, 0, "not_home"), _result(theirs, 1)]
    assert _post(caller2, sent)["accepted"]
    before = _progress(caller, cid)

    first = _result(mine, 0, "not_home")
    fixed = _result(mine, 0, "answered", supersedes=first["id"])
    reply = _post(caller, [first, fixed, _result(mine, 1)])
    assert len(reply["accepted"]) == 3
    [tally] = reply["tallies"]
    now = _progress(caller, cid)
    assert tally == {
        "campaign_id": cid,
        "team": now["team"],
        "mine": now["mine"],
        "campaign_status": "active",
    }
    # The correction counts once: two calls of ours, both reached, on top of the team's.
    assert tally["mine"] == {"calls": 2, "reached": 2}
    assert tally["team"]["calls"] == before["team"]["calls"] + 2
    assert tally["team"]["volunteers_active"] == before["team"]["volunteers_active"] + 1

    # A re-send is answered with the tallies too (nothing counted twice)...
    again = _post(caller, [fixed])
    assert again["duplicates"] == [fixed["id"]]
    assert again["tallies"] == reply["tallies"]
    # ...and the other volunteer's reply holds their own figures, not ours.
    other = _post(caller2, sent[:1])["tallies"][0]
    assert other["mine"] == _progress(caller2, cid)["mine"] != tally["mine"]
    assert other["team"] == tally["team"]


def test_a_refused_upload_carries_no_tallies(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    reply = _post(caller, [_result(batch, 0, "no_such_outcome")])
    assert [r["code"] for r in reply["rejected"]] == ["invalid_outcome"]
    assert reply["tallies"] == []


def test_no_tallies_of_a_closed_campaign(caller: Api, seeded: Seeded) -> None:
    batch = caller.lease(seeded.campaign_id, 1)
    with db_session(seeded.db_url) as session:
        set_status(session, seeded.campaign_id, "closed")
        session.commit()
    reply = _post(caller, [_result(batch, 0)])
    assert reply["accepted"]  # kept, flagged late, as docs/api.md says
    assert reply["tallies"] == []  # as /progress of a closed campaign is 404


def test_no_tallies_of_a_campaign_the_volunteer_left(live_server: LiveServer) -> None:
    data = seed(live_server.db_url, contacts=3, open_to_all=False)
    cid = data.campaign_id
    with db_session(data.db_url) as s:
        volunteer = s.get(Volunteer, data.volunteer_ids[data.callers[0]])
        assert volunteer is not None
        accounts.add_member(s, cid, volunteer, None)
        s.commit()
    member = Api.login(live_server.url, data.callers[0], data.password)
    try:
        result = _result(member.lease(cid, 1), 0)
        assert _post(member, [result])["tallies"][0]["mine"] == {"calls": 1, "reached": 1}
        with db_session(data.db_url) as s:
            volunteer = s.get(Volunteer, data.volunteer_ids[data.callers[0]])
            assert volunteer is not None
            accounts.remove_member(s, cid, volunteer, None, utcnow())
            s.commit()
        assert member.get(f"/campaigns/{cid}/progress").status_code == 404
        again = _post(member, [result])
        assert again["duplicates"] == [result["id"]]
        assert again["tallies"] == []  # /progress would not answer: neither does this
    finally:
        member.close()
