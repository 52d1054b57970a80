"""Campaign status, external ids, households and the audit log (issue 13).

- `campaigns.status` (`active` | `paused` | `closed`) replaces the `active` boolean:
  an active campaign stays active, an inactive one becomes closed;
- `contacts.external_id`, unique per campaign where set (NULLs never clash), so a
  re-import of a voter file updates its contacts;
- contacts sharing a number in one campaign (a household) are allowed: the unique
  `(campaign_id, phone)` constraint becomes a plain index;
- `audit_log`: who created, changed, paused, imported or exported what, and when.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-09 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "campaigns",
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
    )
    op.execute("UPDATE campaigns SET status = CASE WHEN active THEN 'active' ELSE 'closed' END")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("active")

    op.add_column("contacts", sa.Column("external_id", sa.String(length=100), nullable=True))
    with op.batch_alter_table("contacts") as batch:
        batch.drop_constraint("uq_contact_campaign_phone", type_="unique")
        batch.create_unique_constraint(
            "uq_contact_campaign_external_id", ["campaign_id", "external_id"]
        )
    op.create_index("ix_contacts_campaign_phone", "contacts", ["campaign_id", "phone"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["volunteers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_campaign_at", "audit_log", ["campaign_id", "at"])


def downgrade() -> None:
    """Back to 0003. Fails if a campaign holds two contacts with one number (households)."""
    op.drop_index("ix_audit_log_campaign_at", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")

    op.drop_index("ix_contacts_campaign_phone", table_name="contacts")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_constraint("uq_contact_campaign_external_id", type_="unique")
        batch.create_unique_constraint("uq_contact_campaign_phone", ["campaign_id", "phone"])
        batch.drop_column("external_id")

    op.add_column(
        "campaigns", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.execute("UPDATE campaigns SET active = (status <> 'closed')")
    with op.batch_alter_table("campaigns") as batch:
        batch.alter_column("active", server_default=None)
        batch.drop_column("status")
