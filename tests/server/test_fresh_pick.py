"""The lease's fresh pick (leasing.pick_queries, migration 0012): in id order, never a
contact done, leased or waiting for a retry, and served by the partial index
`ix_contacts_fresh_pick` however many contacts are done tonight (issue 15).

The plan test reads EXPLAIN, not timings: with most contacts still fresh PostgreSQL
would rather walk the primary key and filter out every done contact.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text, update

from caller_server import leasing
from caller_server.models import Campaign, Contact
from tests.support.server import (
    create_pg_database,
    create_schema,
    db_session,
    drop_pg_database,
    pg_unavailable_reason,
    seed,
)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        db = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        create_schema(db)
        yield db
        return
    if reason := pg_unavailable_reason():
        pytest.skip(reason)
    db = create_pg_database()
    try:
        create_schema(db)
        yield db
    finally:
        drop_pg_database(db)


def test_fresh_contacts_go_out_in_id_order_past_done_ones(url: str) -> None:
    seeded = seed(url, contacts=30, callers=1, max_held_contacts=100)
    ids = seeded.contact_ids
    now = dt.datetime.now(dt.UTC)
    volunteer = seeded.volunteer_ids[seeded.callers[0]]
    later = now + dt.timedelta(hours=2)
    with db_session(url) as session:
        done = [*ids[:10], ids[12]]
        session.execute(update(Contact).where(Contact.id.in_(done)).values(state="done"))
        # A retry not yet due: available, but not fresh.
        session.execute(update(Contact).where(Contact.id == ids[14]).values(next_call_after=later))
        session.commit()
        campaign = session.get(Campaign, seeded.campaign_id)
        assert campaign is not None
        first = leasing.lease_batch(session, campaign, volunteer, 5, str(uuid.uuid4()), now)
        second = leasing.lease_batch(session, campaign, volunteer, 5, str(uuid.uuid4()), now)
    assert [c["id"] for c in first.contacts] == [ids[10], ids[11], ids[13], ids[15], ids[16]]
    # The first batch is leased now: the next one starts after it.
    assert [c["id"] for c in second.contacts] == [ids[17], ids[18], ids[19], ids[20], ids[21]]


def _fresh_pick_plan(url: str, campaign_id: int, volunteer_id: int) -> str:
    query = leasing.pick_queries(campaign_id, 20, dt.datetime.now(dt.UTC), volunteer_id)[0]
    with db_session(url) as session:
        conn = session.connection()
        compiled = query.compile(dialect=conn.dialect)
        if conn.dialect.name == "postgresql":
            rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
        else:  # qmark parameters; the values hardly matter to the plan
            values = tuple(
                str(v) if isinstance(v, dt.datetime) else v
                for v in (compiled.params[name] for name in compiled.positiontup or ())
            )
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values).all()
    return "\n".join(" ".join(str(cell) for cell in row) for row in rows)


def test_the_fresh_pick_uses_the_partial_index_with_many_contacts_done(url: str) -> None:
    seeded = seed(url, contacts=0, callers=1)
    volunteer = seeded.volunteer_ids[seeded.callers[0]]
    with db_session(url) as session:
        # 20,000 contacts (drama numbers), the lowest 5,000 done: what an evening leaves.
        session.execute(
            text(
                "INSERT INTO contacts (campaign_id, first_name, last_name, phone, ward,"
                " attributes, state, attempts)"
                " SELECT :campaign, 'Ada', 'Lomax', '+442079460' || (n % 900 + 100),"
                " '', '{}', CASE WHEN n <= 5000 THEN 'done' ELSE 'available' END, 0"
                " FROM (WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g"
                " WHERE n < 20000) SELECT n FROM g) AS g"
            ),
            {"campaign": seeded.campaign_id},
        )
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
    plan = _fresh_pick_plan(url, seeded.campaign_id, volunteer)
    assert "ix_contacts_fresh_pick" in plan, plan
    assert "contacts_pkey" not in plan, plan
