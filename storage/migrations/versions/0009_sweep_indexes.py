"""Sweeps read what is due, not what is stored: each nudge carries its user's platform (so
a process claims what it can deliver without joining users), and partial indexes hold
pending nudges by the time they become claimable (the later of due and retry time) and
claimed ones by lease end. The (state, due_at) index goes: SQLite would pick it and read
every pending row; leases are renewed by claim token, which gets its own index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same expression as storage.sql.ready_at, which the queries use.
READY_AT = "(CASE WHEN retry_at IS NOT NULL AND retry_at > due_at THEN retry_at ELSE due_at END)"


def upgrade() -> None:
    op.add_column(
        "nudges", sa.Column("platform", sa.String(length=32), server_default="", nullable=False)
    )
    op.execute(
        "UPDATE nudges SET platform = (SELECT users.platform FROM users WHERE users.id = "
        "nudges.user_id)"
    )
    op.create_index(
        "ix_nudges_pending_ready_at",
        "nudges",
        [sa.text(READY_AT)],
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )
    op.drop_index("ix_nudges_state_due_at", table_name="nudges")
    op.create_index("ix_nudges_claim_token", "nudges", ["claim_token"])
    op.create_index(
        "ix_nudges_claimed_lease_until",
        "nudges",
        ["lease_until"],
        postgresql_where=sa.text("state = 'claimed'"),
        sqlite_where=sa.text("state = 'claimed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_nudges_claim_token", table_name="nudges")
    op.create_index("ix_nudges_state_due_at", "nudges", ["state", "due_at"])
    op.drop_index("ix_nudges_claimed_lease_until", table_name="nudges")
    op.drop_index("ix_nudges_pending_ready_at", table_name="nudges")
    with op.batch_alter_table("nudges") as batch:
        batch.drop_column("platform")
