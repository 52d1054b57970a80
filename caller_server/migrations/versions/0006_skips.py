"""Skips (issue 12): a volunteer passes on a contact without an outcome.

- `skips`: one row per skip (the app's UUID as id, so a skip sent again is answered as
  before). Counted per volunteer per hour (a cap against cherry-picking), and a skipped
  contact is not leased to the same volunteer again for a while.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "skips",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_skips_volunteer_at", "skips", ["volunteer_id", "at"])
    op.create_index("ix_skips_contact_volunteer", "skips", ["contact_id", "volunteer_id"])


def downgrade() -> None:
    op.drop_index("ix_skips_contact_volunteer", table_name="skips")
    op.drop_index("ix_skips_volunteer_at", table_name="skips")
    op.drop_table("skips")
