"""Indexes that let the ranked decision search stop early, and count without reading rows.

Search ranks a decision by where the query matches (within the title, within title and
description, anywhere) and reads each tier newest first. On PostgreSQL the title and the
title-and-description tiers get stored search vectors with GIN indexes of their own, whose
statistics tell the planner how rare a match in them is (the weighted ``search_vector``
cannot), so an empty tier is found in the index instead of by walking every decision, and a
common one is read in id order testing each row's small vector. On SQLite those two tiers
read a second FTS5 index of title and description only (kept in step by triggers), where a
word found only in context or outcome has no entries to walk. Both databases get a partial index
of the soft-deleted decisions, so counting matches can subtract the few deleted ones
without reading the live rows.

Revision ID: 0007_search_indexes
Revises: 0006_ids_never_reused
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from asyncops_desktop import dialect

revision: str = "0007_search_indexes"
down_revision: str | None = "0006_ids_never_reused"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    name = op.get_bind().dialect.name
    for statement in dialect.search_index_upgrade_statements(name):
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    name = op.get_bind().dialect.name
    for statement in dialect.search_index_downgrade_statements(name):
        op.execute(statement)
