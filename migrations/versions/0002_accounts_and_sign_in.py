"""Accounts and sign-in: must-change-password flag, sign-in throttle, remember-me tokens.

Revision ID: 0002_accounts
Revises: 0001_initial
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from asyncops_desktop import dialect

revision: str = "0002_accounts"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # A plain ADD COLUMN (not a batch rebuild) keeps the table's triggers on SQLite.
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "sign_in_throttle",
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_sign_in_throttle")),
    )
    op.create_table(
        "remember_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_remember_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remember_tokens")),
    )
    op.create_index("idx_remember_tokens_hash", "remember_tokens", ["token_hash"], unique=True)
    op.create_index("idx_remember_tokens_user", "remember_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("idx_remember_tokens_user", table_name="remember_tokens")
    op.drop_index("idx_remember_tokens_hash", table_name="remember_tokens")
    op.drop_table("remember_tokens")
    op.drop_table("sign_in_throttle")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
    name = op.get_bind().dialect.name
    if name == "sqlite":
        # A batch rebuild of the table drops its triggers: put updated_at's back.
        for statement in dialect.updated_at_downgrade_statements(name, ("users",)):
            op.execute(statement)
        for statement in dialect.updated_at_upgrade_statements(name, ("users",)):
            op.execute(statement)
