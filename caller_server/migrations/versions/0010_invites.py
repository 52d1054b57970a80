"""Invites (issue 14): a link and short code that make a volunteer account for a campaign.

- `invites`: the code (public, stored as is), its campaign, who made it, expiry,
  maximum uses, uses so far, whether an organiser approves each sign-up, revoked.
- `volunteers.pending_invite_id`: a sign-up waiting for an organiser's approval.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-13 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["volunteers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_invites_campaign_id", "invites", ["campaign_id"])
    op.add_column("volunteers", sa.Column("pending_invite_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("volunteers") as batch:
        batch.drop_column("pending_invite_id")
    op.drop_index("ix_invites_campaign_id", table_name="invites")
    op.drop_table("invites")
