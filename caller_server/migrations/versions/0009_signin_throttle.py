"""Sign-in throttling per (username, client address) and per client address (issue 14).

- `signin_throttle`: one row per key with its failure count and the earliest time the
  next sign-in is allowed (growing delays instead of a hard lockout of the owner).
- `login_failures` (one row per failure, per username) goes: it let a stranger lock
  the owner out, and ignored guesses spread over many usernames.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-12 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signin_throttle",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_allowed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_signin_throttle_next_allowed_at"), "signin_throttle", ["next_allowed_at"]
    )
    op.drop_index(op.f("ix_login_failures_username"), table_name="login_failures")
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_login_failures_username"), "login_failures", ["username"], unique=False
    )
    op.drop_index(op.f("ix_signin_throttle_next_allowed_at"), table_name="signin_throttle")
    op.drop_table("signin_throttle")
