"""Offline review: snapshot metadata and pending changes (in snapshot files), synced changes.

``offline_snapshot_info`` and ``offline_pending_changes`` are only filled in an offline
snapshot file; ``decision_offline_changes`` is only filled on the server, one row per
offline change applied there, written in the same transaction as the change so a re-run
sync recognises it. All three are created everywhere so every database has one schema.

Revision ID: 0004_offline
Revises: 0003_lifecycle
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_offline"
down_revision: str | None = "0003_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "offline_snapshot_info",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_profile", sa.String(length=100), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("schema_revision", sa.String(length=32), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("owner_email", sa.String(length=255), nullable=True),
        sa.Column("owner_role", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_snapshot_info")),
    )
    op.create_table(
        "offline_pending_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_uid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("new_decision_id", sa.Integer(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("local_effects", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("server_decision_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("conflict", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_pending_changes")),
    )
    op.create_index(
        "idx_offline_pending_changes_uid", "offline_pending_changes", ["change_uid"], unique=True
    )
    op.create_index(
        "idx_offline_pending_changes_decision",
        "offline_pending_changes",
        ["decision_id"],
        unique=False,
    )
    op.create_table(
        "decision_offline_changes",
        sa.Column("change_uid", sa.String(length=36), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_offline_changes_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_decision_offline_changes_changed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("change_uid", name=op.f("pk_decision_offline_changes")),
    )
    op.create_index(
        "idx_decision_offline_changes_decision",
        "decision_offline_changes",
        ["decision_id"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("idx_decision_offline_changes_decision", table_name="decision_offline_changes")
    op.drop_table("decision_offline_changes")
    op.drop_index("idx_offline_pending_changes_decision", table_name="offline_pending_changes")
    op.drop_index("idx_offline_pending_changes_uid", table_name="offline_pending_changes")
    op.drop_table("offline_pending_changes")
    op.drop_table("offline_snapshot_info")
