"""``python -m bench``: demo-data insert rate, decision paging and daily summaries, each next
to a baseline.

Every figure is compared with a baseline measured in the same run on the same data (the raw
``sqlite3``/``psycopg`` driver doing the same work, or the first page for the deep page), so a
slow or busy machine shifts both. Medians, not means: one scheduler hiccup must not decide.
The targets are stated for ``--scale 1000``; at smaller scales the verdicts are informative
and never change the exit status.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy

from asyncops_desktop.db import Database, mask_url
from asyncops_desktop.demo_data import generate, read_existing
from asyncops_desktop.domain.models import utcnow
from asyncops_desktop.repositories.base import Cursor
from asyncops_desktop.repositories.decisions import DecisionRepository
from bench.backends import DEFAULT_PG_URL, BenchDatabase, PostgresDatabases, SqliteFiles
from bench.common import BenchError, Result, aligned_table, paired_medians, result_notes
from bench.common import driver as _driver
from bench.common import log as _log
from bench.common import verdict as _verdict
from bench.raw import PostgresDecisions, RawDecisions, SqliteDecisions
from bench.raw import insert_postgresql as raw_insert_postgresql
from bench.raw import insert_sqlite as raw_insert_sqlite
from bench.summaries import MEASUREMENTS as SUMMARY_MEASUREMENTS
from bench.summaries import bench_summaries

INSERT = "demo-data insert rate"
FIRST_PAGE = "first page (50 decisions by date)"
DEEP_PAGE = "deep page via keyset cursor"
BULK_FETCH = "fetch 10,000 decisions"
MEASUREMENTS = (INSERT, FIRST_PAGE, DEEP_PAGE, BULK_FETCH, *SUMMARY_MEASUREMENTS)

TARGET_SCALE = 1000
PAGE_SIZE = 50
DEEP_ROW = 50_000
BULK_ROWS = 10_000
RESULTS_PATH = Path(__file__).resolve().parent / "results" / "latest.json"

# Absolute targets per backend, and ratio targets (figure over baseline).
INSERT_MIN_ROWS_PER_S = {"sqlite": 20_000.0}
FIRST_PAGE_MAX_MS = {"sqlite": 2.0, "postgresql": 5.0}
DEEP_PAGE_MAX_RATIO = 2.0
BULK_MAX_RATIO = 3.0


def _same_rows(measurement: str, ids: Sequence[int], raw_rows: Sequence[Sequence[Any]]) -> None:
    raw_ids = [int(row[0]) for row in raw_rows]
    if list(ids) != raw_ids:
        raise BenchError(f"{measurement}: the raw baseline returned different rows")


def bench_insert(
    target: BenchDatabase,
    baseline_target: BenchDatabase,
    *,
    scale: int,
    seed: int,
    now: dt.datetime,
) -> tuple[Result, dict[str, int]]:
    """Time ``demo_data.generate`` and the raw driver inserting the same rows."""
    database = Database(target.url)
    try:
        with database.read() as session:
            existing = read_existing(session)
        start = time.perf_counter()
        # Without summaries: the raw baseline inserts the same rows, and the summary
        # benchmark times their computation on this database afterwards.
        counts = generate(database, scale=scale, seed=seed, now=now, summaries=False)
        generate_s = time.perf_counter() - start
    finally:
        database.dispose()
    rows = sum(counts.values())
    # The baseline database is a copy of the same empty state, so ``existing`` holds for it.
    raw_insert = raw_insert_sqlite if target.backend == "sqlite" else raw_insert_postgresql
    start = time.perf_counter()
    raw_rows = raw_insert(baseline_target.raw_target, existing, scale=scale, seed=seed, now=now)
    raw_s = time.perf_counter() - start
    if raw_rows != rows:
        raise BenchError(f"{INSERT}: the raw baseline inserted {raw_rows} rows, not {rows}")
    rate, raw_rate = rows / generate_s, raw_rows / raw_s
    floor = INSERT_MIN_ROWS_PER_S.get(target.backend)
    result = Result(
        measurement=INSERT,
        backend=target.backend,
        figure=rate,
        unit="rows/s",
        baseline=raw_rate,
        baseline_label=f"raw {_driver(target.backend)} executemany, same rows and batches",
        ratio=raw_rate / rate,
        target=f">= {floor:,.0f} rows/s" if floor else "none (informative)",
        verdict=_verdict(rate >= floor) if floor else "info",
        note=f"{rows:,} rows in {generate_s:.2f} s (raw: {raw_s:.2f} s)",
    )
    return result, counts


def _walk(repo: DecisionRepository, depth: int) -> Cursor | None:
    """The keyset cursor after the first ``depth`` decisions, fetched in big pages."""
    cursor: Cursor | None = None
    walked = 0
    while walked < depth:
        page = repo.page(after=cursor, limit=min(BULK_ROWS, depth - walked))
        walked += len(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    return cursor


def bench_queries(target: BenchDatabase, *, runs: int) -> list[Result]:
    """First page, deep keyset page and a 10,000-row fetch, against the raw driver."""
    backend = target.backend
    raw: RawDecisions = (
        SqliteDecisions(target.raw_target)
        if backend == "sqlite"
        else PostgresDecisions(target.raw_target)
    )
    database = Database(target.url)
    results: list[Result] = []
    try:
        with database.read() as session:
            repo = DecisionRepository(session)
            total = repo.count()

            def first() -> list[int]:
                return [d.id for d in repo.page(limit=PAGE_SIZE).rows]

            _same_rows(FIRST_PAGE, first(), raw.page(None, PAGE_SIZE))
            first_ms, raw_first_ms = paired_medians(first, lambda: raw.page(None, PAGE_SIZE), runs)
            limit = FIRST_PAGE_MAX_MS[backend]
            results.append(
                Result(
                    FIRST_PAGE,
                    backend,
                    first_ms,
                    "ms",
                    raw_first_ms,
                    f"raw {_driver(backend)}, same SQL and rows",
                    first_ms / raw_first_ms,
                    f"<= {limit:g} ms",
                    _verdict(first_ms <= limit),
                    f"median of {runs} of {total:,} decisions",
                )
            )

            # Deep in the list, but leave a full page after it even at tiny scales.
            depth = min(DEEP_ROW, max(PAGE_SIZE, (total - PAGE_SIZE) // PAGE_SIZE * PAGE_SIZE))
            cursor = _walk(repo, depth)
            if cursor is None:
                raise BenchError(f"{DEEP_PAGE}: only {total} decisions, cannot reach row {depth}")

            def deep() -> list[int]:
                return [d.id for d in repo.page(after=cursor, limit=PAGE_SIZE).rows]

            _same_rows(DEEP_PAGE, deep(), raw.page(cursor, PAGE_SIZE))
            deep_ms, raw_deep_ms = paired_medians(deep, lambda: raw.page(cursor, PAGE_SIZE), runs)
            results.append(
                Result(
                    DEEP_PAGE,
                    backend,
                    deep_ms,
                    "ms",
                    first_ms,
                    "first page through the repository, same run",
                    deep_ms / first_ms,
                    f"<= {DEEP_PAGE_MAX_RATIO:g}x first page",
                    _verdict(deep_ms / first_ms <= DEEP_PAGE_MAX_RATIO),
                    f"at row {depth:,}; raw {_driver(backend)}: {raw_deep_ms:.2f} ms",
                )
            )

            bulk = min(BULK_ROWS, total)

            def fetch() -> list[Any]:
                return repo.page(limit=bulk).rows

            _same_rows(BULK_FETCH, [d.id for d in fetch()], raw.page(None, bulk))
            bulk_runs = max(3, min(15, runs // 10))
            bulk_ms, raw_bulk_ms = paired_medians(
                fetch, lambda: raw.page(None, bulk), bulk_runs, warmup=2, collect=True
            )
            results.append(
                Result(
                    BULK_FETCH,
                    backend,
                    bulk_ms,
                    "ms",
                    raw_bulk_ms,
                    f"raw {_driver(backend)} fetchall, same SQL and rows",
                    bulk_ms / raw_bulk_ms,
                    f"<= {BULK_MAX_RATIO:g}x raw",
                    _verdict(bulk_ms / raw_bulk_ms <= BULK_MAX_RATIO),
                    f"{bulk:,} rows as DTOs; median of {bulk_runs}",
                )
            )
    finally:
        raw.close()
        database.dispose()
    return results


def bench_backend(
    factory: SqliteFiles | PostgresDatabases,
    args: argparse.Namespace,
    now: dt.datetime,
    started: float,
) -> tuple[list[Result], dict[str, int]]:
    """Every measurement on one backend, on databases created for this run."""
    backend = factory.backend
    _log(started, f"{backend}: generating demo data at scale {args.scale}")
    target = factory.create("demo")
    baseline_target = factory.create("raw")
    insert_result, counts = bench_insert(
        target, baseline_target, scale=args.scale, seed=args.seed, now=now
    )
    _log(started, f"{backend}: {insert_result.note}")
    if isinstance(factory, SqliteFiles):
        # The baseline copy has served its purpose; free the disk space now.
        for suffix in ("", "-wal", "-shm"):
            Path(baseline_target.raw_target + suffix).unlink(missing_ok=True)
    _log(started, f"{backend}: timing decision pages")
    results = [insert_result, *bench_queries(target, runs=args.runs)]
    _log(started, f"{backend}: timing daily summaries and reading their query plans")
    results += bench_summaries(target, today=now.date(), runs=args.runs, now=now)
    return results, counts


def _format_figure(value: float, unit: str) -> str:
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "queries":
        return f"{value:.0f} queries"
    return f"{value:,.2f} ms" if value < 100 else f"{value:,.1f} ms"


def render_table(results: Sequence[Result]) -> str:
    """The results as an aligned text table with the baselines explained below it."""
    lines = [
        (
            r.measurement,
            r.backend,
            _format_figure(r.figure, r.unit),
            _format_figure(r.baseline, r.unit),
            "" if r.unit == "queries" else f"{r.ratio:.2f}x",
            r.target,
            r.verdict,
        )
        for r in results
    ]
    return aligned_table(
        lines,
        result_notes(results),
        "figure's time over baseline's time (for rates: baseline rate over figure rate)",
    )


def _environment(pg_version: str | None) -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__,
        "postgresql": pg_version or "not used",
    }


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of ``python -m bench``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark demo-data loading and decision paging on SQLite and PostgreSQL.",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=TARGET_SCALE,
        help=f"demo-data scale (default {TARGET_SCALE}: ~100,000 decisions; "
        "targets apply at this scale, smaller runs are smoke checks)",
    )
    parser.add_argument("--seed", type=int, default=1, help="demo-data seed (default 1)")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="PostgreSQL server to use; a uniquely named database is created there and "
        f"dropped afterwards (default {DEFAULT_PG_URL})",
    )
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated backends to measure (default sqlite,postgresql)",
    )
    parser.add_argument(
        "--runs", type=int, default=200, help="timed runs per page measurement (default 200)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_PATH,
        help="where to write the JSON results (default bench/results/latest.json)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table, save JSON; 1 if a target failed at full scale."""
    args = build_parser().parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown or not backends or args.scale < 1 or args.runs < 1:
        sys.stderr.write("error: use --backends sqlite,postgresql, --scale >= 1, --runs >= 1\n")
        return 2
    started = time.monotonic()
    started_at = utcnow()
    # One moment for both the measured load and its baseline, so they insert identical rows.
    now = started_at.replace(microsecond=0)
    results: list[Result] = []
    counts: dict[str, dict[str, int]] = {}
    pg_version: str | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="asyncops-bench-") as folder:
            for backend in backends:
                factory: SqliteFiles | PostgresDatabases
                if backend == "sqlite":
                    factory = SqliteFiles(Path(folder))
                else:
                    try:
                        factory = PostgresDatabases(args.pg_url)
                    except psycopg.OperationalError as exc:
                        raise BenchError(
                            f"PostgreSQL is unreachable at {mask_url(args.pg_url)}: {exc}"
                            "(start it, pass --pg-url, or use --backends sqlite)"
                        ) from exc
                    pg_version = factory.server_version()
                try:
                    backend_results, counts[backend] = bench_backend(factory, args, now, started)
                    results += backend_results
                finally:
                    factory.close()
    except BenchError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    duration = time.monotonic() - started
    environment = _environment(pg_version)
    rows = next(iter(counts.values()))
    print(
        f"AsyncOps Desktop benchmark: scale {args.scale} ({rows['decisions']:,} decisions, "
        f"{sum(rows.values()):,} rows per backend), seed {args.seed}, {duration:.0f} s"
    )
    print(
        f"Python {environment['python']}, SQLite {environment['sqlite']}, "
        f"PostgreSQL {environment['postgresql']}, SQLAlchemy {environment['sqlalchemy']}, "
        f"psycopg {environment['psycopg']}, {environment['cpus']} CPUs"
    )
    print()
    print(render_table(results))
    failed = [r for r in results if r.verdict == "FAIL"]
    if args.scale < TARGET_SCALE:
        print(f"\nscale {args.scale} < {TARGET_SCALE}: a smoke check, verdicts are informative.")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        "scale": args.scale,
        "seed": args.seed,
        "started_at": started_at.isoformat() + "Z",
        "duration_s": round(duration, 1),
        "environment": environment,
        "row_counts": counts,
        "rows": [asdict(r) for r in results],
    }
    args.results.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {args.results}")
    return 1 if failed and args.scale >= TARGET_SCALE else 0
