"""Group channels: the channel and its owner, members with their opt-in, shared milestones,
and one weekly-digest row per channel (its schedule, next due time and delivery claim).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("enabled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_group_channels_owner_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_group_channels"),
        sa.UniqueConstraint(
            "platform",
            "workspace",
            "channel_id",
            name="uq_group_channels_platform_workspace_channel_id",
        ),
    )
    op.create_index("ix_group_channels_owner_id", "group_channels", ["owner_id"])
    op.create_table(
        "channel_members",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("opted_in_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["group_channels.id"],
            name="fk_channel_members_channel_id_group_channels",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_channel_members_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name="pk_channel_members"),
    )
    op.create_index("ix_channel_members_user_id", "channel_members", ["user_id"])
    op.create_table(
        "channel_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mark", sa.String(length=128), nullable=False),
        sa.Column("shared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["group_channels.id"],
            name="fk_channel_shares_channel_id_group_channels",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_channel_shares_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name="fk_channel_shares_application_id_applications",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_channel_shares"),
        sa.UniqueConstraint(
            "channel_id",
            "application_id",
            "mark",
            name="uq_channel_shares_channel_id_application_id_mark",
        ),
    )
    op.create_index("ix_channel_shares_user_id", "channel_shares", ["user_id"])
    op.create_table(
        "channel_digests",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("retry_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_due_at", sa.DateTime(), nullable=True),
        sa.Column("last_posted_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["group_channels.id"],
            name="fk_channel_digests_channel_id_group_channels",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", name="pk_channel_digests"),
    )
    op.create_index("ix_channel_digests_due_at", "channel_digests", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_channel_digests_due_at", table_name="channel_digests")
    op.drop_table("channel_digests")
    op.drop_index("ix_channel_shares_user_id", table_name="channel_shares")
    op.drop_table("channel_shares")
    op.drop_index("ix_channel_members_user_id", table_name="channel_members")
    op.drop_table("channel_members")
    op.drop_index("ix_group_channels_owner_id", table_name="group_channels")
    op.drop_table("group_channels")
