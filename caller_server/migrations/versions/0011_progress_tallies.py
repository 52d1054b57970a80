"""Tonight's progress as running tallies (issue 15).

- `progress_volunteer_days` and `progress_campaign_days`: calls and reached contacts
  per (campaign, local day, volunteer) and per (campaign, local day), kept up to date
  by every upload, correction and void, so `GET /progress` no longer reads every one
  of tonight's results on each poll.
- Filled from the current results received in the last two days (any time zone's
  "tonight" lies within them); older days are never read.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default outcomes that count as reached (caller_server/outcomes.py, revision 0011).
_DEFAULT_REACHED = {"answered", "call_back", "refused", "do_not_call"}


def upgrade() -> None:
    volunteer_days = op.create_table(
        "progress_volunteer_days",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "day", "volunteer_id"),
    )
    campaign_days = op.create_table(
        "progress_campaign_days",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.Column("volunteers_active", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "day"),
    )
    _fill(volunteer_days, campaign_days)


def _fill(volunteer_days: sa.Table, campaign_days: sa.Table) -> None:
    """Recount the last two days' current results (not voided, not superseded)."""
    conn = op.get_bind()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    campaigns = {}
    for cid, tz, script in conn.execute(sa.text("SELECT id, timezone, script FROM campaigns")):
        if isinstance(script, str):
            import json

            script = json.loads(script)
        outcomes = (script or {}).get("outcomes")
        reached = (
            {o["code"] for o in outcomes if o.get("reached")} if outcomes else _DEFAULT_REACHED
        )
        campaigns[cid] = (ZoneInfo(tz), reached)
    calls: Counter[tuple[int, dt.date, int]] = Counter()
    mine: set[tuple[int, dt.date, int, int]] = set()
    team: set[tuple[int, dt.date, int]] = set()
    rows = conn.execute(
        sa.text(
            "SELECT r.campaign_id, r.contact_id, r.volunteer_id, r.received_at, r.outcome"
            " FROM results r WHERE r.received_at >= :since AND r.voided_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM results n WHERE n.supersedes = r.id)"
        ),
        {"since": since},
    )
    for cid, contact, vol, received, outcome in rows:
        tz, reached = campaigns[cid]
        if isinstance(received, str):
            received = dt.datetime.fromisoformat(received)
        if received.tzinfo is None:
            received = received.replace(tzinfo=dt.UTC)
        day = received.astimezone(tz).date()
        calls[(cid, day, vol)] += 1
        if outcome in reached:
            mine.add((cid, day, vol, contact))
            team.add((cid, day, contact))
    mine_counts = Counter((c, d, v) for c, d, v, _ in mine)
    team_counts = Counter((c, d) for c, d, _ in team)
    team_calls: Counter[tuple[int, dt.date]] = Counter()
    active: Counter[tuple[int, dt.date]] = Counter()
    for (c, d, _v), n in calls.items():
        team_calls[(c, d)] += n
        active[(c, d)] += 1
    if calls:
        op.bulk_insert(
            volunteer_days,
            [
                {"campaign_id": c, "day": d, "volunteer_id": v, "calls": n,
                 "reached": mine_counts[(c, d, v)]}
                for (c, d, v), n in calls.items()
            ],
        )  # fmt: skip
        op.bulk_insert(
            campaign_days,
            [
                {"campaign_id": c, "day": d, "calls": n, "reached": team_counts[(c, d)],
                 "volunteers_active": active[(c, d)]}
                for (c, d), n in team_calls.items()
            ],
        )  # fmt: skip


def downgrade() -> None:
    op.drop_table("progress_campaign_days")
    op.drop_table("progress_volunteer_days")
