"""The edges of a lease or a result (issue 10).

- `server_settings` with the lease-proof secret (made here, so a backup holds it);
- `campaigns.max_held_contacts` (existing campaigns: twice their batch size);
- `contacts.last_result_id` (backfilled with each contact's latest result), so only a
  correction of the result that finished a contact may reopen it;
- `batch_contacts.released_at`: a result for a released contact is refused;
- `results.outside_hours` (false for older rows), and `results.supersedes` unique: one
  correction per result. Older rows with two corrections of one result are chained
  (the later correction now corrects the earlier one), which keeps every row and
  counts the call once, as the unique index needs;
- `suppressions.result_id`: the result that caused it, so its correction lifts it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _chain_double_corrections() -> None:
    """Make each result corrected at most once, keeping every row (see the docstring)."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT id, supersedes FROM results WHERE supersedes IS NOT NULL "
            "ORDER BY received_at, id"
        )
    ).all()
    corrected_by: dict[str, str] = {}
    moves: list[tuple[str, str]] = []
    for result_id, target in rows:
        while target in corrected_by:  # already corrected: correct the chain's end
            target = corrected_by[target]
        corrected_by[target] = result_id
        moves.append((result_id, target))
    originals = dict(rows)
    for result_id, target in moves:
        if originals[result_id] != target:
            conn.execute(
                sa.text("UPDATE results SET supersedes = :t WHERE id = :i"),
                {"t": target, "i": result_id},
            )


def upgrade() -> None:
    settings = op.create_table(
        "server_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.bulk_insert(settings, [{"key": "lease_proof_secret", "value": secrets.token_hex(32)}])

    op.add_column("campaigns", sa.Column("max_held_contacts", sa.Integer(), nullable=True))
    op.execute("UPDATE campaigns SET max_held_contacts = 2 * batch_size")
    with op.batch_alter_table("campaigns") as batch:
        batch.alter_column("max_held_contacts", existing_type=sa.Integer(), nullable=False)

    op.add_column("contacts", sa.Column("last_result_id", sa.String(length=36), nullable=True))
    op.execute(
        "UPDATE contacts SET last_result_id = (SELECT r.id FROM results r "
        "WHERE r.contact_id = contacts.id ORDER BY r.received_at DESC, r.id DESC LIMIT 1)"
    )
    op.add_column(
        "batch_contacts",
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "results",
        sa.Column("outside_hours", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    _chain_double_corrections()
    op.drop_index("ix_results_supersedes", table_name="results")
    op.create_index("ix_results_supersedes", "results", ["supersedes"], unique=True)
    op.add_column("suppressions", sa.Column("result_id", sa.String(length=36), nullable=True))
    op.create_index("ix_suppressions_result_id", "suppressions", ["result_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_suppressions_result_id", table_name="suppressions")
    with op.batch_alter_table("suppressions") as batch:
        batch.drop_column("result_id")
    op.drop_index("ix_results_supersedes", table_name="results")
    op.create_index("ix_results_supersedes", "results", ["supersedes"], unique=False)
    with op.batch_alter_table("results") as batch:
        batch.drop_column("outside_hours")
    with op.batch_alter_table("batch_contacts") as batch:
        batch.drop_column("released_at")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("last_result_id")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("max_held_contacts")
    op.drop_table("server_settings")
