"""``python -m bench.decisions_io``: decision export and import, each next to a baseline.

- CSV export of every decision through ``DecisionExporter`` (one streaming statement whose
  cells the database formats: dates, joined tags and participants, formula guards) against
  the raw ``sqlite3``/``psycopg`` driver writing the very same file (one query for
  decisions, one for participants, the cells formatted in Python); the two files must be
  byte-identical, which also checks the database's formatting against Python's. Target: <= 5 s at scale 1000. Both
  files go to memory (``/dev/shm``) by default: on a busy disk, flushing 68 MB can take
  longer than producing it, whatever the code (``--csv-dir`` to measure a disk).
- MADR export of the newest decisions and the import of that folder into a new database
  (through ``DecisionService``, one transaction per file): informative, no baseline.

Medians of paired, alternating runs, as in ``python -m bench``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import insert, select

from asyncops_desktop.cli_accounts import CLI_OPERATOR
from asyncops_desktop.db import Database, mask_url
from asyncops_desktop.decisions_io import DecisionExporter, DecisionImporter, importing_actor
from asyncops_desktop.decisions_io.export import CSV_COLUMNS, LIST_SEPARATOR, csv_cell
from asyncops_desktop.demo_data import generate
from asyncops_desktop.domain.models import User
from asyncops_desktop.repositories.decisions import DecisionFilter, DecisionRepository
from bench.backends import DEFAULT_PG_URL, BenchDatabase, PostgresDatabases, SqliteFiles
from bench.common import aligned_table

TARGET_SCALE = 1000
MEMORY_DIR = Path("/dev/shm")
CSV_MAX_S = 5.0
CSV_EXPORT = "CSV export, all decisions"
MADR_EXPORT = "MADR export, newest decisions"
MADR_IMPORT = "MADR import into a new database"

RAW_DECISIONS_SQL = (
    "SELECT id, title, status, decision_date, review_by, tags, created_by_id, "
    "superseded_by_id, description, context, outcome, created_at, updated_at, deleted_at "
    "FROM decisions WHERE deleted_at IS NULL ORDER BY decision_date DESC, id DESC"
)


class BenchError(RuntimeError):
    """The benchmark could not run, or the baseline wrote a different file."""


@dataclass(frozen=True)
class Result:
    """One row of the table."""

    measurement: str
    backend: str
    figure_s: float
    baseline_s: float | None
    baseline_label: str
    target: str
    verdict: str
    note: str


# -- the raw baseline ---------------------------------------------------------------------


def _iso_timestamp(value: Any) -> str:
    if value is None:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment.isoformat(timespec="seconds") + "Z"


def _iso_date(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _write_raw_csv(
    out: Path,
    decisions: Iterable[Sequence[Any]],
    participants: Iterable[tuple[int, int]],
    emails: dict[int, str],
    tags_of: Callable[[Any], list[str]],
) -> int:
    people: dict[int, list[str]] = {}
    for decision_id, user_id in participants:
        people.setdefault(decision_id, []).append(emails[user_id])
    written = 0
    with out.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
        for row in decisions:
            (ident, title, status, day, review, tags, creator, successor) = row[:8]
            description, context, outcome, created, updated, deleted = row[8:]
            writer.writerow(
                (
                    ident,
                    csv_cell(title),
                    status,
                    _iso_date(day),
                    _iso_date(review),
                    csv_cell(LIST_SEPARATOR.join(tags_of(tags))),
                    csv_cell(LIST_SEPARATOR.join(sorted(people.get(ident, ())))),
                    csv_cell(emails.get(creator, "")),
                    "" if successor is None else successor,
                    csv_cell(description),
                    csv_cell(context),
                    csv_cell(outcome),
                    _iso_timestamp(created),
                    _iso_timestamp(updated),
                    _iso_timestamp(deleted),
                )
            )
            written += 1
    return written


def raw_csv(target: BenchDatabase, out: Path) -> int:
    """The same CSV through the raw driver: users, participants and decisions, one query each."""
    if target.backend == "sqlite":
        conn = sqlite3.connect(target.raw_target, isolation_level=None)
        try:
            conn.execute("BEGIN")
            emails = dict(conn.execute("SELECT id, email FROM users").fetchall())
            participants = conn.execute(
                "SELECT decision_id, user_id FROM decision_participants"
            ).fetchall()
            return _write_raw_csv(
                out,
                conn.execute(RAW_DECISIONS_SQL),
                participants,
                emails,
                lambda tags: json.loads(tags) if tags else [],
            )
        finally:
            conn.close()
    with psycopg.connect(target.raw_target) as pg:
        emails = dict(pg.execute("SELECT id, email FROM users").fetchall())
        participants = pg.execute(
            "SELECT decision_id, user_id FROM decision_participants"
        ).fetchall()
        with pg.cursor(name="decisions") as cursor:
            cursor.itersize = 10_000
            cursor.execute(RAW_DECISIONS_SQL)
            return _write_raw_csv(
                out,
                cursor,
                participants,
                emails,
                lambda tags: list(tags or ()),
            )


# -- measurements -------------------------------------------------------------------------


def _paired(
    figure: Callable[[], object], baseline: Callable[[], object], runs: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median (wall, CPU) seconds of ``figure`` and ``baseline``, alternated after a warm-up.

    CPU time is reported beside wall time: on a shared machine other processes stretch
    the wall clock of both sides, but hardly the CPU each side itself needs.
    """
    figure()
    baseline()
    timings: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
    for _ in range(runs):
        for fn, sink in ((baseline, timings[1]), (figure, timings[0])):
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            sink.append((time.perf_counter() - wall, time.process_time() - cpu))

    def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)

    return medians(timings[0]), medians(timings[1])


def bench_csv(target: BenchDatabase, folder: Path, runs: int) -> Result:
    """Export every live decision to CSV, against the raw driver writing the same file."""
    database = Database(target.url)
    ours, theirs = folder / f"export-{target.backend}.csv", folder / f"raw-{target.backend}.csv"
    try:
        exporter = DecisionExporter(database, CLI_OPERATOR)
        counts: list[int] = []
        (figure_s, figure_cpu), (baseline_s, baseline_cpu) = _paired(
            lambda: counts.append(exporter.export_csv(ours).decisions),
            lambda: raw_csv(target, theirs),
            runs,
        )
    finally:
        database.dispose()
    try:
        if ours.read_bytes() != theirs.read_bytes():
            raise BenchError(f"{CSV_EXPORT}: the raw baseline wrote a different file")
        size_mb = ours.stat().st_size / 1e6
    finally:
        ours.unlink(missing_ok=True)
        theirs.unlink(missing_ok=True)
    return Result(
        CSV_EXPORT,
        target.backend,
        figure_s,
        baseline_s,
        f"raw {'sqlite3' if target.backend == 'sqlite' else 'psycopg'}, one query per "
        "table, byte-identical file",
        f"<= {CSV_MAX_S:g} s",
        "PASS" if figure_s <= CSV_MAX_S else "FAIL",
        f"{counts[-1]:,} decisions, {size_mb:,.0f} MB written to {folder}; median of {runs}; "
        "CPU time of this "
        f"process {figure_cpu:.2f} s (raw: {baseline_cpu:.2f} s, "
        f"{figure_cpu / baseline_cpu:.2f}x)",
    )


def bench_madr(
    factory: SqliteFiles | PostgresDatabases, source: BenchDatabase, folder: Path, newest: int
) -> list[Result]:
    """MADR export of the newest decisions, then their import into a new database."""
    database = Database(source.url)
    try:
        with database.read() as session:
            rows = DecisionRepository(session).page(limit=newest).rows
            users = [dict(row._mapping) for row in session.execute(select(User.__table__))]
        since = rows[-1].decision_date if rows else dt.date(1900, 1, 1)
        adr = folder / "adr"
        start = time.perf_counter()
        exported = DecisionExporter(database, CLI_OPERATOR).export_madr(
            adr, DecisionFilter(date_from=since)
        )
        export_s = time.perf_counter() - start
    finally:
        database.dispose()
    target = Database(factory.create("import").url)
    try:
        with target.write() as session:
            session.execute(insert(User), users)
        actor, _ = importing_actor(target, None)
        importer = DecisionImporter(target, actor)
        start = time.perf_counter()
        plan = importer.plan(adr)
        plan_s = time.perf_counter() - start
        report = importer.apply(plan)
        import_s = time.perf_counter() - start
    finally:
        target.dispose()
    imported = len(report.imported_ids)
    if report.has_problems or imported != exported.decisions:
        raise BenchError(f"{MADR_IMPORT}: imported {imported} of {exported.decisions} files")
    return [
        Result(
            MADR_EXPORT,
            source.backend,
            export_s,
            None,
            "none",
            "none (informative)",
            "info",
            f"{exported.decisions:,} files + index, {exported.decisions / export_s:,.0f} files/s",
        ),
        Result(
            MADR_IMPORT,
            source.backend,
            import_s,
            None,
            "none",
            "none (informative)",
            "info",
            f"{imported:,} decisions, {imported / import_s:,.0f}/s, one transaction each; "
            f"preview {plan_s:.2f} s",
        ),
    ]


def render_table(results: Sequence[Result]) -> str:
    """The results as an aligned text table, with baselines and notes below it."""
    lines = [
        (
            r.measurement,
            r.backend,
            f"{r.figure_s:.2f} s",
            "-" if r.baseline_s is None else f"{r.baseline_s:.2f} s",
            "-" if r.baseline_s is None else f"{r.figure_s / r.baseline_s:.2f}x",
            r.target,
            r.verdict,
        )
        for r in results
    ]
    notes = [f"{r.measurement} [{r.backend}]: {r.baseline_label}; {r.note}" for r in results]
    return aligned_table(lines, notes, "figure's time over baseline's time")


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of ``python -m bench.decisions_io``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.decisions_io",
        description="Benchmark decision CSV/MADR export and MADR import.",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=TARGET_SCALE,
        help=f"demo-data scale (default {TARGET_SCALE}: ~100,000 decisions)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3, help="timed CSV exports (default 3)")
    parser.add_argument(
        "--madr", type=int, default=1000, help="newest decisions to export and import as MADR"
    )
    parser.add_argument(
        "--csv-dir",
        type=Path,
        default=MEMORY_DIR if MEMORY_DIR.is_dir() else None,
        help="where the timed CSV files are written (default: /dev/shm when it exists, so the "
        "disk's write-back under other load does not decide the figure; else a temp folder)",
    )
    parser.add_argument("--results", type=Path, help="also write the results as JSON here")
    return parser


def _log(started: float, message: str) -> None:
    sys.stderr.write(f"[{time.monotonic() - started:6.1f}s] {message}\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table; 1 if the CSV target failed at full scale, 2 if it could not run."""
    args = build_parser().parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgresql"} or not backends or args.scale < 1 or args.runs < 1:
        sys.stderr.write("error: use --backends sqlite,postgresql, --scale >= 1, --runs >= 1\n")
        return 2
    started = time.monotonic()
    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory(prefix="asyncops-bench-io-") as tmp:
            for backend in backends:
                folder = Path(tmp) / backend
                folder.mkdir()
                factory: SqliteFiles | PostgresDatabases
                if backend == "sqlite":
                    factory = SqliteFiles(folder)
                else:
                    try:
                        factory = PostgresDatabases(args.pg_url)
                    except psycopg.OperationalError as exc:
                        raise BenchError(
                            f"PostgreSQL is unreachable at {mask_url(args.pg_url)}: {exc}"
                        ) from exc
                try:
                    target = factory.create("demo")
                    _log(started, f"{backend}: generating demo data at scale {args.scale}")
                    database = Database(target.url)
                    try:
                        generate(database, scale=args.scale, seed=args.seed)
                    finally:
                        database.dispose()
                    _log(started, f"{backend}: timing the CSV export")
                    results.append(bench_csv(target, args.csv_dir or folder, args.runs))
                    _log(started, f"{backend}: MADR export and import of {args.madr:,}")
                    results += bench_madr(factory, target, folder, args.madr)
                finally:
                    factory.close()
    except BenchError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    print(
        f"AsyncOps Desktop decision import/export benchmark: scale {args.scale}, seed {args.seed}"
    )
    print()
    print(render_table(results))
    if args.scale < TARGET_SCALE:
        print(f"\nscale {args.scale} < {TARGET_SCALE}: a smoke check, verdicts are informative.")
    if args.results is not None:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        document = {"scale": args.scale, "seed": args.seed, "rows": [asdict(r) for r in results]}
        args.results.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    failed = any(r.verdict == "FAIL" for r in results)
    return 1 if failed and args.scale >= TARGET_SCALE else 0


if __name__ == "__main__":
    raise SystemExit(main())
