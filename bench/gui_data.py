"""Data for the GUI benchmark: the demo rows loaded fast into both backends, and a big table.

``load_demo`` streams ``demo_data.iter_batches`` once and writes every batch to the SQLite
file (``executemany``) and to the PostgreSQL database (``COPY``) in the same pass: the same
rows ``demo-data --scale N`` inserts, without paying for generating them twice or for
SQLAlchemy's insert path (``python -m bench`` times that one). Then, like ``generate``:
sequences moved past the ids, ``ANALYZE``, and the daily summaries of the past days on the
SQLite file, so a launch only computes today's.

``fill_status_updates`` puts a million status updates into a fresh database with the raw
driver, for the scrolling and memory measurement.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from asyncops_desktop.db import Database
from asyncops_desktop.demo_data import TABLE_ORDER, iter_batches, read_existing
from asyncops_desktop.summaries import store_summary
from bench.backends import BenchDatabase
from bench.raw import _row_builder, _sqlite_converter

SQLITE_PRAGMAS = ("PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL")


def _pg_value(value: Any) -> Any:
    return Jsonb(value) if isinstance(value, dict) else value


def load_demo(
    sqlite_target: BenchDatabase | None,
    pg_target: BenchDatabase | None,
    *,
    scale: int,
    seed: int,
    now: dt.datetime,
    summaries: bool = True,
) -> dict[str, int]:
    """Insert the demo rows into one or both (empty, migrated) databases; rows per table."""
    any_target = sqlite_target or pg_target
    if any_target is None:
        return {}
    database = Database(any_target.url)
    try:
        with database.read() as session:
            existing = read_existing(session)
    finally:
        database.dispose()
    demo = iter_batches(existing, scale=scale, seed=seed, now=now)
    lite = (
        sqlite3.connect(sqlite_target.raw_target, isolation_level=None) if sqlite_target else None
    )
    pg = psycopg.connect(pg_target.raw_target) if pg_target else None
    builders: dict[tuple[str, tuple[str, ...]], Callable[[dict[str, Any]], tuple[Any, ...]]] = {}
    counts: dict[str, int] = dict.fromkeys(TABLE_ORDER, 0)
    try:
        if lite is not None:
            for pragma in SQLITE_PRAGMAS:
                lite.execute(pragma)
            lite.execute("PRAGMA synchronous = OFF")
        for batch in demo.batches:
            if lite is not None:
                lite.execute("BEGIN IMMEDIATE")
            for table, rows in batch:
                if not rows:
                    continue
                keys = tuple(rows[0])
                counts[table] = counts.get(table, 0) + len(rows)
                if lite is not None:
                    if (table, keys) not in builders:
                        builders[table, keys] = _row_builder(table, keys, _sqlite_converter)
                    build = builders[table, keys]
                    lite.executemany(
                        f"INSERT INTO {table} ({', '.join(keys)}) "
                        f"VALUES ({', '.join('?' for _ in keys)})",
                        [build(row) for row in rows],
                    )
                if pg is not None:
                    with (
                        pg.cursor() as cursor,
                        cursor.copy(f"COPY {table} ({', '.join(keys)}) FROM STDIN") as copy,
                    ):
                        for row in rows:
                            copy.write_row([_pg_value(v) for v in row.values()])
            if lite is not None:
                lite.execute("COMMIT")
            if pg is not None:
                pg.commit()
        if lite is not None:
            lite.execute("PRAGMA synchronous = FULL")
            lite.execute("ANALYZE")
        if pg is not None:
            for table in TABLE_ORDER:
                pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
                )
            pg.commit()
            pg.autocommit = True
            pg.execute("ANALYZE")
    finally:
        if lite is not None:
            lite.close()
        if pg is not None:
            pg.close()
    if summaries and sqlite_target is not None:
        # As generate() does: the past days' summaries exist, so a launch computes today's.
        database = Database(sqlite_target.url)
        try:
            with database.write() as session:
                for day in demo.summary_days:
                    store_summary(session, day, now=now)
        finally:
            database.dispose()
        counts["daily_summaries"] = len(demo.summary_days)
    return counts


WORDS = [
    "release",
    "deploy",
    "review",
    "database",
    "backup",
    "latency",
    "migration",
    "rollout",
    "incident",
    "api",
    "frontend",
    "billing",
    "search",
    "cache",
    "queue",
    "metrics",
    "alerting",
    "onboarding",
    "docs",
    "security",
]


def fill_status_updates(target: BenchDatabase, rows: int, *, users: int = 20) -> int:
    """``rows`` status updates by ``users`` members in an empty migrated SQLite file."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    conn = sqlite3.connect(target.raw_target, isolation_level=None)
    try:
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN IMMEDIATE")
        stamp = now.isoformat(" ", "microseconds")
        conn.executemany(
            "INSERT INTO users (id, email, password_hash, full_name, role, is_active, "
            "created_at, updated_at, must_change_password) VALUES (?, ?, ?, ?, ?, 1, ?, ?, 0)",
            [
                (
                    i,
                    f"member{i}@example.com",
                    "!",  # no password signs in: the benchmark signs in with a token
                    f"Member {i:02d}",
                    "admin" if i == 1 else "member",
                    stamp,
                    stamp,
                )
                for i in range(1, users + 1)
            ],
        )
        conn.execute("COMMIT")
        # Generated inside SQLite by a recursive counter, in plain SQL (no Python per row):
        # one update every 30 seconds up to now, authors and words in turn.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows), "
            "w(i, a, b, c, stamp) AS (SELECT i, "
            "json_extract(:words, '$[' || (i % :count) || ']'), "
            "json_extract(:words, '$[' || (i * 7 % :count) || ']'), "
            "json_extract(:words, '$[' || (i * 13 % :count) || ']'), "
            "strftime('%Y-%m-%d %H:%M:%f', :now, '-' || ((:rows - i) * 30) || ' seconds') "
            "|| '000' FROM n) "
            "INSERT INTO status_updates (user_id, title, content, tags, created_at, updated_at) "
            "SELECT 1 + i % :users, 'Update ' || i || ': ' || a, "
            "'Worked on ' || a || ' and ' || b || '; next: ' || c, json_array(a, b), stamp, stamp "
            "FROM w",
            {
                "rows": rows,
                "users": users,
                "words": json.dumps(WORDS),
                "count": len(WORDS),
                "now": now.isoformat(" ", "microseconds"),
            },
        )
        conn.execute("COMMIT")
        done = rows
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return done
