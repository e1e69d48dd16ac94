"""Decision lifecycle and safe concurrent edits.

Adds to decisions: status (existing rows become accepted), superseded_by_id, review_by,
deleted_at (soft delete keeps the decision and its history); a version counter on
decisions, incidents, blockers and status updates for optimistic concurrency; full-text
search over context and outcome too (weighted); and triggers that make the audit log
append-only on both databases.

Revision ID: 0003_lifecycle
Revises: 0002_accounts
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from asyncops_desktop import dialect

revision: str = "0003_lifecycle"
down_revision: str | None = "0002_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'proposed', 'accepted', 'rejected', 'deprecated', 'superseded'"
VERSIONED = ("status_updates", "incidents", "blockers")


def upgrade() -> None:
    """Apply this revision."""
    name = op.get_bind().dialect.name
    for statement in dialect.fts_downgrade_statements(name):
        op.execute(statement)
    if name == "sqlite":
        # SQLite cannot add a named foreign key to an existing table: rebuild it, then put
        # back the updated_at trigger the rebuild drops (search triggers come back below).
        with op.batch_alter_table("decisions", recreate="always") as batch:
            batch.add_column(
                sa.Column("status", sa.String(length=20), server_default="accepted", nullable=False)
            )
            batch.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
            batch.create_check_constraint(op.f("ck_decisions_status"), f"status IN ({STATUSES})")
            batch.create_foreign_key(
                "fk_decisions_superseded_by_id_decisions",
                "decisions",
                ["superseded_by_id"],
                ["id"],
                ondelete="SET NULL",
            )
        for statement in dialect.updated_at_downgrade_statements(name, ("decisions",)):
            op.execute(statement)
        for statement in dialect.updated_at_upgrade_statements(name, ("decisions",)):
            op.execute(statement)
    else:
        op.add_column(
            "decisions",
            sa.Column("status", sa.String(length=20), server_default="accepted", nullable=False),
        )
        op.create_check_constraint(
            op.f("ck_decisions_status"), "decisions", f"status IN ({STATUSES})"
        )
        op.add_column("decisions", sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_decisions_superseded_by_id_decisions",
            "decisions",
            "decisions",
            ["superseded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.add_column("decisions", sa.Column("review_by", sa.Date(), nullable=True))
    op.add_column("decisions", sa.Column("deleted_at", sa.DateTime(), nullable=True))
    for table in ("decisions", *VERSIONED):
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.create_index("idx_decisions_status", "decisions", ["status"], unique=False)
    op.create_index("idx_decisions_review_by", "decisions", ["review_by"], unique=False)
    op.create_index("idx_decisions_superseded_by", "decisions", ["superseded_by_id"], unique=False)
    for statement in dialect.fts_all_columns_statements(name):
        op.execute(statement)
    for statement in dialect.append_only_upgrade_statements(name):
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision (its columns, indexes and triggers only)."""
    name = op.get_bind().dialect.name
    for statement in dialect.append_only_downgrade_statements(name):
        op.execute(statement)
    for statement in dialect.fts_downgrade_statements(name):
        op.execute(statement)
    op.drop_index("idx_decisions_superseded_by", table_name="decisions")
    op.drop_index("idx_decisions_review_by", table_name="decisions")
    op.drop_index("idx_decisions_status", table_name="decisions")
    for table in VERSIONED:
        op.drop_column(table, "version")
    if name == "sqlite":
        # The foreign key and CHECK need a table rebuild, which drops the table's triggers:
        # the updated_at trigger is put back below, the search triggers by fts_upgrade.
        with op.batch_alter_table("decisions", recreate="always") as batch:
            batch.drop_constraint(op.f("ck_decisions_status"), type_="check")
            batch.drop_constraint("fk_decisions_superseded_by_id_decisions", type_="foreignkey")
            for column in ("version", "deleted_at", "review_by", "superseded_by_id", "status"):
                batch.drop_column(column)
        for statement in dialect.updated_at_downgrade_statements(name, ("decisions",)):
            op.execute(statement)
        for statement in dialect.updated_at_upgrade_statements(name, ("decisions",)):
            op.execute(statement)
    else:
        op.drop_constraint(
            "fk_decisions_superseded_by_id_decisions", "decisions", type_="foreignkey"
        )
        op.drop_constraint(op.f("ck_decisions_status"), "decisions", type_="check")
        for column in ("version", "deleted_at", "review_by", "superseded_by_id", "status"):
            op.drop_column("decisions", column)
    for statement in dialect.fts_upgrade_statements(name):
        op.execute(statement)
