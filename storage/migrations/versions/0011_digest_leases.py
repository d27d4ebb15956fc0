"""Digests become rows of the same leased queue as nudges: a `state` (`pending` or `claimed`,
the same marks a nudge carries), when the current attempt began (`attempted_at`), and since
when an earlier attempt may have reached the platform unseen (`unknown_since`), so a post after
a crash or an unanswered post is verified before it is made again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_digests") as batch:
        batch.add_column(
            sa.Column("state", sa.String(length=16), server_default="pending", nullable=False)
        )
        batch.add_column(sa.Column("attempted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("unknown_since", sa.DateTime(), nullable=True))
    # A digest claimed under the old marks (a token) is claimed under the new one too.
    op.execute("UPDATE channel_digests SET state = 'claimed' WHERE claim_token IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("channel_digests") as batch:
        batch.drop_column("unknown_since")
        batch.drop_column("attempted_at")
        batch.drop_column("state")
