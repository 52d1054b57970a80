"""Accounts and campaign membership (issue 14).

- `volunteers.username_key`: the username trimmed and case-folded, unique, so "Dave"
  and "DAVE" are one account and sign-in matches whatever the case. Filled here from
  the usernames. **If two existing usernames differ only in case or surrounding
  spaces, the upgrade stops and names them**: rename one (or delete the spare account)
  and run `caller-server init` again; nothing is changed until then. (A stored key
  rather than an index on lower(username): SQLite's lower() folds ASCII only, and the
  same Python casefold now decides on both databases.)
- `volunteers.disabled_at`: an organiser turned the account off.
- `campaigns.open_to_all`: every volunteer may see and lease the campaign. **Every
  existing campaign becomes open to every volunteer**, as before this upgrade, so
  nothing changes for teams already calling; an organiser can restrict it afterwards.
- `campaign_members`: who may see and lease a campaign that is not open to all.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12 09:00:00
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class CaseDuplicates(RuntimeError):
    """Existing usernames that would become one account."""


def _key(username: str) -> str:
    # Kept here, not imported: a migration must not change when models.py does.
    return username.strip().casefold()[:100]


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, username FROM volunteers ORDER BY id")).all()
    groups: dict[str, list[str]] = defaultdict(list)
    for _id, username in rows:
        groups[_key(username)].append(username)
    clashes = [names for names in groups.values() if len(names) > 1]
    if clashes:
        shown = "; ".join(" and ".join(repr(n) for n in names) for names in clashes[:20])
        raise CaseDuplicates(
            "usernames are now the same whatever their case, and these accounts would "
            f"clash: {shown}. Rename one of each (or remove the spare), then run init again"
        )
    op.add_column("volunteers", sa.Column("username_key", sa.String(100), nullable=True))
    op.add_column("volunteers", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    volunteers = sa.table(
        "volunteers", sa.column("id", sa.Integer), sa.column("username_key", sa.String)
    )
    for vid, username in rows:
        conn.execute(
            volunteers.update().where(volunteers.c.id == vid).values(username_key=_key(username))
        )
    with op.batch_alter_table("volunteers") as batch:
        batch.alter_column("username_key", existing_type=sa.String(100), nullable=False)
        batch.create_unique_constraint("uq_volunteers_username_key", ["username_key"])

    op.add_column(
        "campaigns",
        sa.Column("open_to_all", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "campaign_members",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "volunteer_id"),
    )
    op.create_index("ix_campaign_members_volunteer_id", "campaign_members", ["volunteer_id"])


def downgrade() -> None:
    op.drop_index("ix_campaign_members_volunteer_id", table_name="campaign_members")
    op.drop_table("campaign_members")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("open_to_all")
    with op.batch_alter_table("volunteers") as batch:
        batch.drop_constraint("uq_volunteers_username_key", type_="unique")
        batch.drop_column("disabled_at")
        batch.drop_column("username_key")
