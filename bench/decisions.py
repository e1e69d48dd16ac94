"""``python -m bench.decisions``: decision search and opening a long history, next to baselines.

- Search, for several queries in web-search syntax (common and rare words, two words, an
  exact phrase, an excluded word, OR): the first ranked page as the list asks for it
  (``DecisionService.search``, 51 rows) against the raw driver fetching the plain first page
  of 50 decisions by date in the same run; target <= 20 ms. Then counting every match
  (``DecisionService.count`` with the text filter, as the list's total) against the raw
  driver counting ``LIKE '%…%'`` over title, description, context and outcome (``ILIKE``
  on PostgreSQL, since full-text search ignores case as SQLite's ``LIKE`` does); target:
  at least 10x faster. Both counts are shown: ``LIKE`` matches substrings, search matches
  word prefixes, so they differ a little.
- Opening a decision with 1,000 audit entries on the real Decisions page (offscreen, its
  database worker thread): from ``open_record`` to the editor and History panel rendered
  (``grab``), against the raw driver fetching the decision and its audit rows with their
  authors; target <= 100 ms. SQL statements the page issues on the way are counted with a
  ``before_cursor_execute`` listener; target <= 5.

Targets are stated for ``--scale 1000`` (~100,000 decisions). Medians of paired runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, text

from asyncops_desktop.db import Database, mask_url, sqlite_path
from asyncops_desktop.demo_data import generate
from asyncops_desktop.dialect import parse_search
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.repositories.decisions import DecisionFilter
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from bench.backends import DEFAULT_PG_URL, BenchDatabase, PostgresDatabases, SqliteFiles, conninfo
from bench.common import BenchError, Result, log, paired_medians, verdict
from bench.common import driver as _driver
from bench.raw import PostgresDecisions, RawDecisions, SqliteDecisions

TARGET_SCALE = 1000
PAGE_SIZE = 50
FIRST_PAGE_MAX_MS = 20.0
COUNT_MIN_SPEEDUP = 10.0
OPEN_MAX_MS = 100.0
OPEN_MAX_STATEMENTS = 5
AUDIT_ENTRIES = 1000
SEARCH_COLUMNS = ("title", "description", "context", "outcome")
# From the demo vocabulary: a word in two thirds of all decisions, a rarer one, two words,
# an exact phrase, an excluded word and an OR.
QUERIES = (
    "rollout",
    "PgBouncer",
    "canary deploys",
    '"error budget"',
    "incidents -payments",
    "residency OR Playwright",
)
SEARCH_PAGE = "search first page"
SEARCH_COUNT = "search count"
OPEN_TIME = "open a decision with 1,000 changes"
OPEN_STATEMENTS = "  SQL statements to open it"


# -- search -------------------------------------------------------------------------------


def like_sql(query: str, backend: str) -> tuple[str, list[str]]:
    """``query`` as a count of ``LIKE '%…%'`` matches over the searched columns, with params.

    Each included word or phrase must occur in one of the columns, an excluded one in none;
    OR-groups are alternatives: the same reading of the syntax as the full-text search.
    """
    operator = "ILIKE" if backend == "postgresql" else "LIKE"
    mark = "%s" if backend == "postgresql" else "?"
    params: list[str] = []
    groups = []
    for group in parse_search(query):
        terms = []
        for term in group:
            phrase = " ".join(term.words).replace("\\", "\\\\")
            phrase = phrase.replace("%", "\\%").replace("_", "\\_")
            any_column = " OR ".join(
                f"{column} {operator} {mark} ESCAPE '\\'" for column in SEARCH_COLUMNS
            )
            params += [f"%{phrase}%"] * len(SEARCH_COLUMNS)
            terms.append(f"{'NOT ' if term.excluded else ''}({any_column})")
        groups.append("(" + " AND ".join(terms) + ")")
    where = " OR ".join(groups) or "FALSE"
    return f"SELECT count(*) FROM decisions WHERE deleted_at IS NULL AND ({where})", params


class RawCounter:
    """``LIKE`` counts on the raw driver, inside one read transaction."""

    def __init__(self, target: BenchDatabase) -> None:
        self.backend = target.backend
        self.sqlite: sqlite3.Connection | None = None
        self.pg: psycopg.Connection[Any] | None = None
        if target.backend == "sqlite":
            self.sqlite = sqlite3.connect(target.raw_target, isolation_level=None)
            self.sqlite.execute("BEGIN")
        else:
            self.pg = psycopg.connect(target.raw_target)

    def count(self, query: str) -> int:
        """How many live decisions ``LIKE`` finds for ``query``."""
        sql, params = like_sql(query, self.backend)
        if self.sqlite is not None:
            row = self.sqlite.execute(sql, params).fetchone()
        else:
            assert self.pg is not None
            row = self.pg.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """End the transaction and close."""
        if self.sqlite is not None:
            self.sqlite.execute("COMMIT")
            self.sqlite.close()
        if self.pg is not None:
            self.pg.rollback()
            self.pg.close()


def bench_search(target: BenchDatabase, actor: Actor, runs: int) -> list[Result]:
    """First ranked page and match count for each query, each next to its baseline."""
    backend = target.backend
    database = Database(target.url)
    raw: RawDecisions = (
        SqliteDecisions(target.raw_target)
        if backend == "sqlite"
        else PostgresDecisions(target.raw_target)
    )
    counter = RawCounter(target)
    service = DecisionService(database, actor)
    results: list[Result] = []
    try:
        for query in QUERIES:
            hits = service.search(query, limit=PAGE_SIZE + 1)
            if not hits:
                raise BenchError(f"{SEARCH_PAGE}: {query!r} found nothing; wrong demo data?")
            page_ms, plain_ms = paired_medians(
                lambda q=query: service.search(q, limit=PAGE_SIZE + 1),  # type: ignore[misc]
                lambda: raw.page(None, PAGE_SIZE),
                runs,
            )
            results.append(
                Result(
                    f"{SEARCH_PAGE}, {query}",
                    backend,
                    page_ms,
                    "ms",
                    plain_ms,
                    f"raw {_driver(backend)}: plain first page of {PAGE_SIZE} by date",
                    page_ms / plain_ms,
                    f"<= {FIRST_PAGE_MAX_MS:g} ms",
                    verdict(page_ms <= FIRST_PAGE_MAX_MS),
                    f"{query!r}: {len(hits)} rows asked as the list does; median of {runs}",
                )
            )
            text_filter = DecisionFilter(text=query)
            found = service.count(text_filter)
            like_found = counter.count(query)
            count_runs = max(3, runs // 10)
            count_ms, like_ms = paired_medians(
                lambda f=text_filter: service.count(f),  # type: ignore[misc]
                lambda q=query: counter.count(q),  # type: ignore[misc]
                count_runs,
                warmup=1,
            )
            speedup = like_ms / count_ms
            results.append(
                Result(
                    f"{SEARCH_COUNT}, {query}",
                    backend,
                    count_ms,
                    "ms",
                    like_ms,
                    f"raw {_driver(backend)}: count of {'ILIKE' if backend == 'postgresql' else 'LIKE'}"
                    " '%…%' over the four columns",
                    count_ms / like_ms,
                    f">= {COUNT_MIN_SPEEDUP:g}x faster",
                    verdict(speedup >= COUNT_MIN_SPEEDUP),
                    f"{query!r}: {found:,} matches ({like_found:,} by LIKE), {speedup:.1f}x "
                    f"faster; median of {count_runs}",
                )
            )
    finally:
        counter.close()
        raw.close()
        database.dispose()
    return results


# -- opening a decision with a long history -------------------------------------------------


def admin_actor(database: Database) -> Actor:
    """An active admin of the demo data."""
    with database.read() as session:
        user_id = session.execute(
            text("SELECT id FROM users WHERE role = 'admin' AND is_active ORDER BY id LIMIT 1")
        ).scalar()
    if user_id is None:
        raise BenchError("the demo data has no active admin")
    return Actor(int(user_id), Role.ADMIN)


def add_long_history(database: Database, actor: Actor, entries: int) -> tuple[int, int]:
    """A decision changed through the service until it has ``entries`` audit entries, and a
    short one to switch to between timed openings."""
    import datetime as dt

    service = DecisionService(database, actor)
    # An old date keeps both out of the list's first page, so opening them fetches the row.
    day = dt.date(2001, 1, 1)
    detail = service.record(
        title="Bench: a decision edited a thousand times",
        description="Opened by the benchmark.",
        context="Every save below changes one field and writes one audit entry.",
        outcome="Version 0",
        decision_date=day,
        tags=["bench"],
    )
    decision = detail.decision
    version = decision.version
    for n in range(1, entries):
        changes: dict[str, Any] = (
            {"outcome": f"Version {n}: the outcome, reworded for the {n}th time."}
            if n % 2
            else {"context": f"Context after change {n}, with a few more words than before."}
        )
        version = service.update(decision.id, expected_version=version, **changes).decision.version
    other = service.record(
        title="Bench: a decision with a short history",
        description="Shown between timed openings.",
        context="-",
        outcome="-",
        decision_date=day,
    )
    return decision.id, other.decision.id


def raw_open(target: BenchDatabase, decision_id: int) -> Callable[[], object]:
    """The raw driver fetching the decision and its audit rows with authors' names."""
    decision_sql = (
        "SELECT d.*, u.full_name FROM decisions AS d JOIN users AS u ON u.id = d.created_by_id "
        "WHERE d.id = {p}"
    )
    audit_sql = (
        "SELECT a.id, a.decision_id, a.changed_by_id, u.full_name, a.change_type, a.field_name, "
        "a.old_value, a.new_value, a.changed_at FROM decision_audit_log AS a "
        "JOIN users AS u ON u.id = a.changed_by_id WHERE a.decision_id = {p} "
        "ORDER BY a.changed_at DESC, a.id DESC"
    )
    if target.backend == "sqlite":
        path = target.raw_target

        def sqlite_fetch() -> object:
            conn = sqlite3.connect(path, isolation_level=None)
            try:
                conn.execute("BEGIN")
                row = conn.execute(decision_sql.format(p="?"), (decision_id,)).fetchone()
                rows = conn.execute(audit_sql.format(p="?"), (decision_id,)).fetchall()
                conn.execute("COMMIT")
                return row, rows
            finally:
                conn.close()

        return sqlite_fetch
    pg = psycopg.connect(target.raw_target)

    def pg_fetch() -> object:
        row = pg.execute(decision_sql.format(p="%s"), (decision_id,)).fetchone()
        rows = pg.execute(audit_sql.format(p="%s"), (decision_id,)).fetchall()
        pg.rollback()
        return row, rows

    return pg_fetch


def bench_open(target: BenchDatabase, actor: Actor, runs: int) -> list[Result]:
    """Open the long-history decision on the real Decisions page, again and again."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from asyncops_desktop.services.auth import SignedIn
    from asyncops_desktop.services.users import UserService
    from ui.connection import ConnectionInfo, DatabaseHandle
    from ui.context import AppContext
    from ui.pages.decision_history import FIRST_BATCH
    from ui.pages.decisions import DecisionsPage
    from ui.worker import DatabaseWorker

    app = QApplication.instance() or QApplication([])
    database = Database(target.url)
    try:
        heavy, light = add_long_history(database, actor, AUDIT_ENTRIES)
        signed_in = SignedIn(UserService(database, actor).get(actor.user_id), actor)
    finally:
        database.dispose()

    def wait_until(done: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise BenchError(f"{OPEN_TIME}: timed out waiting for {what}")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)

    worker = DatabaseWorker()
    handle = DatabaseHandle(target.url)
    opened: list[object] = []
    worker.submit(handle.open, opened.append, opened.append)
    wait_until(lambda: bool(opened), "the database to open")
    if not isinstance(opened[0], ConnectionInfo):
        raise BenchError(f"{OPEN_TIME}: could not open the database: {opened[0]}")
    context = AppContext(worker, handle, signed_in)
    page = DecisionsPage(context)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    assert handle.database is not None
    engine = handle.database.engine
    try:
        page.resize(1280, 760)
        page.show()
        wait_until(lambda: worker.pending_jobs == 0, "the page's first loads")
        history = page.editor.history
        counts: list[int] = []

        def open_one(decision_id: int) -> None:
            loaded: list[int] = []
            page.editor.history_loaded.connect(loaded.append)
            try:
                page.open_record(decision_id)
                wait_until(lambda: bool(loaded), f"decision {decision_id}'s history")
            finally:
                page.editor.history_loaded.disconnect(loaded.append)

        def open_heavy() -> float:
            # Switch away untimed, so each timed opening loads the decision afresh.
            open_one(light)
            wait_until(lambda: worker.pending_jobs == 0, "the short decision")
            app.processEvents()
            statements.clear()
            start = time.perf_counter()
            open_one(heavy)
            image = page.editor.grab()
            elapsed = time.perf_counter() - start
            counts.append(len(statements))
            if image.isNull():
                raise BenchError(f"{OPEN_TIME}: the editor did not render")
            return elapsed

        event.listen(engine, "before_cursor_execute", count)
        try:
            open_heavy()
            shown = page.editor.record
            if shown is None or shown.id != heavy or len(history.entries) != AUDIT_ENTRIES:
                raise BenchError(
                    f"{OPEN_TIME}: the page shows {len(history.entries)} entries, "
                    f"not {AUDIT_ENTRIES}"
                )
            if history.rendered_count() != min(FIRST_BATCH, AUDIT_ENTRIES):
                raise BenchError(f"{OPEN_TIME}: {history.rendered_count()} entries rendered")
            fetch = raw_open(target, heavy)
            for _ in range(2):
                fetch()
                open_heavy()
            samples: list[float] = []
            baselines: list[float] = []
            counts.clear()
            # Alternate, as paired_medians does; the untimed switch to the short decision
            # inside open_heavy is not part of the figure.
            for _ in range(runs):
                start = time.perf_counter()
                fetch()
                baselines.append((time.perf_counter() - start) * 1000)
                samples.append(open_heavy() * 1000)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        baseline_ms = statistics.median(baselines)
        figure_ms = statistics.median(samples)
        statements_used = max(counts)
        last_statements = list(statements)
    finally:
        page.close()
        page.deleteLater()
        stopped: list[bool] = []
        worker.stopped.connect(lambda: stopped.append(True))
        worker.stop(handle.close)
        wait_until(lambda: bool(stopped) or not worker.is_running, "the worker to stop")
    backend = target.backend
    return [
        Result(
            OPEN_TIME,
            backend,
            figure_ms,
            "ms",
            baseline_ms,
            f"raw {_driver(backend)}: the decision and its {AUDIT_ENTRIES:,} audit rows with "
            "authors, two queries",
            figure_ms / baseline_ms,
            f"<= {OPEN_MAX_MS:g} ms",
            verdict(figure_ms <= OPEN_MAX_MS),
            f"open_record to editor and History rendered ({FIRST_BATCH} entries drawn, "
            f"{AUDIT_ENTRIES:,} loaded), through the page's worker thread; median of {runs}",
        ),
        Result(
            OPEN_STATEMENTS,
            backend,
            float(statements_used),
            "queries",
            2.0,
            "the raw baseline's two queries",
            statements_used / 2.0,
            f"<= {OPEN_MAX_STATEMENTS}",
            verdict(statements_used <= OPEN_MAX_STATEMENTS),
            "most in any run, every statement counted (BEGIN too): "
            + "; ".join(" ".join(s.split())[:60] for s in last_statements),
        ),
    ]


# -- running ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of ``python -m bench.decisions``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.decisions",
        description="Benchmark decision search and opening a decision with a long history.",
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
    parser.add_argument("--runs", type=int, default=30, help="timed runs per figure (default 30)")
    parser.add_argument(
        "--db",
        action="append",
        default=[],
        help="measure this existing demo database instead of generating one (repeatable; "
        "adds one decision with 1,000 changes to it)",
    )
    parser.add_argument("--results", type=Path, help="also write the results as JSON here")
    return parser


def _measure(target: BenchDatabase, runs: int, started: float) -> list[Result]:
    database = Database(target.url)
    try:
        actor = admin_actor(database)
    finally:
        database.dispose()
    log(started, f"{target.backend}: timing search")
    results = bench_search(target, actor, runs)
    log(started, f"{target.backend}: adding {AUDIT_ENTRIES:,} changes, timing the opening")
    results += bench_open(target, actor, max(5, runs // 2))
    return results


def _existing(url: str) -> BenchDatabase:
    path = sqlite_path(url)
    if path is not None:
        return BenchDatabase("sqlite", url, str(path))
    return BenchDatabase("postgresql", url, conninfo(url))


def render(results: Sequence[Result]) -> str:
    """The table, as ``python -m bench`` prints it."""
    from bench.run import render_table

    return render_table(results)


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table; 1 if a target failed at full scale, 2 if it could not run."""
    args = build_parser().parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgresql"} or not backends or args.scale < 1 or args.runs < 1:
        sys.stderr.write("error: use --backends sqlite,postgresql, --scale >= 1, --runs >= 1\n")
        return 2
    started = time.monotonic()
    results: list[Result] = []
    try:
        if args.db:
            for url in args.db:
                results += _measure(_existing(url), args.runs, started)
        else:
            with tempfile.TemporaryDirectory(prefix="asyncops-bench-decisions-") as tmp:
                for backend in backends:
                    factory: SqliteFiles | PostgresDatabases
                    if backend == "sqlite":
                        factory = SqliteFiles(Path(tmp))
                    else:
                        try:
                            factory = PostgresDatabases(args.pg_url)
                        except psycopg.OperationalError as exc:
                            raise BenchError(
                                f"PostgreSQL is unreachable at {mask_url(args.pg_url)}: {exc}"
                            ) from exc
                    try:
                        target = factory.create("demo")
                        log(started, f"{backend}: generating demo data at scale {args.scale}")
                        database = Database(target.url)
                        try:
                            generate(database, scale=args.scale, seed=args.seed)
                            if backend == "postgresql":
                                # What autovacuum does soon after a bulk load: statistics
                                # for the planner and the visibility map.
                                with database.engine.connect() as conn:
                                    conn.execution_options(isolation_level="AUTOCOMMIT")
                                    conn.exec_driver_sql("VACUUM ANALYZE")
                        finally:
                            database.dispose()
                        results += _measure(target, args.runs, started)
                    finally:
                        factory.close()
    except BenchError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    print(f"AsyncOps Desktop decision search and history benchmark: scale {args.scale}")
    print()
    print(render(results))
    if args.scale < TARGET_SCALE and not args.db:
        print(f"\nscale {args.scale} < {TARGET_SCALE}: a smoke check, verdicts are informative.")
    if args.results is not None:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        document = {"scale": args.scale, "seed": args.seed, "rows": [asdict(r) for r in results]}
        args.results.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    failed = any(r.verdict == "FAIL" for r in results)
    return 1 if failed and (args.scale >= TARGET_SCALE or args.db) else 0


if __name__ == "__main__":
    raise SystemExit(main())
