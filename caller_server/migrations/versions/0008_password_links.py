"""One-time links to set a password (issue 14): resets and new volunteers' first ones.

- `password_links`: the SHA-256 of each link's secret (never the secret), its
  volunteer, when it expires and when it was used. A link works once, until it expires.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_password_links_volunteer_id", "password_links", ["volunteer_id"])


def downgrade() -> None:
    op.drop_index("ix_password_links_volunteer_id", table_name="password_links")
    op.drop_table("password_links")
