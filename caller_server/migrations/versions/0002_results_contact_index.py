"""Index results by contact, and fresh contacts in id order.

Leasing reads the earlier notes of the contacts it hands out, and result ingest the
other volunteers' results for the contacts it stores; without this index each of
those reads scans the whole results table. `ix_contacts_fresh` hands the lease its
next fresh contacts in id order without stepping over those already leased or done.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 12:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_results_contact_id"), "results", ["contact_id"], unique=False)
    op.create_index("ix_contacts_fresh", "contacts", ["campaign_id", "state", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_contacts_fresh", table_name="contacts")
    op.drop_index(op.f("ix_results_contact_id"), table_name="results")
