"""A narrow table of the live decisions' search vectors, so counting matches reads little.

Counting every decision that matches a search on PostgreSQL is a bitmap scan of the GIN
index, and it visits each heap page holding a match: for a word found in most decisions,
every page of ``decisions``, whose wide rows fill about 20,000 pages at 100,000 decisions.
``decisions_fts_live`` holds one row per live decision, its id and its ``search_vector`` (a
copy of the stored column), with a GIN index of its own: about 13,000 pages, and no
deleted decisions to filter out. A trigger on ``decisions`` keeps it in step within the
same transaction: a new decision or an edit of its searched text writes its vector, a soft
delete removes the row, a restore puts it back, a hard delete cascades. Filling it reads the
existing decisions without writing to them (``updated_at`` is untouched). The trigger writes
with its owner's rights, so a least-privilege role needs none on the table, and every role
that may read ``decisions`` may read it. SQLite counts off its FTS5 index and gets nothing
here.

Revision ID: 0008_live_search_vectors
Revises: 0007_search_indexes
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from asyncops_desktop import dialect

revision: str = "0008_live_search_vectors"
down_revision: str | None = "0007_search_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    name = op.get_bind().dialect.name
    for statement in dialect.live_search_upgrade_statements(name):
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    name = op.get_bind().dialect.name
    for statement in dialect.live_search_downgrade_statements(name):
        op.execute(statement)
