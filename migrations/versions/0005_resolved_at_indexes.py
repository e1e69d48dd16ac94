"""Indexes on incidents.resolved_at and blockers.resolved_at for the daily summaries.

"Active at the end of day D" and "resolved in the 30 days ending on D" range over
resolved_at; without these indexes every summary reads every incident and blocker.

Revision ID: 0005_resolved_at
Revises: 0004_offline
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_resolved_at"
down_revision: str | None = "0004_offline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("idx_incidents_resolved_at", "incidents", ["resolved_at"], unique=False)
    op.create_index("idx_blockers_resolved_at", "blockers", ["resolved_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("idx_blockers_resolved_at", table_name="blockers")
    op.drop_index("idx_incidents_resolved_at", table_name="incidents")
