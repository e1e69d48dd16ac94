"""Daily summaries on the demo data: a 90-day backfill, one day, and the summary query plans.

The baselines run the very SQL the app sends (``day_statements`` compiled by SQLAlchemy for
the backend) on the raw driver, in the same per-day transactions with the same lock and the
same upsert, so the ratio is what SQLAlchemy and building the JSON cost on top. The plans are
read with ``EXPLAIN QUERY PLAN`` (SQLite) and ``EXPLAIN`` (PostgreSQL) of that same SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import delete, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from asyncops_desktop.db import Database
from asyncops_desktop.dialect import SUMMARY_LOCK_NAMESPACE
from asyncops_desktop.domain.models import DailySummary
from asyncops_desktop.repositories.base import AnySelect
from asyncops_desktop.repositories.summaries import (
    DayWindow,
    day_statements,
    first_activity_statement,
)
from asyncops_desktop.summaries import LIST_LIMIT, MAX_BACKFILL_DAYS, backfill, refresh_summary
from bench.backends import BenchDatabase
from bench.common import BenchError, Result, driver, paired_medians, verdict

BACKFILL = f"backfill {MAX_BACKFILL_DAYS} days of summaries"
ONE_DAY = "one day's summary (compute + store)"
PLANS = "summary queries on an index"
MEASUREMENTS = (BACKFILL, ONE_DAY, PLANS)

BACKFILL_MAX_S = 3.0
ONE_DAY_MAX_MS = 100.0
BACKFILL_RUNS = 3
ONE_DAY_MAX_RUNS = 30

# The index each summary query should range over. The spec has no index on resolved_at, so
# until one exists the "active at the end of the day" and "resolved in 30 days" queries read
# every incident or blocker (an open-ended created_at range or a sequential scan).
EXPECTED_INDEXES: dict[str, tuple[str, ...]] = {
    "status updates of the day": ("idx_status_updates_created_at",),
    "incidents active at the end": ("idx_incidents_resolved_at",),
    "blockers active at the end": ("idx_blockers_resolved_at",),
    "decisions of 7 days": ("idx_decisions_decision_date",),
    "incidents resolved in 30 days": ("idx_incidents_resolved_at",),
    "users silent for 7 days": ("idx_status_updates_created_at",),
}
PROPOSED_INDEXES = {
    "idx_incidents_resolved_at": "incidents (resolved_at)",
    "idx_blockers_resolved_at": "blockers (resolved_at)",
}
# Scanning the team's accounts is fine: a few hundred rows, and the spec has no is_active index.
SMALL_TABLES = frozenset({"users"})

UPSERT_COLUMNS = (
    "summary_date",
    "content",
    "status_updates_count",
    "incidents_count",
    "blockers_count",
    "decisions_count",
    "generated_at",
    "created_at",
)
UPSERT_SQL = (
    f"INSERT INTO daily_summaries ({', '.join(UPSERT_COLUMNS)}) VALUES ({{values}}) "
    "ON CONFLICT (summary_date) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in UPSERT_COLUMNS[1:-1])
)

_SQLITE_INDEX = re.compile(r"USING (?:COVERING )?INDEX (\w+)")
_SQLITE_SCAN = re.compile(r"^SCAN (\w+)")
_PG_INDEX = re.compile(
    r"(?:Index Scan|Index Only Scan)(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)"
)
_PG_SCAN = re.compile(r"Seq Scan on (\w+)")


@dataclass(frozen=True)
class CompiledDay:
    """One day's summary queries as driver SQL and parameters, by name."""

    day: dt.date
    statements: dict[str, tuple[str, Any]]


def _sqlite_value(value: object) -> object:
    # The text formats SQLAlchemy's SQLite dialect stores and binds.
    if isinstance(value, dt.datetime):
        return value.isoformat(" ", "microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class RawSummaries:
    """The summary's SQL on a raw ``sqlite3`` or ``psycopg`` connection."""

    def __init__(self, target: BenchDatabase, dialect: Dialect) -> None:
        self.backend = target.backend
        self.dialect = dialect
        # Statements are built once (day_statements is cached), so their id is a stable key.
        self._compiled: dict[int, SQLCompiler] = {}
        self.sqlite: sqlite3.Connection | None = None
        self.pg: psycopg.Connection[Any] | None = None
        if self.backend == "sqlite":
            self.sqlite = sqlite3.connect(target.raw_target, isolation_level=None)
            self.sqlite.execute("PRAGMA foreign_keys = ON")
            self.sqlite.execute("PRAGMA synchronous = NORMAL")
        else:
            self.pg = psycopg.connect(target.raw_target)

    def compile(
        self, statement: AnySelect, values: Mapping[str, Any] | None = None
    ) -> tuple[str, Any]:
        """Driver SQL and parameters, exactly as SQLAlchemy renders them for this backend."""
        compiled = self._compiled.get(id(statement))
        if compiled is None:
            fresh = statement.compile(dialect=self.dialect)
            assert isinstance(fresh, SQLCompiler)
            compiled = self._compiled[id(statement)] = fresh
        state = compiled.construct_expanded_state(dict(values or {}))
        if self.backend == "sqlite":
            names = state.positiontup or []
            return state.statement, tuple(_sqlite_value(state.parameters[n]) for n in names)
        return state.statement, state.parameters

    def compile_day(self, day: dt.date) -> CompiledDay:
        """The queries of ``day``'s summary with that day's parameters."""
        values = DayWindow.of(day).params()
        statements = day_statements(LIST_LIMIT)
        return CompiledDay(day, {name: self.compile(s, values) for name, s in statements.items()})

    def _rows(self, sql: str, params: Any) -> list[Any]:
        if self.sqlite is not None:
            return self.sqlite.execute(sql, params).fetchall()
        assert self.pg is not None
        return self.pg.execute(sql, params).fetchall()

    def store_day(
        self, compiled: CompiledDay, content: Mapping[str, Any], counts: Sequence[int]
    ) -> dict[str, int]:
        """One day's transaction: lock, every query fetched, the upsert; rows per query."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        fetched: dict[str, int] = {}
        if self.sqlite is not None:
            conn = self.sqlite
            conn.execute("BEGIN IMMEDIATE")
            for name, (sql, params) in compiled.statements.items():
                fetched[name] = len(conn.execute(sql, params).fetchall())
            values = (compiled.day.isoformat(), json.dumps(content), *counts, now, now)
            conn.execute(
                UPSERT_SQL.format(values=", ".join("?" for _ in UPSERT_COLUMNS)),
                tuple(_sqlite_value(v) for v in values),
            )
            conn.execute("COMMIT")
            return fetched
        assert self.pg is not None
        with self.pg.transaction():
            self.pg.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                (SUMMARY_LOCK_NAMESPACE, compiled.day.toordinal()),
            )
            self.pg.execute("SET LOCAL synchronous_commit = off")
            for name, (sql, params) in compiled.statements.items():
                fetched[name] = len(self.pg.execute(sql, params).fetchall())
            self.pg.execute(
                UPSERT_SQL.format(values=", ".join("%s" for _ in UPSERT_COLUMNS)),
                (compiled.day, Jsonb(content), *counts, now, now),
            )
        return fetched

    def plan_lines(self, sql: str, params: Any) -> list[str]:
        """The query plan of ``sql`` as text lines."""
        if self.sqlite is not None:
            return [str(row[3]) for row in self.sqlite.execute("EXPLAIN QUERY PLAN " + sql, params)]
        return [str(row[0]) for row in self._rows("EXPLAIN " + sql, params)]

    def index_names(self) -> set[str]:
        """Every index in the database."""
        if self.sqlite is not None:
            rows = self.sqlite.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            return {str(row[0]) for row in rows}
        return {str(row[0]) for row in self._rows("SELECT indexname FROM pg_indexes", None)}

    def first_activity(self) -> None:
        """The backfill's planning query."""
        sql, params = self.compile(first_activity_statement())
        self._rows(sql, params)
        if self.pg is not None:
            self.pg.rollback()

    def close(self) -> None:
        """Close the connection."""
        if self.sqlite is not None:
            self.sqlite.close()
        if self.pg is not None:
            self.pg.close()


def plan_usage(backend: str, lines: Sequence[str]) -> tuple[set[str], set[str]]:
    """Indexes a plan reads and the (large) tables it scans in full."""
    used: set[str] = set()
    scanned: set[str] = set()
    for line in lines:
        if backend == "sqlite":
            used.update(_SQLITE_INDEX.findall(line) if line.startswith("SEARCH") else ())
            scan = _SQLITE_SCAN.match(line.strip())
            if scan:
                scanned.add(scan.group(1))
        else:
            for match in _PG_INDEX.finditer(line):
                used.add(match.group(1) or match.group(2))
            scanned.update(_PG_SCAN.findall(line))
    return used, scanned - SMALL_TABLES


def _clear(database: Database) -> None:
    with database.write() as session:
        session.execute(delete(DailySummary))


def _stored(database: Database) -> dict[dt.date, tuple[dict[str, Any], tuple[int, ...]]]:
    with database.read() as session:
        rows = session.execute(
            select(
                DailySummary.summary_date,
                DailySummary.content,
                DailySummary.status_updates_count,
                DailySummary.incidents_count,
                DailySummary.blockers_count,
                DailySummary.decisions_count,
            )
        )
        return {row[0]: (row[1], tuple(row[2:])) for row in rows}


def _check_rows(day: dt.date, fetched: Mapping[str, int], counts: Sequence[int]) -> None:
    """The raw queries must return the rows the summary lists (the first LIST_LIMIT)."""
    names = (
        "status updates of the day",
        "incidents active at the end",
        "blockers active at the end",
        "decisions of 7 days",
    )
    seen = tuple(fetched[name] for name in names)
    expected = tuple(min(count, LIST_LIMIT) for count in counts)
    if seen != expected:
        raise BenchError(f"summary of {day}: the raw queries gave {seen} rows, not {expected}")


def bench_summaries(
    target: BenchDatabase, *, today: dt.date, runs: int, now: dt.datetime
) -> list[Result]:
    """Backfill, one day and plans on a demo database that has no summaries yet."""
    backend = target.backend
    database = Database(target.url)
    raw = RawSummaries(target, database.engine.dialect)
    results: list[Result] = []
    try:
        _clear(database)
        # -- the launch backfill ------------------------------------------------------------
        figure_s: list[float] = []
        raw_s: list[float] = []
        planned: tuple[dt.date, ...] = ()
        stored: dict[dt.date, tuple[dict[str, Any], tuple[int, ...]]] = {}
        compiled_days: list[CompiledDay] = []
        for attempt in range(BACKFILL_RUNS):
            _clear(database)
            start = time.perf_counter()
            result = backfill(database, today)
            figure_s.append(time.perf_counter() - start)
            if len(result.computed) != len(result.planned) or result.cancelled:
                raise BenchError(
                    f"{BACKFILL}: computed {len(result.computed)} of {len(result.planned)}"
                )
            if attempt == 0:
                planned = result.planned
                stored = _stored(database)
                # Compiling is SQLAlchemy's work the app also does; keep it out of the baseline.
                compiled_days = [raw.compile_day(day) for day in planned]
            _clear(database)
            start = time.perf_counter()
            raw.first_activity()
            for compiled in compiled_days:
                content, counts = stored[compiled.day]
                fetched = raw.store_day(compiled, content, counts)
                if attempt == 0:
                    _check_rows(compiled.day, fetched, counts)
            raw_s.append(time.perf_counter() - start)
        backfill_s, raw_backfill_s = statistics.median(figure_s), statistics.median(raw_s)
        results.append(
            Result(
                BACKFILL,
                backend,
                backfill_s * 1000,
                "ms",
                raw_backfill_s * 1000,
                f"raw {driver(backend)}: same SQL, lock, commit mode and upsert per day, JSON precomputed",
                backfill_s / raw_backfill_s,
                f"<= {BACKFILL_MAX_S:g} s",
                verdict(backfill_s <= BACKFILL_MAX_S and len(planned) == MAX_BACKFILL_DAYS),
                f"{len(planned)} days ({planned[0]} to {planned[-1]}), one transaction each; "
                f"median of {BACKFILL_RUNS}",
            )
        )

        # -- one day, as F5 or `summary compute --date` does it -------------------------------
        day = today - dt.timedelta(days=1)
        compiled_day = raw.compile_day(day)
        summary = refresh_summary(database, day, now=now)
        counts = tuple(summary.counts().values())
        _check_rows(day, raw.store_day(compiled_day, summary.content, counts), counts)
        day_ms, raw_day_ms = paired_medians(
            lambda: refresh_summary(database, day, now=now),
            lambda: raw.store_day(compiled_day, summary.content, counts),
            min(runs, ONE_DAY_MAX_RUNS),
            warmup=3,
        )
        results.append(
            Result(
                ONE_DAY,
                backend,
                day_ms,
                "ms",
                raw_day_ms,
                f"raw {driver(backend)}: same SQL, lock, commit mode and upsert, JSON precomputed",
                day_ms / raw_day_ms,
                f"<= {ONE_DAY_MAX_MS:g} ms",
                verdict(day_ms <= ONE_DAY_MAX_MS),
                f"{day}: {summary.status_updates_count:,} updates, {summary.incidents_count:,} "
                f"incidents, {summary.blockers_count:,} blockers, {summary.decisions_count:,} "
                f"decisions; median of {min(runs, ONE_DAY_MAX_RUNS)}",
            )
        )

        # -- plans ---------------------------------------------------------------------------
        results.append(_plans(raw, compiled_day))
    finally:
        raw.close()
        database.dispose()
    return results


def _plans(raw: RawSummaries, compiled: CompiledDay) -> Result:
    """Which summary queries range over the index they should; a note per query."""
    existing = raw.index_names()
    good = 0
    notes: list[str] = []
    for name, (sql, params) in compiled.statements.items():
        used, scanned = plan_usage(raw.backend, raw.plan_lines(sql, params))
        expected = EXPECTED_INDEXES[name]
        missing = [index for index in expected if index not in existing]
        ok = not missing and set(expected) <= used and not scanned
        good += ok
        state = "ok" if ok else "NOT ON ITS INDEX"
        detail = f"uses {', '.join(sorted(used)) or 'no index'}"
        if scanned:
            detail += f"; scans {', '.join(sorted(scanned))} in full"
        if missing:
            detail += "; missing " + ", ".join(
                f"CREATE INDEX {index} ON {PROPOSED_INDEXES.get(index, '?')}" for index in missing
            )
        notes.append(f"    {name}: {state} ({detail})")
    total = len(compiled.statements)
    return Result(
        PLANS,
        raw.backend,
        float(good),
        "queries",
        float(total),
        f"{'EXPLAIN QUERY PLAN' if raw.backend == 'sqlite' else 'EXPLAIN'} of the summary of "
        f"{compiled.day}, expected index per query",
        good / total,
        "all on their index",
        verdict(good == total),
        "\n" + "\n".join(notes),
    )
