"""Tonight's progress from the running tallies equals the recount from the results.

Random sequences of calls, corrections, re-sent results, late results, voids and
midnights go through the real ingest and void code; after every step the tallies
(`progress.campaign_progress`) must equal `progress.recount` for every volunteer, on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caller_server import dashboard, tallies
from caller_server.models import Batch, BatchContact, Campaign, Volunteer
from caller_server.progress import campaign_progress, recount
from caller_server.results import ResultInput, ingest
from tests.support.server import Seeded, db_session, seed

START = dt.datetime(2026, 11, 26, 17, 30, tzinfo=dt.UTC)
OUTCOMES = ("answered", "not_home", "refused", "busy", "moved")
CONTACTS = 4
CALLERS = 3

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("call"),
            st.integers(0, CALLERS - 1),
            st.integers(0, CONTACTS - 1),
            st.sampled_from(OUTCOMES),
        ),
        st.tuples(st.just("correct"), st.integers(0, 50), st.sampled_from(OUTCOMES)),
        st.tuples(st.just("resend"), st.integers(0, 50)),
        st.tuples(st.just("release"), st.integers(0, CALLERS - 1)),
        st.tuples(st.just("void"), st.integers(0, CALLERS - 1), st.integers(0, 30)),
        st.tuples(st.just("wait"), st.integers(1, 14)),
    ),
    min_size=1,
    max_size=25,
)


class Evening:
    """A campaign where every caller holds a batch with every contact (so two callers
    can reach one contact, and a released batch makes its results late)."""

    def __init__(self, db_url: str, tz: str) -> None:
        self.data: Seeded = seed(db_url, contacts=CONTACTS, callers=CALLERS, timezone=tz)
        self.now = START
        self.sent: list[tuple[int, ResultInput]] = []  # (volunteer, result) in order
        self.batches: dict[int, int] = {}
        self.vols = [self.data.volunteer_ids[u] for u in self.data.callers]
        with db_session(db_url) as s:
            s.get(Volunteer, self.vols[0]).leaderboard_opt_in = True  # type: ignore[union-attr]
            for vol in self.vols:
                batch = Batch(
                    campaign_id=self.data.campaign_id,
                    volunteer_id=vol,
                    request_id=str(uuid.uuid4()),
                    created_at=START - dt.timedelta(minutes=5),
                    expires_at=START + dt.timedelta(days=30),
                )
                s.add(batch)
                s.flush()
                self.batches[vol] = batch.id
                for pos, cid in enumerate(self.data.contact_ids):
                    s.add(BatchContact(batch_id=batch.id, contact_id=cid, position=pos))
            s.commit()

    def _ingest(self, vol: int, item: ResultInput) -> None:
        with db_session(self.data.db_url) as s:
            ingest(s, vol, [item], self.now)

    def step(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        if kind == "call":
            vol, contact = self.vols[op[1]], self.data.contact_ids[op[2]]
            item = ResultInput(
                id=str(uuid.uuid4()),
                batch_id=self.batches[vol],
                contact_id=contact,
                outcome=op[3],
                answers={},
                notes="",
                started_at=self.now - dt.timedelta(minutes=2),
                duration_s=60,
            )
            self.sent.append((vol, item))
            self._ingest(vol, item)
        elif kind == "correct" and self.sent:
            vol, original = self.sent[op[1] % len(self.sent)]
            item = ResultInput(**{**original.__dict__, "id": str(uuid.uuid4())})
            item.outcome, item.supersedes = op[2], original.id
            self.sent.append((vol, item))
            self._ingest(vol, item)
        elif kind == "resend" and self.sent:
            self._ingest(*self.sent[op[1] % len(self.sent)])
        elif kind == "release":
            with db_session(self.data.db_url) as s:
                s.get(Batch, self.batches[self.vols[op[1]]]).released_at = self.now  # type: ignore[union-attr]
                s.commit()
        elif kind == "void":
            with db_session(self.data.db_url) as s:
                since = self.now - dt.timedelta(hours=op[2])
                dashboard.void_results(
                    s, self.data.campaign_id, self.vols[op[1]], since, 0, self.now
                )
                s.commit()
        elif kind == "wait":
            self.now += dt.timedelta(hours=op[1])

    def check(self) -> None:
        with db_session(self.data.db_url) as s:
            campaign = s.get(Campaign, self.data.campaign_id)
            assert campaign is not None
            for vol in self.vols:
                kept = campaign_progress(s, campaign, vol, self.now)
                assert kept == recount(s, campaign, vol, self.now), (vol, self.now)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=steps,
    tz=st.sampled_from(["Europe/London", "Asia/Kolkata", "America/Los_Angeles"]),
)
def test_tallies_equal_the_recount_after_any_sequence(server_db: str, ops: list, tz: str) -> None:
    evening = Evening(server_db, tz)
    for op in ops:
        evening.step(op)
        evening.check()


def test_a_busy_evening_counts_each_call_once(server_db: str) -> None:
    """Two callers reach one contact, a correction, a re-send and a void: the figures."""
    evening = Evening(server_db, "Europe/London")
    evening.step(("call", 0, 0, "answered"))
    evening.step(("call", 1, 0, "answered"))  # the same contact, reached by a second caller
    evening.step(("call", 0, 1, "not_home"))
    evening.step(("correct", 2, "refused"))  # not home -> refused: reached, still one call
    evening.step(("resend", 0))  # a duplicate counts nothing
    evening.check()
    with db_session(server_db) as s:
        campaign = s.get(Campaign, evening.data.campaign_id)
        assert campaign is not None
        figures = campaign_progress(s, campaign, evening.vols[0], evening.now)
    assert figures["team"] == {"calls": 3, "reached": 2, "volunteers_active": 2}
    assert figures["mine"] == {"calls": 2, "reached": 2}
    assert figures["leaderboard"] == [{"name": "Alex", "calls": 2}]
    evening.step(("void", 1, 1))
    evening.check()
    with db_session(server_db) as s:
        campaign = s.get(Campaign, evening.data.campaign_id)
        assert campaign is not None
        figures = campaign_progress(s, campaign, evening.vols[2], evening.now)
    assert figures["team"] == {"calls": 2, "reached": 2, "volunteers_active": 1}
    assert figures["mine"] == {"calls": 0, "reached": 0}
    evening.step(("wait", 12))  # past midnight: a new evening starts at nought
    with db_session(server_db) as s:
        campaign = s.get(Campaign, evening.data.campaign_id)
        assert campaign is not None
        assert campaign_progress(s, campaign, evening.vols[0], evening.now)["team"]["calls"] == 0


def test_rebuild_after_a_time_zone_change_matches_the_recount(server_db: str) -> None:
    evening = Evening(server_db, "Europe/London")
    for op in [("call", 0, 0, "answered"), ("wait", 5), ("call", 1, 1, "refused"), ("wait", 2)]:
        evening.step(op)
    with db_session(server_db) as s:
        campaign = s.get(Campaign, evening.data.campaign_id)
        assert campaign is not None
        campaign.timezone = "Pacific/Auckland"  # 13 hours ahead: another local day
        tallies.rebuild(s, campaign.id)
        s.commit()
    evening.check()


def test_an_evening_without_calls_reads_nought_and_writes_nothing(server_db: str) -> None:
    """No tally row yet: zeros, and a poll adds no row."""
    evening = Evening(server_db, "Europe/London")
    with db_session(server_db) as s:
        campaign = s.get(Campaign, evening.data.campaign_id)
        assert campaign is not None
        figures = campaign_progress(s, campaign, evening.vols[0], evening.now)
        assert figures["team"] == {"calls": 0, "reached": 0, "volunteers_active": 0}
        assert not s.new
        assert not s.dirty
