"""The organiser console (issue 13): voided results.

- `results.voided_at` / `results.voided_by`: an organiser voided the result (the abuse
  remedy). A voided result stays in the table, for the audit trail, but no longer
  counts in tallies, the dashboard or exports; the suppressions it caused are deleted.

Console sessions need no table: they are sign-in tokens (`tokens`), like the app's.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("results", sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("results", sa.Column("voided_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.drop_column("voided_by")
        batch.drop_column("voided_at")
