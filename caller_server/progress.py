"""Tonight's tallies for a campaign: the team, the caller, and an opt-in leaderboard.

"Tonight" starts at midnight in the campaign's time zone. A result that another one
supersedes is left out, so a corrected call counts once; a voided one counts nowhere.
`campaign_progress` reads the running tallies (`caller_server.tallies`): a few rows,
however many results tonight holds. `recount` computes the same figures from the
results themselves: the definition the tallies are tested against.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from caller_server import tallies
from caller_server.models import Campaign, CampaignDay, Result, Volunteer, VolunteerDay
from caller_server.outcomes import campaign_outcomes
from caller_server.tallies import local_day


def tonight_start(tz: str, now: dt.datetime) -> dt.datetime:
    local = now.astimezone(ZoneInfo(tz))
    midnight = dt.datetime.combine(local.date(), dt.time(0, 0), tzinfo=ZoneInfo(tz))
    return midnight.astimezone(dt.UTC)


def _first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else ""


def tonight_tallies(
    session: Session,
    campaign: Campaign,
    volunteer_id: int,
    now: dt.datetime,
    written: tallies.Written | None = None,
) -> dict[str, Any]:
    """Tonight's team and own tallies: the rows an upload just wrote (`written`, as
    `TallyWatch.apply` left them) or else two primary-key reads."""
    written = written or {}
    day = local_day(campaign.timezone, now)
    team_key, mine_key = (campaign.id, day), (campaign.id, day, volunteer_id)
    team = written.get(team_key) or session.get(CampaignDay, team_key)
    mine = written.get(mine_key) or session.get(VolunteerDay, mine_key)
    return {
        "team": {
            "calls": team.calls if team else 0,
            "reached": team.reached if team else 0,
            "volunteers_active": team.volunteers_active if team else 0,
        },
        "mine": {"calls": mine.calls if mine else 0, "reached": mine.reached if mine else 0},
    }


def campaign_progress(
    session: Session, campaign: Campaign, volunteer_id: int, now: dt.datetime
) -> dict[str, Any]:
    """Tonight's figures from the tally rows: two primary-key reads and the leaderboard."""
    day = local_day(campaign.timezone, now)
    opted = session.execute(
        select(Volunteer.name, VolunteerDay.calls)
        .join(Volunteer, Volunteer.id == VolunteerDay.volunteer_id)
        .where(
            VolunteerDay.campaign_id == campaign.id,
            VolunteerDay.day == day,
            VolunteerDay.calls > 0,
            Volunteer.leaderboard_opt_in.is_(True),
        )
    ).all()
    board: list[dict[str, Any]] = [
        {"name": _first_name(name), "calls": int(calls)} for name, calls in opted
    ]
    board.sort(key=lambda e: (-e["calls"], e["name"]))
    return {**tonight_tallies(session, campaign, volunteer_id, now), "leaderboard": board}


def recount(
    session: Session, campaign: Campaign, volunteer_id: int, now: dt.datetime
) -> dict[str, Any]:
    """The same figures straight from tonight's results (reads every one of them)."""
    reached_codes = {o.code for o in campaign_outcomes(campaign.script) if o.reached}
    newer = aliased(Result)
    rows = session.execute(
        select(Result.volunteer_id, Result.contact_id, Result.outcome).where(
            Result.campaign_id == campaign.id,
            Result.received_at >= tonight_start(campaign.timezone, now),
            Result.voided_at.is_(None),
            ~select(newer.id).where(newer.supersedes == Result.id).exists(),
        )
    ).all()
    calls: dict[int, int] = {}
    mine_reached: set[int] = set()
    team_reached: set[int] = set()
    for vol, contact, outcome in rows:
        calls[vol] = calls.get(vol, 0) + 1
        if outcome in reached_codes:
            team_reached.add(contact)
            if vol == volunteer_id:
                mine_reached.add(contact)
    board: list[dict[str, Any]] = []
    if calls:
        opted = session.execute(
            select(Volunteer.id, Volunteer.name).where(
                Volunteer.id.in_(list(calls)), Volunteer.leaderboard_opt_in.is_(True)
            )
        ).all()
        board = sorted(
            ({"name": _first_name(name), "calls": calls[vid]} for vid, name in opted),
            key=lambda e: (-e["calls"], e["name"]),
        )
    return {
        "team": {"calls": len(rows), "reached": len(team_reached), "volunteers_active": len(calls)},
        "mine": {"calls": calls.get(volunteer_id, 0), "reached": len(mine_reached)},
        "leaderboard": board,
    }
