"""Baselines: the same work done with the raw drivers (``sqlite3``, ``psycopg``), no SQLAlchemy."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Boolean, Date, DateTime

from asyncops_desktop.demo_data import TABLE_ORDER, Existing, iter_batches
from asyncops_desktop.domain.models import Base

# The columns DecisionRepository selects, in its order, so both sides return the same tuples.
# LIMIT is a bound parameter as in SQLAlchemy's SQL: with a literal LIMIT and fresh statistics
# SQLite 3.40 plans this join users-first and sorts every decision (two orders of magnitude
# slower), which would make a meaningless baseline.
DECISION_PAGE_SQL = (
    "SELECT d.id, d.created_by_id, u.full_name, d.title, d.description, d.context, d.outcome, "
    "d.decision_date, d.tags, d.created_at, d.updated_at "
    "FROM decisions AS d JOIN users AS u ON u.id = d.created_by_id "
    "{where}ORDER BY d.decision_date DESC, d.id DESC LIMIT {p}"
)
KEYSET_WHERE = "WHERE d.decision_date <= {p} AND (d.decision_date < {p} OR d.id < {p}) "

Cursor = tuple[object, int]


class RawDecisions(Protocol):
    """The decisions page query on a raw driver connection."""

    def page(self, after: Cursor | None, limit: int) -> list[tuple[Any, ...]]:
        """Rows in decision_date, id descending order, after a keyset cursor if given."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


class SqliteDecisions:
    """The page query through ``sqlite3``, inside one read transaction like the repository's."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN")

    def page(self, after: Cursor | None, limit: int) -> list[tuple[Any, ...]]:
        """Rows in decision_date, id descending order, after a keyset cursor if given."""
        if after is None:
            return self.conn.execute(DECISION_PAGE_SQL.format(where="", p="?"), (limit,)).fetchall()
        value, last_id = after
        day = value.isoformat() if isinstance(value, dt.date) else str(value)
        sql = DECISION_PAGE_SQL.format(where=KEYSET_WHERE.format(p="?"), p="?")
        return self.conn.execute(sql, (day, day, last_id, limit)).fetchall()

    def close(self) -> None:
        """End the read transaction and close."""
        self.conn.execute("COMMIT")
        self.conn.close()


class PostgresDecisions:
    """The page query through ``psycopg`` (which also returns dates and lists as Python values)."""

    def __init__(self, conninfo: str) -> None:
        self.conn = psycopg.connect(conninfo)

    def page(self, after: Cursor | None, limit: int) -> list[tuple[Any, ...]]:
        """Rows in decision_date, id descending order, after a keyset cursor if given."""
        if after is None:
            sql = DECISION_PAGE_SQL.format(where="", p="%s")
            return self.conn.execute(sql, (limit,)).fetchall()
        value, last_id = after
        sql = DECISION_PAGE_SQL.format(where=KEYSET_WHERE.format(p="%s"), p="%s")
        return self.conn.execute(sql, (value, value, last_id, limit)).fetchall()

    def close(self) -> None:
        """End the transaction and close."""
        self.conn.rollback()
        self.conn.close()


# -- bulk insert --------------------------------------------------------------------------

Converter = Callable[[Any], Any]


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    # The text format SQLAlchemy's SQLite dialect stores, so both files hold the same bytes.
    if value is None:
        return None
    return value.isoformat(" ", "microseconds")


def _sqlite_converter(column_type: object) -> Converter | None:
    if isinstance(column_type, DateTime):
        return _sqlite_datetime
    if isinstance(column_type, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(column_type, Boolean):
        return lambda v: None if v is None else int(v)
    if isinstance(column_type, JSON):
        return lambda v: None if v is None else json.dumps(v)
    return None


def _row_builder(
    table: str, keys: Sequence[str], converter_for: Callable[[object], Converter | None]
) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    columns = Base.metadata.tables[table].c
    converters = [converter_for(columns[key].type) for key in keys]
    if all(c is None for c in converters):
        return lambda row: tuple(row[key] for key in keys)
    pairs = list(zip(keys, converters, strict=True))

    def build(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[k] if c is None else c(row[k]) for k, c in pairs)

    return build


def insert_sqlite(path: str, existing: Existing, *, scale: int, seed: int, now: dt.datetime) -> int:
    """Build the demo rows and insert them with ``sqlite3.executemany``; returns the row count.

    Same batches, one transaction each, same pragmas and the final ``ANALYZE`` as
    ``demo_data.generate``, so the difference is SQLAlchemy's share.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    statements: dict[tuple[str, tuple[str, ...]], tuple[str, Callable[..., Any]]] = {}
    inserted = 0
    try:
        for batch in iter_batches(existing, scale=scale, seed=seed, now=now).batches:
            conn.execute("BEGIN IMMEDIATE")
            for table, rows in batch:
                if not rows:
                    continue
                keys = tuple(rows[0])
                if (table, keys) not in statements:
                    sql = (
                        f"INSERT INTO {table} ({', '.join(keys)}) "
                        f"VALUES ({', '.join('?' for _ in keys)})"
                    )
                    statements[table, keys] = (sql, _row_builder(table, keys, _sqlite_converter))
                sql, build = statements[table, keys]
                conn.executemany(sql, [build(row) for row in rows])
                inserted += len(rows)
            conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return inserted


def insert_postgresql(
    conninfo: str, existing: Existing, *, scale: int, seed: int, now: dt.datetime
) -> int:
    """Build the demo rows and insert them with ``psycopg`` ``executemany``; returns the count.

    Same batches and transactions as ``demo_data.generate``, then the same sequence reset
    and ``ANALYZE``.
    """
    inserted = 0
    with psycopg.connect(conninfo) as conn:
        for batch in iter_batches(existing, scale=scale, seed=seed, now=now).batches:
            with conn.transaction(), conn.cursor() as cur:
                for table, rows in batch:
                    if not rows:
                        continue
                    keys = tuple(rows[0])
                    sql = (
                        f"INSERT INTO {table} ({', '.join(keys)}) "
                        f"VALUES ({', '.join('%s' for _ in keys)})"
                    )
                    cur.executemany(sql, [_pg_params(row) for row in rows])
                    inserted += len(rows)
        with conn.transaction():
            for table in TABLE_ORDER:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
                )
            conn.execute("ANALYZE")
    return inserted


def _pg_params(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(Jsonb(v) if isinstance(v, dict) else v for v in row.values())
