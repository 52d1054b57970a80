"""The organiser's live figures for one campaign, and the two remedies the dashboard offers.

Counted like the app's tallies (`progress.py`): "tonight" starts at local midnight in
the campaign's time zone, a superseded result is left out so a corrected call counts
once, and a voided result counts nowhere. Aggregates are grouped in SQL; only tonight's
rows (for the per-hour chart) and the answers (JSON, grouped portably in Python) are
read row by row. Nothing here returns a contact's name, number, notes or text answers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session, aliased

from caller_server.models import Batch, Campaign, Contact, Result, Suppression
from caller_server.models import Volunteer as VolunteerRow
from caller_server.outcomes import campaign_outcomes
from caller_server.progress import tonight_start
from caller_server.tallies import watch
from caller_server.timeutil import as_utc, opt_utc

YIELD_PER = 1000


def current_results(campaign_id: int) -> Any:
    """The WHERE clause of the results that count: not superseded, not voided."""
    newer = aliased(Result)
    return and_(
        Result.campaign_id == campaign_id,
        Result.voided_at.is_(None),
        ~select(newer.id).where(newer.supersedes == Result.id).exists(),
    )


@dataclass
class VolunteerFigures:
    volunteer_id: int
    name: str
    calls_tonight: int = 0
    reached_tonight: int = 0
    calls_total: int = 0
    last_result_at: dt.datetime | None = None
    held: int = 0


@dataclass
class LeaseFigures:
    batch_id: int
    volunteer_id: int
    name: str
    held: int
    since: dt.datetime
    expires_at: dt.datetime


@dataclass
class Figures:
    """Everything the dashboard shows, as plain values."""

    campaign_id: int
    now: dt.datetime
    calls_tonight: int = 0
    reached_tonight: int = 0
    calls_total: int = 0
    reached_total: int = 0
    # (code, label, tonight, total), in the script's order, then unknown codes.
    outcomes: list[tuple[str, str, int, int]] = field(default_factory=list)
    # (local hour 0-23, calls, reached) for tonight.
    hours: list[tuple[int, int, int]] = field(default_factory=list)
    volunteers: list[VolunteerFigures] = field(default_factory=list)
    fresh: int = 0
    waiting: int = 0
    held: int = 0
    done: int = 0
    leases: list[LeaseFigures] = field(default_factory=list)
    # (question text, kind, [(option, count)], answered)
    answers: list[tuple[str, str, list[tuple[str, int]], int]] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.fresh + self.waiting + self.held


def figures(session: Session, campaign: Campaign, now: dt.datetime) -> Figures:
    """The campaign's figures at `now` (one consistent read when the session is new)."""
    out = Figures(campaign.id, now)
    outcomes = campaign_outcomes(campaign.script)
    reached_codes = [o.code for o in outcomes if o.reached]
    start = tonight_start(campaign.timezone, now)
    where = current_results(campaign.id)
    tonight = Result.received_at >= start

    total = dict(
        session.execute(
            select(Result.outcome, func.count()).where(where).group_by(Result.outcome)
        ).all()
    )
    night = dict(
        session.execute(
            select(Result.outcome, func.count()).where(where, tonight).group_by(Result.outcome)
        ).all()
    )
    labels = {o.code: o.label for o in outcomes}
    codes = [o.code for o in outcomes] + sorted(set(total) - set(labels))
    out.outcomes = [(c, labels.get(c, c), night.get(c, 0), total.get(c, 0)) for c in codes]
    out.calls_total = sum(total.values())
    out.calls_tonight = sum(night.values())
    reached = func.count(Result.contact_id.distinct())
    is_reached = Result.outcome.in_(reached_codes)
    out.reached_total = session.scalar(select(reached).where(where, is_reached)) or 0
    out.reached_tonight = session.scalar(select(reached).where(where, is_reached, tonight)) or 0

    out.hours = _hours(session, where, tonight, set(reached_codes), campaign.timezone)
    out.volunteers = _volunteers(session, campaign.id, where, tonight, is_reached, now)
    out.fresh, out.waiting, out.held, out.done = _remaining(session, campaign.id, now)
    out.leases = _leases(session, campaign.id, now)
    out.answers = _answers(session, campaign, where)
    return out


def _hours(
    session: Session, where: Any, tonight: Any, reached: set[str], tz: str
) -> list[tuple[int, int, int]]:
    zone = ZoneInfo(tz)
    calls: Counter[int] = Counter()
    hits: Counter[int] = Counter()
    rows = session.execute(
        select(Result.received_at, Result.outcome)
        .where(where, tonight)
        .execution_options(yield_per=YIELD_PER)
    )
    for received, outcome in rows:
        hour = as_utc(received).astimezone(zone).hour
        calls[hour] += 1
        hits[hour] += outcome in reached
    return [(h, calls[h], hits[h]) for h in range(24)]


def _volunteers(
    session: Session,
    campaign_id: int,
    where: Any,
    tonight: Any,
    is_reached: Any,
    now: dt.datetime,
) -> list[VolunteerFigures]:
    rows: dict[int, VolunteerFigures] = {}

    def row(vid: int, name: str) -> VolunteerFigures:
        return rows.setdefault(vid, VolunteerFigures(vid, name))

    name = VolunteerRow.name
    for vid, vname, calls, last in session.execute(
        select(Result.volunteer_id, name, func.count(), func.max(Result.received_at))
        .join(VolunteerRow, VolunteerRow.id == Result.volunteer_id)
        .where(where)
        .group_by(Result.volunteer_id, name)
    ):
        figures_ = row(vid, vname)
        figures_.calls_total = calls
        figures_.last_result_at = opt_utc(last)
    for vid, vname, calls in session.execute(
        select(Result.volunteer_id, name, func.count())
        .join(VolunteerRow, VolunteerRow.id == Result.volunteer_id)
        .where(where, tonight)
        .group_by(Result.volunteer_id, name)
    ):
        row(vid, vname).calls_tonight = calls
    for vid, vname, count in session.execute(
        select(Result.volunteer_id, name, func.count(Result.contact_id.distinct()))
        .join(VolunteerRow, VolunteerRow.id == Result.volunteer_id)
        .where(where, tonight, is_reached)
        .group_by(Result.volunteer_id, name)
    ):
        row(vid, vname).reached_tonight = count
    for lease in _leases(session, campaign_id, now):
        row(lease.volunteer_id, lease.name).held += lease.held
    return sorted(rows.values(), key=lambda v: (-v.calls_tonight, -v.calls_total, v.name))


def _remaining(session: Session, campaign_id: int, now: dt.datetime) -> tuple[int, int, int, int]:
    """(fresh, waiting for a retry, held by a live lease, done).

    A contact whose lease lapsed counts as fresh or waiting, as leasing sees it.
    """

    def count(*where: Any) -> int:
        query = select(func.count()).select_from(Contact)
        return int(session.scalar(query.where(Contact.campaign_id == campaign_id, *where)) or 0)

    live = and_(Contact.state == "leased", Contact.lease_expires_at > now)
    total = count()
    done = count(Contact.state == "done")
    held = count(live)
    waiting = count(Contact.state != "done", ~live, Contact.attempts > 0)
    return total - done - held - waiting, waiting, held, done


def _leases(session: Session, campaign_id: int, now: dt.datetime) -> list[LeaseFigures]:
    rows = session.execute(
        select(
            Batch.id,
            Batch.volunteer_id,
            VolunteerRow.name,
            func.count(Contact.id),
            Batch.created_at,
            func.max(Contact.lease_expires_at),
        )
        .join(VolunteerRow, VolunteerRow.id == Batch.volunteer_id)
        .join(Contact, Contact.batch_id == Batch.id)
        .where(
            Batch.campaign_id == campaign_id,
            Contact.state == "leased",
            Contact.lease_expires_at > now,
        )
        .group_by(Batch.id, Batch.volunteer_id, VolunteerRow.name, Batch.created_at)
        .order_by(Batch.created_at)
    ).all()
    return [
        LeaseFigures(b, v, n, c, as_utc(since), as_utc(exp or since))
        for b, v, n, c, since, exp in rows
    ]


def _answers(
    session: Session, campaign: Campaign, where: Any
) -> list[tuple[str, str, list[tuple[str, int]], int]]:
    questions = (campaign.script or {}).get("questions") or []
    if not questions:
        return []
    tallies: dict[str, Counter[str]] = {q["key"]: Counter() for q in questions}
    answered: Counter[str] = Counter()
    for (answers,) in session.execute(
        select(Result.answers).where(where).execution_options(yield_per=YIELD_PER)
    ):
        for key, value in (answers or {}).items():
            if key not in tallies or value in (None, "", []):
                continue
            answered[key] += 1
            for item in value if isinstance(value, list) else [value]:
                tallies[key][str(item)] += 1
    out = []
    for q in questions:
        key, kind = q["key"], q.get("kind", "text")
        options = [str(o) for o in q.get("options") or []]
        # Text answers are free text a volunteer typed: counted, never shown.
        counts = [] if kind == "text" else [(o, tallies[key][o]) for o in options]
        out.append((str(q.get("text", key)), kind, counts, answered[key]))
    return out


# --- remedies -----------------------------------------------------------------------


def release_volunteer(
    session: Session, campaign_id: int, volunteer_id: int, now: dt.datetime
) -> int:
    """Put every contact the volunteer holds in the campaign back in the pool.

    Their batches end now, so a result for them afterwards is late (kept and flagged),
    as after a lease that lapsed or a close (`campaign_admin`): the contacts are not
    marked released by the volunteer, which would refuse a call already made. Returns
    how many contacts were released. The caller commits (and records the audit entry).
    """
    batch_ids = select(Batch.id).where(
        Batch.campaign_id == campaign_id,
        Batch.volunteer_id == volunteer_id,
        Batch.released_at.is_(None),
    )
    released = (
        session.execute(
            update(Contact)
            .where(Contact.batch_id.in_(batch_ids), Contact.state == "leased")
            .values(state="available", batch_id=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )
    session.execute(
        update(Batch)
        .where(
            Batch.campaign_id == campaign_id,
            Batch.volunteer_id == volunteer_id,
            Batch.released_at.is_(None),
        )
        .values(released_at=now, expires_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(released)


@dataclass
class VoidReport:
    results: int
    suppressions: int
    contacts_reopened: int


def void_results(
    session: Session,
    campaign_id: int,
    volunteer_id: int,
    since: dt.datetime,
    organiser_id: int,
    now: dt.datetime,
) -> VoidReport:
    """Void the volunteer's results in the campaign received since `since`.

    For a volunteer who recorded nonsense: their results stop counting, the
    suppressions they caused are deleted (a fake "do not call" must not silence a
    voter), and the contacts those results finished are made available again
    (attempts undone) so someone else calls them. The caller commits.
    """
    ids = list(
        session.scalars(
            select(Result.id).where(
                Result.campaign_id == campaign_id,
                Result.volunteer_id == volunteer_id,
                Result.received_at >= since,
                Result.voided_at.is_(None),
            )
        )
    )
    if not ids:
        return VoidReport(0, 0, 0)
    # Their contacts locked (ascending, as uploads lock them) while tonight's tallies
    # are brought up to date with the void.
    contact_ids = sorted(set(session.scalars(select(Result.contact_id).where(Result.id.in_(ids)))))
    for start in range(0, len(contact_ids), 500):
        session.execute(
            select(Contact.id)
            .where(Contact.id.in_(contact_ids[start : start + 500]))
            .order_by(Contact.id)
            .with_for_update()
        ).all()
    tally = watch(session, contact_ids)
    suppressions = 0
    reopened = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(
            update(Result)
            .where(Result.id.in_(chunk))
            .values(voided_at=now, voided_by=organiser_id)
            .execution_options(synchronize_session=False)
        )
        suppressions += (
            session.execute(  # type: ignore[attr-defined]
                delete(Suppression).where(Suppression.result_id.in_(chunk))
            ).rowcount
            or 0
        )
        reopened += (
            session.execute(
                update(Contact)
                .where(Contact.last_result_id.in_(chunk), Contact.state != "leased")
                .values(
                    state="available",
                    next_call_after=None,
                    last_result_id=None,
                    attempts=func.max(Contact.attempts - 1, 0)
                    if session.get_bind().dialect.name == "sqlite"
                    else func.greatest(Contact.attempts - 1, 0),
                )
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            or 0
        )
    tally.apply()
    return VoidReport(len(ids), int(suppressions), int(reopened))


@dataclass
class Summary:
    """A campaign's line in the campaigns list."""

    calls_tonight: int
    reached_tonight: int
    contacts: int
    remaining: int


def summary(session: Session, campaign: Campaign, now: dt.datetime) -> Summary:
    """Tonight's calls and reached, and contacts left, without the dashboard's detail."""
    reached_codes = [o.code for o in campaign_outcomes(campaign.script) if o.reached]
    where = and_(
        current_results(campaign.id), Result.received_at >= tonight_start(campaign.timezone, now)
    )
    calls = session.scalar(select(func.count()).select_from(Result).where(where)) or 0
    reached = (
        session.scalar(
            select(func.count(Result.contact_id.distinct())).where(
                where, Result.outcome.in_(reached_codes)
            )
        )
        or 0
    )
    fresh, waiting, held, done = _remaining(session, campaign.id, now)
    return Summary(int(calls), int(reached), fresh + waiting + held + done, fresh + waiting + held)
