"""Households (contacts sharing a number) leased together; paused and closed campaigns.

Run on SQLite and PostgreSQL; the last test races many volunteers over households on
PostgreSQL with two server processes (SKIP LOCKED) and on SQLite.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict

from sqlalchemy import select

from caller_server.models import Contact, Result
from tests.support.server import (
    Api,
    LiveServer,
    Seeded,
    db_session,
    result_payload,
    seed,
    seed_campaign,
    seed_contacts,
    seed_volunteer,
    set_campaign_status,
)


def add_siblings(db_url: str, campaign_id: int, contact_ids: list[int], extra: int) -> None:
    """`extra` more contacts sharing the number of each contact in `contact_ids`."""
    with db_session(db_url) as session:
        for contact_id in contact_ids:
            phone = session.get(Contact, contact_id).phone
            session.add_all(
                Contact(campaign_id=campaign_id, first_name=f"Sib{n}", last_name="Lomax",
                        phone=phone, attributes={})
                for n in range(extra)
            )  # fmt: skip
        session.commit()


def phones(db_url: str, contact_ids: list[int]) -> dict[int, str]:
    with db_session(db_url) as session:
        rows = session.execute(select(Contact.id, Contact.phone).where(Contact.id.in_(contact_ids)))
        return dict(rows.all())


def test_a_household_comes_whole_in_one_batch(caller: Api, caller2: Api, seeded: Seeded) -> None:
    url = seeded.db_url
    cid = seed_campaign(url, max_held_contacts=100)
    heads = seed_contacts(url, cid, 3)
    add_siblings(url, cid, heads[:1], 2)  # the first number: a household of three
    first = caller.lease(cid, 2)
    got = first["contacts"]
    assert len(got) == 3  # one more than asked: the household is never split
    assert len({c["phone"] for c in got}) == 1
    assert all(c["same_number"] and c["household_size"] == 3 for c in got)
    second = caller2.lease(cid, 2)["contacts"]
    assert [c["id"] for c in second] == heads[1:]
    assert all(not c["same_number"] and c["household_size"] == 1 for c in second)


def test_a_released_member_waits_for_its_household(
    caller: Api, caller2: Api, seeded: Seeded
) -> None:
    url = seeded.db_url
    cid = seed_campaign(url, max_held_contacts=100)
    heads = seed_contacts(url, cid, 2)
    add_siblings(url, cid, heads[:1], 1)
    batch = caller.lease(cid, 1)
    ids = [c["id"] for c in batch["contacts"]]
    assert len(ids) == 2
    released = caller.post(f"/batches/{batch['batch_id']}/release", json={"contact_ids": ids[1:]})
    assert released.json() == {"released": 1}
    # The released member's sibling is still leased: another volunteer never gets it.
    other = caller2.lease(cid, 5)["contacts"]
    assert [c["id"] for c in other] == [heads[1]]


def test_pause_and_close(caller: Api, organiser: Api, seeded: Seeded) -> None:
    url, cid = seeded.db_url, seeded.campaign_id
    batch = caller.lease(cid, 2)
    contact = batch["contacts"][0]["id"]

    assert caller.get(f"/campaigns/{cid}/progress").json()["campaign_status"] == "active"
    set_campaign_status(url, cid, "paused")
    paused = caller.lease(cid, 2)
    assert (paused["batch_id"], paused["contacts"], paused["reason"]) == (None, [], "paused")
    assert cid in [c["id"] for c in caller.get("/campaigns").json()["campaigns"]]
    renewed = caller.post(f"/batches/{batch['batch_id']}/renew")
    assert renewed.status_code == 200
    # The app hears of the pause from its renewals and tally polls too, so it stops
    # offering the contacts it holds (they stay leased to it for when it resumes).
    assert renewed.json()["campaign_status"] == "paused"
    assert caller.get(f"/campaigns/{cid}/progress").json()["campaign_status"] == "paused"
    on_time = result_payload(batch["batch_id"], contact, "not_home")
    assert caller.post("/results", json={"results": [on_time]}).json()["accepted"]

    set_campaign_status(url, cid, "active")
    assert caller.lease(cid, 1)["contacts"]
    assert caller.post(f"/batches/{batch['batch_id']}/renew").json()["campaign_status"] == "active"

    set_campaign_status(url, cid, "closed")
    closed = caller.lease(cid, 2)
    assert (closed["batch_id"], closed["reason"]) == (None, "closed")
    assert cid not in [c["id"] for c in caller.get("/campaigns").json()["campaigns"]]
    renew = caller.post(f"/batches/{batch['batch_id']}/renew")
    assert renew.status_code == 409
    assert renew.json()["error"]["code"] == "conflict"
    late = result_payload(batch["batch_id"], batch["contacts"][1]["id"], "answered")
    assert caller.post("/results", json={"results": [late]}).json()["accepted"] == [late["id"]]
    with db_session(url) as session:
        assert session.get(Result, late["id"]).late is True
        assert session.get(Result, on_time["id"]).late is False
    # The organiser still exports a closed campaign.
    assert organiser.get(f"/campaigns/{cid}/results.csv").status_code == 200


# --- racing over households -------------------------------------------------------------


def test_racing_volunteers_never_split_a_household(busy_server: LiveServer) -> None:
    url = busy_server.db_url
    threads, requests = 20, 6
    data = seed(url, contacts=150, callers=0, max_held_contacts=500)
    add_siblings(url, data.campaign_id, data.contact_ids[::2], 1)  # 75 households of two
    add_siblings(url, data.campaign_id, data.contact_ids[1::6], 2)  # 25 of three
    users = [f"hh{n}-{uuid.uuid4().hex[:6]}" for n in range(threads)]
    for user in users:
        seed_volunteer(url, user, "Busy Bee", data.password)
    tokens = [Api.login(busy_server.url, u, data.password).token for u in users]
    barrier = threading.Barrier(threads)
    lock = threading.Lock()
    leased: list[tuple[int, int]] = []  # (batch_id, contact_id)
    failures: list[str] = []

    def work(n: int) -> None:
        api = Api(busy_server.url, tokens[n], timeout=120)
        barrier.wait(60)
        try:
            for _ in range(requests):
                reply = api.post(f"/campaigns/{data.campaign_id}/batches",
                                 json={"size": 2, "request_id": str(uuid.uuid4())})  # fmt: skip
                if reply.status_code != 200:
                    failures.append(f"{reply.status_code} {reply.text[:200]}")
                    continue
                with lock:
                    leased.extend((reply.json()["batch_id"], c["id"])
                                  for c in reply.json()["contacts"])  # fmt: skip
        except Exception as exc:  # reported below
            failures.append(repr(exc))
        finally:
            api.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(300)
    assert not failures, failures[:5]
    number = phones(url, [c for _, c in leased])
    batches_of_number: dict[str, set[int]] = defaultdict(set)
    for batch_id, contact_id in leased:
        batches_of_number[number[contact_id]].add(batch_id)
    assert len({c for _, c in leased}) == len(leased)  # no contact twice
    split = {p: b for p, b in batches_of_number.items() if len(b) > 1}
    assert not split  # every household in one batch
    assert len(leased) > 200  # most of the 275 contacts went out
