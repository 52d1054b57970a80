"""50 threads x 10 batch requests at once: no contact is ever in two live leases.

PostgreSQL runs `caller-server serve --workers 2`: two processes on one database (row locks with
SKIP LOCKED); SQLite runs one process (writes serialised by BEGIN IMMEDIATE).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

from sqlalchemy import func, select

from caller_server.models import BatchContact
from tests.support.server import (
    Api,
    LiveServer,
    db_session,
    seed,
    seed_volunteer,
)

THREADS = 50
REQUESTS = 10
SIZE = 2
VOLUNTEERS = 10


def test_no_contact_in_two_live_leases(busy_server: LiveServer) -> None:
    url = busy_server.db_url
    # Enough contacts that every request gets a full batch, so overlap would show.
    # No holding limit here (each volunteer holds 100): this is about overlap only.
    data = seed(
        url,
        contacts=THREADS * REQUESTS * SIZE + 100,
        callers=0,
        max_held_contacts=THREADS * REQUESTS * SIZE,
    )
    users = [f"busy{n}-{uuid.uuid4().hex[:6]}" for n in range(VOLUNTEERS)]
    for user in users:
        seed_volunteer(url, user, "Busy Bee", data.password)
    tokens = [Api.login(busy_server.url, u, data.password).token for u in users]

    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    leased: list[tuple[int, int]] = []  # (batch_id, contact_id)
    failures: list[str] = []

    def work(n: int) -> None:
        api = Api(busy_server.url, tokens[n % VOLUNTEERS], timeout=120)
        first_request = str(uuid.uuid4())
        barrier.wait(60)
        try:
            for i in range(REQUESTS):
                request_id = first_request if i == 0 else str(uuid.uuid4())
                reply = api.post(
                    f"/campaigns/{data.campaign_id}/batches",
                    json={"size": SIZE, "request_id": request_id},
                )
                if reply.status_code != 200:
                    failures.append(f"{reply.status_code} {reply.text[:200]}")
                    continue
                body = reply.json()
                with lock:
                    leased.extend((body["batch_id"], c["id"]) for c in body["contacts"])
            # A retried request (reply lost) gets the very same batch back.
            again = api.post(
                f"/campaigns/{data.campaign_id}/batches",
                json={"size": SIZE, "request_id": first_request},
            )
            if again.status_code != 200:
                failures.append(f"retry {again.status_code}")
        except Exception as exc:  # reported below
            failures.append(repr(exc))
        finally:
            api.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    problems = [ln for ln in busy_server.log_text().splitlines() if '" 200 OK' not in ln]
    assert not failures, "\n".join(failures[:3] + problems[-30:])
    assert len(leased) == THREADS * REQUESTS * SIZE  # every request got a full batch
    per_contact = Counter(contact for _, contact in leased)
    assert max(per_contact.values()) == 1
    with db_session(url) as s:
        twice = s.scalar(
            select(func.count()).select_from(
                select(BatchContact.contact_id)
                .group_by(BatchContact.contact_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        assert twice == 0
        assert s.scalar(select(func.count()).select_from(BatchContact)) == len(leased)
