"""Ids of rows that can be deleted are never handed out again on SQLite.

Without AUTOINCREMENT, SQLite gives a new row the largest id in use plus one, so deleting the
newest status update, participant, remember-me token or pending offline change and then
adding another one reuses its id: a link, a cached row or a log line naming the old id would
silently point at the new row. AUTOINCREMENT keeps the highest id ever used in
``sqlite_sequence`` and never goes below it. PostgreSQL sequences never go back, so this
revision changes nothing there.

SQLite cannot add AUTOINCREMENT to an existing table, so each table is rebuilt: created
under a temporary name from its own stored definition (the table-level primary key moved
onto the id column with AUTOINCREMENT), every row copied with its id, the old table dropped
and the new one renamed. Dropping a table drops its indexes and triggers, so they are put
back from their stored SQL, exactly as they were. Ids deleted before this upgrade above the
largest remaining one cannot be known; from the upgrade on, none is reused.

Revision ID: 0006_ids_never_reused
Revises: 0005_resolved_at
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision: str = "0006_ids_never_reused"
down_revision: str | None = "0005_resolved_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose rows the app deletes outright (the others are soft-deleted or kept).
TABLES = (
    "status_updates",
    "decision_participants",
    "remember_tokens",
    "offline_pending_changes",
)
ID_COLUMN = "id INTEGER NOT NULL"


def _split_top_level(body: str) -> list[str]:
    """The column and constraint definitions of a CREATE TABLE body, split at top-level commas."""
    items: list[str] = []
    depth = 0
    quote: str | None = None
    start = 0
    for index, char in enumerate(body):
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"`[":
            quote = "]" if char == "[" else char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(body[start:index].strip())
            start = index + 1
    items.append(body[start:].strip())
    return [item for item in items if item]


def _definitions(create_sql: str, table: str) -> list[str]:
    # A table renamed by SQLite (as a rebuild does) has its name quoted in the stored SQL.
    heads = (f"CREATE TABLE {table} (", f'CREATE TABLE "{table}" (')
    head = next((h for h in heads if create_sql.startswith(h)), None)
    if head is None or not create_sql.rstrip().endswith(")"):
        raise RuntimeError(f"the table {table} has an unexpected definition: {create_sql[:80]!r}")
    return _split_top_level(create_sql.rstrip()[len(head) : -1])


def _render(table: str, items: list[str]) -> str:
    return f"CREATE TABLE {table} (\n\t" + ", \n\t".join(items) + "\n)"


def with_autoincrement(create_sql: str, table: str) -> str:
    """The table's definition with its primary key on the id column, AUTOINCREMENT."""
    items = _definitions(create_sql, table)
    table_key = f"CONSTRAINT pk_{table} PRIMARY KEY (id)"
    if ID_COLUMN not in items or table_key not in items:
        raise RuntimeError(f"the table {table} has no plain integer id primary key to change")
    items.remove(table_key)
    items[items.index(ID_COLUMN)] = f"{ID_COLUMN} CONSTRAINT pk_{table} PRIMARY KEY AUTOINCREMENT"
    return _render(table, items)


def without_autoincrement(create_sql: str, table: str) -> str:
    """The table's definition as revision 0005 left it (a table-level primary key)."""
    items = _definitions(create_sql, table)
    column = f"{ID_COLUMN} CONSTRAINT pk_{table} PRIMARY KEY AUTOINCREMENT"
    if column not in items:
        raise RuntimeError(f"the table {table} has no AUTOINCREMENT id to change back")
    items[items.index(column)] = ID_COLUMN
    constraints = [i for i, item in enumerate(items) if item.upper().startswith("CONSTRAINT ")]
    items.insert(
        constraints[0] if constraints else len(items), f"CONSTRAINT pk_{table} PRIMARY KEY (id)"
    )
    return _render(table, items)


def rebuild(conn: Connection, table: str, *, autoincrement: bool) -> None:
    """Recreate ``table`` with or without AUTOINCREMENT, keeping rows, ids, indexes, triggers."""
    create_sql = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
    ).scalar_one()
    # Indexes SQLite makes for UNIQUE constraints have no SQL: the new table makes its own.
    dependents = [
        str(row[0])
        for row in conn.execute(
            text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = :t AND type IN ('index', "
                "'trigger') AND sql IS NOT NULL ORDER BY type, name"
            ),
            {"t": table},
        )
    ]
    change = with_autoincrement if autoincrement else without_autoincrement
    temporary = f"_rebuild_{table}"
    new_sql = change(str(create_sql), table).replace(
        f"CREATE TABLE {table} (", f'CREATE TABLE "{temporary}" (', 1
    )
    columns = ", ".join(
        f'"{row[1]}"' for row in conn.exec_driver_sql(f'PRAGMA table_info("{table}")')
    )
    before = conn.exec_driver_sql(f'SELECT count(*), max(id) FROM "{table}"').one()
    conn.exec_driver_sql(new_sql)
    conn.exec_driver_sql(
        f'INSERT INTO "{temporary}" ({columns}) SELECT {columns} FROM "{table}" ORDER BY id'
    )
    conn.exec_driver_sql(f'DROP TABLE "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "{temporary}" RENAME TO "{table}"')
    for statement in dependents:
        conn.exec_driver_sql(statement)
    after = conn.exec_driver_sql(f'SELECT count(*), max(id) FROM "{table}"').one()
    if tuple(after) != tuple(before):
        raise RuntimeError(f"rebuilding {table} changed its rows: {tuple(before)} → {tuple(after)}")


def upgrade() -> None:
    """Apply this revision (SQLite only; PostgreSQL sequences never reuse ids)."""
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for table in TABLES:
        rebuild(conn, table, autoincrement=True)


def downgrade() -> None:
    """Revert this revision: plain integer keys again (SQLite only)."""
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for table in TABLES:
        rebuild(conn, table, autoincrement=False)
