"""The dashboard's figures and remedies, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from caller_server import dashboard
from caller_server.models import Batch, Campaign, Contact, Result, Suppression
from tests.support.server import Seeded, db_session, seed

NOW = dt.datetime(2026, 11, 26, 19, 30, tzinfo=dt.UTC)  # 19:30 in London (GMT)


def _result(
    data: Seeded,
    contact: int,
    vol: str,
    outcome: str,
    at: dt.datetime,
    answers: dict | None = None,
    supersedes: str | None = None,
) -> str:
    rid = str(uuid.uuid4())
    with db_session(data.db_url) as s:
        s.add(
            Result(
                id=rid,
                campaign_id=data.campaign_id,
                contact_id=contact,
                volunteer_id=data.volunteer_ids[vol],
                outcome=outcome,
                answers=answers or {},
                started_at=at,
                received_at=at,
                supersedes=supersedes,
                payload_hash="x",
            )
        )
        s.commit()
    return rid


def _lease(data: Seeded, vol: str, contacts: list[int], since: dt.datetime) -> int:
    with db_session(data.db_url) as s:
        batch = Batch(
            campaign_id=data.campaign_id,
            volunteer_id=data.volunteer_ids[vol],
            request_id=str(uuid.uuid4()),
            created_at=since,
            expires_at=NOW + dt.timedelta(minutes=30),
        )
        s.add(batch)
        s.flush()
        for cid in contacts:
            c = s.get(Contact, cid)
            c.state, c.batch_id = "leased", batch.id
            c.lease_expires_at = NOW + dt.timedelta(minutes=30)
        s.commit()
        return batch.id


def _figures(data: Seeded) -> dashboard.Figures:
    with db_session(data.db_url) as s:
        return dashboard.figures(s, s.get(Campaign, data.campaign_id), NOW)


def test_figures_count_tonight_total_outcomes_hours_volunteers_and_answers(server_db) -> None:
    data = seed(server_db, contacts=8)
    a, b = data.callers
    c = data.contact_ids
    yesterday = NOW - dt.timedelta(days=1)
    _result(data, c[0], a, "answered", yesterday, {"support": "yes", "issues": ["parks"]})
    first = _result(data, c[1], a, "not_home", NOW - dt.timedelta(hours=1, minutes=10))
    _result(
        data,
        c[1],
        a,
        "answered",
        NOW - dt.timedelta(hours=1),
        {"support": "no", "issues": ["parks", "buses"], "comment": "secret words"},
        supersedes=first,
    )
    _result(data, c[2], b, "busy", NOW - dt.timedelta(minutes=5))
    with db_session(data.db_url) as s:
        s.get(Contact, c[0]).state = "done"
        s.get(Contact, c[1]).state = "done"
        s.get(Contact, c[2]).attempts = 1
        s.commit()
    _lease(data, b, [c[3], c[4]], NOW - dt.timedelta(minutes=20))

    f = _figures(data)
    assert (f.calls_tonight, f.reached_tonight, f.calls_total, f.reached_total) == (2, 1, 3, 2)
    by_code = {code: (night, total) for code, _label, night, total in f.outcomes}
    assert by_code["answered"] == (1, 2)
    assert by_code["busy"] == (1, 1)
    assert by_code["not_home"] == (0, 0)  # superseded by the correction
    hours = {h: (calls, reached) for h, calls, reached in f.hours}
    assert hours[18] == (1, 1)
    assert hours[19] == (1, 0)
    assert sum(v[0] for v in hours.values()) == 2
    vols = {v.volunteer_id: v for v in f.volunteers}
    va, vb = vols[data.volunteer_ids[a]], vols[data.volunteer_ids[b]]
    assert (va.calls_tonight, va.reached_tonight, va.calls_total, va.held) == (1, 1, 2, 0)
    assert (vb.calls_tonight, vb.calls_total, vb.held) == (1, 1, 2)
    assert vb.last_result_at == NOW - dt.timedelta(minutes=5)
    assert (f.fresh, f.waiting, f.held, f.done) == (3, 1, 2, 2)
    assert len(f.leases) == 1
    assert f.leases[0].held == 2
    assert f.leases[0].since == NOW - dt.timedelta(minutes=20)
    answers = {text: (kind, dict(counts), n) for text, kind, counts, n in f.answers}
    assert answers["What matters most?"] == (
        "multi",
        {"housing": 0, "buses": 1, "parks": 2, "schools": 0},
        2,
    )
    assert answers["Anything else?"] == ("text", {}, 1)  # counted, never shown
    assert "secret words" not in repr(f)


def test_release_volunteer_frees_their_contacts_only(server_db) -> None:
    data = seed(server_db, contacts=5)
    a, b = data.callers
    c = data.contact_ids
    _lease(data, a, [c[0], c[1]], NOW - dt.timedelta(minutes=5))
    _lease(data, b, [c[2]], NOW - dt.timedelta(minutes=5))
    with db_session(data.db_url) as s:
        assert dashboard.release_volunteer(s, data.campaign_id, data.volunteer_ids[a], NOW) == 2
        s.commit()
    f = _figures(data)
    assert (f.fresh, f.held) == (4, 1)
    assert [lease.volunteer_id for lease in f.leases] == [data.volunteer_ids[b]]


def test_void_results_since_drops_tallies_and_suppressions(server_db) -> None:
    data = seed(server_db, contacts=4)
    a, b = data.callers
    c = data.contact_ids
    keep = _result(data, c[0], a, "answered", NOW - dt.timedelta(hours=3))
    bad = _result(data, c[1], a, "do_not_call", NOW - dt.timedelta(minutes=30))
    _result(data, c[2], b, "answered", NOW - dt.timedelta(minutes=20))
    with db_session(data.db_url) as s:
        contact = s.get(Contact, c[1])
        contact.state, contact.attempts, contact.last_result_id = "done", 1, bad
        s.add(
            Suppression(phone=contact.phone, campaign_id=None, reason="do_not_call", result_id=bad)
        )
        s.commit()
    with db_session(data.db_url) as s:
        report = dashboard.void_results(
            s,
            data.campaign_id,
            data.volunteer_ids[a],
            NOW - dt.timedelta(hours=1),
            data.volunteer_ids[data.organiser],
            NOW,
        )
        s.commit()
    assert (report.results, report.suppressions, report.contacts_reopened) == (1, 1, 1)
    with db_session(data.db_url) as s:
        assert s.scalar(select(Suppression).where(Suppression.result_id == bad)) is None
        contact = s.get(Contact, c[1])
        assert (contact.state, contact.attempts) == ("available", 0)
        assert s.get(Result, keep).voided_at is None
        assert s.get(Result, bad).voided_at is not None
    f = _figures(data)
    assert f.calls_total == 2
    assert {v.volunteer_id: v.calls_total for v in f.volunteers}[data.volunteer_ids[a]] == 1


def test_a_voided_result_is_in_no_export(server_db) -> None:
    from caller_server.export import ExportOptions, iter_rows

    data = seed(server_db, contacts=2)
    a = data.callers[0]
    keep = _result(data, data.contact_ids[0], a, "answered", NOW - dt.timedelta(hours=2))
    bad = _result(data, data.contact_ids[1], a, "refused", NOW - dt.timedelta(minutes=10))
    with db_session(data.db_url) as s:
        dashboard.void_results(
            s,
            data.campaign_id,
            data.volunteer_ids[a],
            NOW - dt.timedelta(hours=1),
            data.volunteer_ids[data.organiser],
            NOW,
        )
        s.commit()
    with db_session(data.db_url) as s:
        for options in (ExportOptions(), ExportOptions(all_versions=True)):
            ids = [row[0] for row in list(iter_rows(s, data.campaign_id, options))[1:]]
            assert ids == [keep], options
        per_contact = list(iter_rows(s, data.campaign_id, ExportOptions(per_contact=True)))
        assert bad not in {cell for row in per_contact for cell in row}
