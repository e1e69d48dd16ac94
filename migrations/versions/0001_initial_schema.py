"""Initial schema: the eight tables of the schema spec, full-text search and updated_at triggers.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-21 23:57:16.183133
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import String, Text  # noqa: F401  (autogenerate renders them bare)
from sqlalchemy.dialects import postgresql

from asyncops_desktop import dialect

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Frozen here: later revisions must not change what this one created.
UPDATED_AT_TABLES = ("users", "status_updates", "incidents", "blockers", "decisions")


def upgrade() -> None:
    """Apply this revision."""

    op.create_table(
        "daily_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("summary_date", sa.Date(), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status_updates_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("incidents_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("blockers_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("decisions_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("generated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_summaries")),
    )
    op.create_index(
        "idx_daily_summaries_date",
        "daily_summaries",
        [sa.literal_column("summary_date DESC")],
        unique=True,
    )
    op.create_index(
        "idx_daily_summaries_generated_at",
        "daily_summaries",
        [sa.literal_column("generated_at DESC")],
        unique=False,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), server_default="member", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'member')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("idx_users_email", "users", ["email"], unique=True)
    op.create_index("idx_users_role", "users", ["role"], unique=False)
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column(
            "tags", sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_decisions_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index("idx_decisions_created_by", "decisions", ["created_by_id"], unique=False)
    op.create_index(
        "idx_decisions_decision_date",
        "decisions",
        [sa.literal_column("decision_date DESC")],
        unique=False,
    )
    op.create_index(
        "idx_decisions_tags", "decisions", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=20), server_default="medium", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("resolution_notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high', 'critical')", name=op.f("ck_incidents_severity")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'resolved', 'closed')",
            name=op.f("ck_incidents_status"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["users.id"],
            name=op.f("fk_incidents_assigned_to_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["users.id"],
            name=op.f("fk_incidents_reported_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("idx_incidents_assigned_to", "incidents", ["assigned_to_id"], unique=False)
    op.create_index(
        "idx_incidents_created_at",
        "incidents",
        [sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_index("idx_incidents_reported_by", "incidents", ["reported_by_id"], unique=False)
    op.create_index("idx_incidents_severity", "incidents", ["severity"], unique=False)
    op.create_index("idx_incidents_status", "incidents", ["status"], unique=False)
    op.create_index(
        "idx_incidents_status_severity", "incidents", ["status", "severity"], unique=False
    )
    op.create_table(
        "status_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "tags", sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_status_updates_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_updates")),
    )
    op.create_index(
        "idx_status_updates_created_at",
        "status_updates",
        [sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_index(
        "idx_status_updates_tags", "status_updates", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_index("idx_status_updates_user_id", "status_updates", ["user_id"], unique=False)
    op.create_table(
        "blockers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("resolution_notes", sa.Text(), nullable=True),
        sa.Column("related_status_id", sa.Integer(), nullable=True),
        sa.Column("related_incident_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('active', 'resolved')", name=op.f("ck_blockers_status")),
        sa.ForeignKeyConstraint(
            ["related_incident_id"],
            ["incidents.id"],
            name=op.f("fk_blockers_related_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["related_status_id"],
            ["status_updates.id"],
            name=op.f("fk_blockers_related_status_id_status_updates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["users.id"],
            name=op.f("fk_blockers_reported_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blockers")),
    )
    op.create_index(
        "idx_blockers_created_at", "blockers", [sa.literal_column("created_at DESC")], unique=False
    )
    op.create_index(
        "idx_blockers_related_incident", "blockers", ["related_incident_id"], unique=False
    )
    op.create_index("idx_blockers_related_status", "blockers", ["related_status_id"], unique=False)
    op.create_index("idx_blockers_reported_by", "blockers", ["reported_by_id"], unique=False)
    op.create_index("idx_blockers_status", "blockers", ["status"], unique=False)
    op.create_table(
        "decision_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("change_type", sa.String(length=20), nullable=False),
        sa.Column("field_name", sa.String(length=100), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "change_type IN ('created', 'updated', 'deleted')",
            name=op.f("ck_decision_audit_log_change_type"),
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_decision_audit_log_changed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_audit_log_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_audit_log")),
    )
    op.create_index(
        "idx_decision_audit_changed_at",
        "decision_audit_log",
        [sa.literal_column("changed_at DESC")],
        unique=False,
    )
    op.create_index(
        "idx_decision_audit_changed_by", "decision_audit_log", ["changed_by_id"], unique=False
    )
    op.create_index(
        "idx_decision_audit_decision", "decision_audit_log", ["decision_id"], unique=False
    )
    op.create_table(
        "decision_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_participants_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_decision_participants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_participants")),
        sa.UniqueConstraint(
            "decision_id", "user_id", name="uq_decision_participants_decision_user"
        ),
    )
    op.create_index(
        "idx_decision_participants_decision", "decision_participants", ["decision_id"], unique=False
    )
    op.create_index(
        "idx_decision_participants_user", "decision_participants", ["user_id"], unique=False
    )

    name = op.get_bind().dialect.name
    for statement in dialect.fts_upgrade_statements(name):
        op.execute(statement)
    for statement in dialect.updated_at_upgrade_statements(name, UPDATED_AT_TABLES):
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    name = op.get_bind().dialect.name
    for statement in dialect.updated_at_downgrade_statements(name, UPDATED_AT_TABLES):
        op.execute(statement)
    for statement in dialect.fts_downgrade_statements(name):
        op.execute(statement)

    op.drop_index("idx_decision_participants_user", table_name="decision_participants")
    op.drop_index("idx_decision_participants_decision", table_name="decision_participants")
    op.drop_table("decision_participants")
    op.drop_index("idx_decision_audit_decision", table_name="decision_audit_log")
    op.drop_index("idx_decision_audit_changed_by", table_name="decision_audit_log")
    op.drop_index("idx_decision_audit_changed_at", table_name="decision_audit_log")
    op.drop_table("decision_audit_log")
    op.drop_index("idx_blockers_status", table_name="blockers")
    op.drop_index("idx_blockers_reported_by", table_name="blockers")
    op.drop_index("idx_blockers_related_status", table_name="blockers")
    op.drop_index("idx_blockers_related_incident", table_name="blockers")
    op.drop_index("idx_blockers_created_at", table_name="blockers")
    op.drop_table("blockers")
    op.drop_index("idx_status_updates_user_id", table_name="status_updates")
    op.drop_index("idx_status_updates_tags", table_name="status_updates", postgresql_using="gin")
    op.drop_index("idx_status_updates_created_at", table_name="status_updates")
    op.drop_table("status_updates")
    op.drop_index("idx_incidents_status_severity", table_name="incidents")
    op.drop_index("idx_incidents_status", table_name="incidents")
    op.drop_index("idx_incidents_severity", table_name="incidents")
    op.drop_index("idx_incidents_reported_by", table_name="incidents")
    op.drop_index("idx_incidents_created_at", table_name="incidents")
    op.drop_index("idx_incidents_assigned_to", table_name="incidents")
    op.drop_table("incidents")
    op.drop_index("idx_decisions_tags", table_name="decisions", postgresql_using="gin")
    op.drop_index("idx_decisions_decision_date", table_name="decisions")
    op.drop_index("idx_decisions_created_by", table_name="decisions")
    op.drop_table("decisions")
    op.drop_index("idx_users_role", table_name="users")
    op.drop_index("idx_users_email", table_name="users")
    op.drop_table("users")
    op.drop_index("idx_daily_summaries_generated_at", table_name="daily_summaries")
    op.drop_index("idx_daily_summaries_date", table_name="daily_summaries")
    op.drop_table("daily_summaries")
