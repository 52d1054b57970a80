"""Tonight's progress kept as running tallies, so `GET /progress` costs the same with 50
results or 500,000 (issue 15: it used to read every one of tonight's results per poll).

The figures are defined by the results, exactly as `progress.recount` computes them:
a result counts when it is current (not voided, not superseded by a correction) on the
local day it was received; "reached" counts distinct contacts. The tally rows
(`VolunteerDay`, `CampaignDay`) are kept equal to that definition by working per
contact: before a change, `watch` notes what the touched contacts' current results
contribute; after it, `TallyWatch.apply` notes it again and adds the difference. So an
upload, a correction (the old result stops counting, the new one counts), a void, a
late result or a re-sent duplicate all need no special case, and each call counts
once. The contacts must be locked (results.ingest does) so no other transaction
changes their results in between; apply runs in the same transaction as the change.

The campaign-wide row is updated last, just before commit, so concurrent uploads wait
on it only for their commit. Rows are locked in one order (volunteer rows by key, then
campaign rows) so uploads never deadlock on them.

A campaign whose time zone or reached outcomes change is recounted (`rebuild`): the
local day and "reached" of its results may have changed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from caller_server.models import Campaign, CampaignDay, Result, VolunteerDay
from caller_server.outcomes import campaign_outcomes
from caller_server.timeutil import as_utc

VolunteerKey = tuple[int, dt.date, int]  # campaign, local day, volunteer
CampaignKey = tuple[int, dt.date]
# Tally rows as an upsert left them (calls, reached[, volunteers_active]), by key.
Written = dict[VolunteerKey | CampaignKey, Row[Any]]


def local_day(tz: str, moment: dt.datetime) -> dt.date:
    """The date in the campaign's time zone: the day a result counts towards."""
    return as_utc(moment).astimezone(ZoneInfo(tz)).date()


def current_results() -> ColumnElement[bool]:
    """Results that count: not voided, and not superseded by any correction."""
    newer = aliased(Result)
    return (
        Result.voided_at.is_(None) & ~select(newer.id).where(newer.supersedes == Result.id).exists()
    )


@dataclass
class Share:
    """What some results contribute to the tallies."""

    calls: Counter[VolunteerKey] = field(default_factory=Counter)
    reached: set[tuple[VolunteerKey, int]] = field(default_factory=set)  # (key, contact)
    team_reached: set[tuple[CampaignKey, int]] = field(default_factory=set)

    def reached_counts(self) -> tuple[Counter[VolunteerKey], Counter[CampaignKey]]:
        return Counter(k for k, _ in self.reached), Counter(k for k, _ in self.team_reached)


def _share(session: Session, where: ColumnElement[bool]) -> Share:
    share = Share()
    campaigns: dict[int, tuple[str, set[str]]] = {}
    rows = session.execute(
        select(
            Result.campaign_id,
            Result.contact_id,
            Result.volunteer_id,
            Result.received_at,
            Result.outcome,
        ).where(where, current_results())
    )
    for campaign_id, contact_id, volunteer_id, received_at, outcome in rows:
        if campaign_id not in campaigns:
            campaign = session.get(Campaign, campaign_id)
            assert campaign is not None
            reached = {o.code for o in campaign_outcomes(campaign.script) if o.reached}
            campaigns[campaign_id] = (campaign.timezone, reached)
        tz, reached = campaigns[campaign_id]
        day = local_day(tz, received_at)
        key = (campaign_id, day, volunteer_id)
        share.calls[key] += 1
        if outcome in reached:
            share.reached.add((key, contact_id))
            share.team_reached.add(((campaign_id, day), contact_id))
    return share


def _contacts_share(session: Session, contact_ids: list[int]) -> Share:
    share = Share()
    for start in range(0, len(contact_ids), 500):
        part = _share(session, Result.contact_id.in_(contact_ids[start : start + 500]))
        share.calls += part.calls
        share.reached |= part.reached
        share.team_reached |= part.team_reached
    return share


class TallyWatch:
    """The tallies of some contacts before a change; `apply` adds what the change did."""

    def __init__(self, session: Session, contact_ids: Iterable[int]) -> None:
        self.session = session
        self.contact_ids = sorted(set(contact_ids))
        self.before = _contacts_share(session, self.contact_ids)
        self.written: Written = {}  # the rows `apply` changed, as they are now

    def apply(self) -> None:
        self.session.flush()
        after = _contacts_share(self.session, self.contact_ids)
        self.written = _add(self.session, self.before, after)


def watch(session: Session, contact_ids: Iterable[int]) -> TallyWatch:
    """Call before changing these (locked) contacts' results; `apply()` before commit."""
    return TallyWatch(session, contact_ids)


def rebuild(session: Session, campaign_id: int) -> None:
    """Recount a campaign's tallies from its results (its time zone or outcomes changed).
    Reads all of its current results once; the caller commits."""
    session.flush()
    session.execute(delete(VolunteerDay).where(VolunteerDay.campaign_id == campaign_id))
    session.execute(delete(CampaignDay).where(CampaignDay.campaign_id == campaign_id))
    _add(session, Share(), _share(session, Result.campaign_id == campaign_id))


def _add(session: Session, before: Share, after: Share) -> Written:
    """Add after - before to the tally rows: volunteer rows first, in key order.
    Returns the rows it changed, as they are now."""
    mine_before, team_before = before.reached_counts()
    mine_after, team_after = after.reached_counts()
    calls = Counter(after.calls)
    calls.subtract(before.calls)
    reached = Counter(mine_after)
    reached.subtract(mine_before)
    team_reached = Counter(team_after)
    team_reached.subtract(team_before)
    team_calls: Counter[CampaignKey] = Counter()
    active: Counter[CampaignKey] = Counter()
    written: Written = {}
    for key in sorted(k for k in set(calls) | set(reached) if calls[k] or reached[k]):
        campaign_id, day, volunteer_id = key
        row = written[key] = _upsert(
            session,
            VolunteerDay.__table__,  # type: ignore[arg-type]
            {"campaign_id": campaign_id, "day": day, "volunteer_id": volunteer_id},
            {"calls": calls[key], "reached": reached[key]},
        )
        now_calls = int(row.calls)
        was_calls = now_calls - calls[key]
        team_calls[(campaign_id, day)] += calls[key]
        active[(campaign_id, day)] += (now_calls > 0) - (was_calls > 0)
    team_keys = set(team_calls) | set(team_reached) | set(active)
    for team in sorted(k for k in team_keys if team_calls[k] or team_reached[k] or active[k]):
        written[team] = _upsert(
            session,
            CampaignDay.__table__,  # type: ignore[arg-type]
            {"campaign_id": team[0], "day": team[1]},
            {
                "calls": team_calls[team],
                "reached": team_reached[team],
                "volunteers_active": active[team],
            },
        )
    return written


def _upsert(
    session: Session, table: Table, key: dict[str, Any], deltas: dict[str, int]
) -> Row[Any]:
    """Add `deltas` to the row with `key` (made when missing); its tallies afterwards."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    insert = make(table).values(**key, **deltas)
    upsert = insert.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + insert.excluded[name] for name in deltas},
    ).returning(*(table.c[name] for name in deltas))
    return session.execute(upsert).one()
