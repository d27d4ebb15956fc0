"""Each person's direct-message channel id, as the platform last gave it (`direct_channel`):
the conversation is looked up once per person, not once per process, and a refused id is
replaced by a fresh one. NULL until the bot first writes to the person.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("direct_channel", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("direct_channel")
