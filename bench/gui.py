"""``python -m bench.gui``: how the GUI feels on a big database, each figure next to a baseline.

On the demo data of ``--scale`` (100,000 decisions at 1000), loaded into a SQLite file and
a PostgreSQL database made for this run (``bench/gui_data.py``):

1. Cold start: a child process runs the real app (``python -m ui``) on the SQLite file,
   already signed in (a remember-me token in its keyring, ``bench/gui_keyring.py``), and
   reports through the app's start-up probe (``ASYNCOPS_STARTUP_PROBE``, see ``ui/app.py``)
   when the Decisions page it opens on has painted its first rows. Baseline: a bare PySide6
   process showing an empty ``QTableView`` (``bench/gui_child.py bare``), alternated with
   it. Wall time from ``Popen`` to the paint, CPU time and resident memory of both.
   Target <= 1 s. Python compiles the app's modules once into a cache of the run's own
   (an installed app has its bytecode), and one launch of each warms the caches first.
2. Lists: the real Status updates, Incidents, Blockers and Decisions pages with the real
   database worker, offscreen, in this process: opening a page (building it, counting and
   fetching the first page on the worker, painting the rows), a header click that re-sorts,
   and a search that filters; each from the trigger until the view has painted the new
   rows. Baseline: the raw ``sqlite3``/``psycopg`` driver running the very statements the
   page's load job runs (captured from SQLAlchemy). Targets <= 50 ms on SQLite, <= 100 ms
   on PostgreSQL.
3. Scrolling: a SQLite file with a million status updates (raw driver); a child process
   opens the Status updates page and scrolls until row 10,000 exists. Pages fetched against
   ceil(10,001 / page size); resident memory against the bare window's, target < 300 MB.
4. The GUI thread never waits on the database: a 5 ms heartbeat ``QTimer`` records the
   longest stall of the event loop while the pages reload, re-sort and filter on
   PostgreSQL behind a proxy adding 20 ms to every client message (``bench/latency.py``).
   Baseline: the same without the proxy. Target: no stall over 50 ms.

Medians of alternating runs. Targets hold at ``--scale 1000``; smaller scales are smoke
checks whose verdicts never change the exit status.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from asyncops_desktop import APP_NAME
from asyncops_desktop.credentials import CredentialStore
from asyncops_desktop.db import Database, mask_url
from asyncops_desktop.domain.models import utcnow
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore
from asyncops_desktop.services.auth import AuthService
from asyncops_desktop.services.base import Actor
from bench.backends import DEFAULT_PG_URL, BenchDatabase, PostgresDatabases, SqliteFiles
from bench.common import BenchError, Result, aligned_table, result_notes
from bench.common import driver as _driver
from bench.common import log as _log
from bench.common import verdict as _verdict
from bench.gui_data import fill_status_updates, load_demo
from bench.gui_keyring import secrets_env
from bench.latency import LatencyProxy

TARGET_SCALE = 1000
RESULTS_PATH = Path(__file__).resolve().parent / "results" / "gui.json"
REPO = Path(__file__).resolve().parent.parent

COLD_START_MAX_S = 1.0
LIST_MAX_MS = {"sqlite": 50.0, "postgresql": 100.0}
STALL_MAX_MS = 50.0
RSS_MAX_MB = 300.0
SCROLL_ROW = 10_000
BIG_TABLE_ROWS = 1_000_000
LATENCY_MS = 20.0
HEARTBEAT_MS = 5
START_PAGE = "Decisions"
TIMEOUT_S = 60.0

COLD_START = "cold start to first rows painted"
COLD_MEMORY = "resident memory at first rows"
OPEN = "open list: count + first page painted"
SORT = "header click: re-sorted rows painted"
FILTER = "search: filtered rows painted"
SCROLL_PAGES = "scroll to row 10,000: pages fetched"
SCROLL_MEMORY = "resident memory, 1M-row list scrolled"
STALL = "longest GUI stall, lists load/sort/filter"


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    # An installed app runs from compiled bytecode: let the children compile into a cache
    # of this run's own (the work tree stays clean) rather than recompile at every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def _first_admin(database: Database) -> int:
    with database.read() as session:
        ident = session.execute(
            text("SELECT min(id) FROM users WHERE role = 'admin' AND is_active")
        ).scalar()
    if ident is None:
        raise BenchError("the demo data has no active admin to sign in as")
    return int(ident)


def issue_token(url: str) -> str:
    """A remember-me token for the database's first active admin."""
    database = Database(url)
    try:
        return AuthService(database).issue_token(_first_admin(database))
    finally:
        database.dispose()


# -- 1. cold start ------------------------------------------------------------------------


@dataclass(frozen=True)
class Launch:
    """What one child process reported."""

    wall_s: float
    cpu_s: float
    rss_mb: float


def _launch(command: list[str], env: dict[str, str], marker: str) -> Launch:
    start = time.time()
    done = subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT_S * 2
    )
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            fields = json.loads(line)
        elif line.startswith(marker):
            fields = dict(part.split("=", 1) for part in line.split()[2:])
        else:
            continue
        return Launch(
            float(fields["epoch"]) - start, float(fields["cpu_s"]), int(fields["rss_kb"]) / 1024
        )
    raise BenchError(
        f"{' '.join(command[1:])} reported nothing (exit {done.returncode}): "
        f"{done.stderr.strip()[-1500:]}"
    )


def prepare_home(home: Path, database: BenchDatabase, token: str) -> dict[str, str]:
    """A config folder with one profile on ``database``, last used, left on START_PAGE."""
    from PySide6.QtCore import QSettings

    config = home / "config"
    folder = config / APP_NAME
    folder.mkdir(parents=True, exist_ok=True)
    store = ProfileStore(folder)
    profile = store.add(
        Profile(name="Benchmark", kind=ProfileKind.SQLITE, path=database.raw_target)
    )
    store.set_last_used(profile.id)
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(f"profiles/{profile.id}/window/last_page", START_PAGE)
    settings.sync()
    entry = CredentialStore._entry(profile.id, "token")
    return {
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(home / "data"),
        "PYTHONPYCACHEPREFIX": str(home / "pycache"),
        **secrets_env({entry: token}),
    }


def bench_cold_start(
    database: BenchDatabase, home: Path, runs: int, started: float
) -> tuple[list[Result], Launch]:
    """The app's launch to its first painted rows, against a bare Qt window."""
    env = _child_env(prepare_home(home, database, issue_token(database.url)))
    app_env = {**env, "ASYNCOPS_STARTUP_PROBE": "1"}
    app_cmd = [sys.executable, "-m", "ui"]
    bare_cmd = [sys.executable, "-m", "bench.gui_child", "bare"]
    # Warm-up: bytecode cache, page cache, fonts.
    _launch(bare_cmd, env, "")
    _launch(app_cmd, app_env, "startup-probe")
    apps: list[Launch] = []
    bares: list[Launch] = []
    for run in range(runs):
        bares.append(_launch(bare_cmd, env, ""))
        apps.append(_launch(app_cmd, app_env, "startup-probe"))
        _log(
            started,
            f"cold start {run + 1}/{runs}: app {apps[-1].wall_s:.2f} s, bare "
            f"{bares[-1].wall_s:.2f} s",
        )
    app = Launch(*(_median([getattr(a, f) for a in apps]) for f in ("wall_s", "cpu_s", "rss_mb")))
    bare = Launch(*(_median([getattr(b, f) for b in bares]) for f in ("wall_s", "cpu_s", "rss_mb")))
    return [
        Result(
            COLD_START,
            "sqlite",
            app.wall_s * 1000,
            "ms",
            bare.wall_s * 1000,
            "bare PySide6 process showing an empty QTableView, alternated",
            app.wall_s / bare.wall_s,
            f"<= {COLD_START_MAX_S:g} s",
            _verdict(app.wall_s <= COLD_START_MAX_S),
            f"signed in, opens on {START_PAGE}; CPU {app.cpu_s:.2f} s (bare {bare.cpu_s:.2f} s); "
            f"median of {runs}",
        ),
        Result(
            COLD_MEMORY,
            "sqlite",
            app.rss_mb,
            "MB",
            bare.rss_mb,
            "the bare window's resident memory",
            app.rss_mb / bare.rss_mb,
            "none (informative)",
            "info",
            f"VmRSS when the rows are painted; median of {runs}",
        ),
    ], bare


# -- 2. and 4. lists in this process ------------------------------------------------------


class StatementLog:
    """The SQL statements (and parameters) one thread sends through an engine."""

    def __init__(self, database: Database) -> None:
        self.statements: list[tuple[str, Any]] = []
        self._thread = threading.get_ident()
        event.listen(database.engine, "before_cursor_execute", self._on_execute)

    def _on_execute(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any
    ) -> None:
        # Transaction control is the replay's own (one read transaction, as the job's).
        if threading.get_ident() == self._thread and not statement.lstrip().upper().startswith(
            ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")
        ):
            self.statements.append((statement, parameters))


class RawReplay:
    """The raw driver running given statements in one transaction, fetching every row."""

    def __init__(self, target: BenchDatabase) -> None:
        self.backend = target.backend
        self.lite: sqlite3.Connection | None = None
        self.pg: psycopg.Connection[Any] | None = None
        if target.backend == "sqlite":
            self.lite = sqlite3.connect(target.raw_target, isolation_level=None)
        else:
            self.pg = psycopg.connect(target.raw_target)

    def run(self, statements: Sequence[tuple[str, Any]]) -> int:
        """Run the statements; the number of rows they returned."""
        rows = 0
        if self.lite is not None:
            self.lite.execute("BEGIN")
            for sql, params in statements:
                rows += len(self.lite.execute(sql, params).fetchall())
            self.lite.execute("COMMIT")
        elif self.pg is not None:
            for sql, params in statements:
                cursor = self.pg.execute(sql, params)
                # A SET (a search's planner setting) returns no rows to fetch.
                if cursor.description is not None:
                    rows += len(cursor.fetchall())
            self.pg.rollback()
        return rows

    def close(self) -> None:
        """Close the connection."""
        if self.lite is not None:
            self.lite.close()
        if self.pg is not None:
            self.pg.close()


class Session:
    """A signed-in ``AppContext`` on the real worker, a host window and the Qt helpers."""

    def __init__(self, url: str, token: str) -> None:
        from PySide6.QtWidgets import QApplication, QMainWindow

        from ui.connection import DatabaseHandle
        from ui.context import AppContext
        from ui.worker import DatabaseWorker

        existing = QApplication.instance()
        self.app = existing if isinstance(existing, QApplication) else QApplication([])
        self.worker = DatabaseWorker()
        self.handle = DatabaseHandle(url)
        self.on_worker(self.handle.open)
        signed_in = self.on_worker(lambda: self.handle.sign_in_with_token(token)).signed_in
        self.context = AppContext(self.worker, self.handle, signed_in)
        self.window = QMainWindow()
        self.window.resize(1180, 720)
        self.window.show()

    @property
    def actor(self) -> Actor:
        """Who is signed in."""
        return self.context.actor

    def on_worker(self, job: Callable[[], Any]) -> Any:
        """Run a job on the worker and wait for its answer."""
        from PySide6.QtCore import QEventLoop

        loop = QEventLoop()
        answer: list[Any] = []

        def done(value: Any) -> None:
            answer.append(value)
            loop.quit()

        self.worker.submit(job, done, lambda message: done(BenchError(message)))
        loop.exec()
        if isinstance(answer[0], BenchError):
            raise answer[0]
        return answer[0]

    def settle(self) -> None:
        """Wait until the worker has answered every job (a page's people, tags...)."""
        deadline = time.monotonic() + TIMEOUT_S
        while self.worker.pending_jobs and time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.002)
        self.app.processEvents()

    def close(self) -> None:
        """End the session, stop the worker, close the database."""
        from PySide6.QtCore import QEventLoop

        self.window.close()
        self.window.deleteLater()
        self.context.end()
        loop = QEventLoop()
        self.worker.stopped.connect(loop.quit)
        self.worker.stop(self.handle.close)
        loop.exec()


def timed_rows(session: Session, start: Callable[[], Any]) -> tuple[float, Any]:
    """Milliseconds from ``start()`` until the page it returns has painted loaded rows.

    ``start`` triggers a load (building a page, a header click, a search) and returns the
    page; the clock stops once its model has answered and its view's paint that follows
    has been handled.
    """
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    loop = QEventLoop()
    state: dict[str, Any] = {"loaded": False, "end": None}

    def finish() -> None:
        state["end"] = time.perf_counter()
        loop.quit()

    class Watch(QObject):
        def eventFilter(self, _watched: QObject, ev: QEvent) -> bool:  # noqa: N802
            if ev.type() == QEvent.Type.Paint and state["loaded"] and state["end"] is None:
                state["end"] = 0.0
                QTimer.singleShot(0, finish)
            return False

    def loaded(_rows: int) -> None:
        state["loaded"] = True

    begin = time.perf_counter()
    page = start()
    watch = Watch()
    viewport = page.view.viewport()
    viewport.installEventFilter(watch)
    page.model.page_loaded.connect(loaded)
    QTimer.singleShot(int(TIMEOUT_S * 1000), loop.quit)
    if state["end"] is None:
        loop.exec()
    viewport.removeEventFilter(watch)
    page.model.page_loaded.disconnect(loaded)
    if not state["end"]:
        raise BenchError(f"{type(page).__name__}: no rows painted within {TIMEOUT_S:g} s")
    return (state["end"] - begin) * 1000, page


def _page_classes() -> list[tuple[str, type[Any]]]:
    from ui.pages.blockers import BlockersPage
    from ui.pages.decisions import DecisionsPage
    from ui.pages.incidents import IncidentsPage
    from ui.pages.status_updates import StatusUpdatesPage

    return [
        ("Status updates", StatusUpdatesPage),
        ("Incidents", IncidentsPage),
        ("Blockers", BlockersPage),
        ("Decisions", DecisionsPage),
    ]


def _sort_column(page: Any) -> int:
    columns = page.model.columns
    for index, column in enumerate(columns):
        if column.sort_key is not None and index != page.model.sort_column:
            return index
    raise BenchError(f"{type(page).__name__} has no second sortable column")


def click_header(page: Any, column: int) -> Any:
    """A left click on a column header, as a person sorts."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    header = page.view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(x, header.height() // 2),
    )
    return page


def search(page: Any, words: str) -> Any:
    """Type a search (without waiting for the typing pause) as the search box sends it."""
    page.search_box.setText(words)
    page.search_box.flush()
    return page


def _search_word(page: Any) -> str:
    """A word of the first row's title: a search that matches some rows, not all."""
    model = page.model
    keys = [column.key for column in model.columns]
    column = next((keys.index(k) for k in ("title", "description") if k in keys), 0)
    title = str(model.data(model.index(0, column)) or "")
    words = [w.strip(".,:;!?()'\"").lower() for w in title.split()]
    candidates = [w for w in words if len(w) >= 5 and w.isalpha()]
    return candidates[0] if candidates else (words[0] if words else "a")


@dataclass
class ListFigures:
    """Medians of one page's operations and their raw baselines, in milliseconds."""

    figures: dict[str, list[float]]
    baselines: dict[str, list[float]]
    build_ms: list[float]
    rows: int


def _capture(session: Session, capture_db: Database, log: StatementLog, page: Any) -> list[Any]:
    """The statements the page's current load job runs (run once here, on this thread)."""
    from ui.models.paged import load_job

    model = page.model
    log.statements.clear()
    load_job(model.repository, 0, model.filters, model.current_sort, None, model.page_size)(
        capture_db, session.actor
    )
    return list(log.statements)


def bench_lists(
    target: BenchDatabase, token: str, runs: int, started: float
) -> tuple[list[Result], Session]:
    """Open, sort and filter each list page; each against the raw statements it runs."""
    session = Session(target.url, token)
    capture_db = Database(target.url)
    log = StatementLog(capture_db)
    raw = RawReplay(target)
    results: list[Result] = []
    try:
        for name, page_class in _page_classes():
            figures: dict[str, list[float]] = {OPEN: [], SORT: [], FILTER: []}
            baselines: dict[str, list[float]] = {OPEN: [], SORT: [], FILTER: []}
            build: list[float] = []
            page: Any = None
            for _run in range(runs):
                if page is not None:
                    session.window.setCentralWidget(None)  # type: ignore[arg-type]
                    page.deleteLater()
                    session.settle()
                elapsed, page = timed_rows(
                    session, functools.partial(_build_page, session, page_class, build)
                )
                figures[OPEN].append(elapsed)
                baselines[OPEN].append(_raw_ms(raw, _capture(session, capture_db, log, page)))
                session.settle()
            column = _sort_column(page)
            word = _search_word(page)
            for run in range(runs):
                elapsed, _ = timed_rows(session, functools.partial(click_header, page, column))
                figures[SORT].append(elapsed)
                baselines[SORT].append(_raw_ms(raw, _capture(session, capture_db, log, page)))
                session.settle()
                # A search, then clearing it: both change the filter and reload.
                words = word if run % 2 == 0 else ""
                elapsed, _ = timed_rows(session, functools.partial(search, page, words))
                figures[FILTER].append(elapsed)
                baselines[FILTER].append(_raw_ms(raw, _capture(session, capture_db, log, page)))
                session.settle()
            search(page, "")
            session.settle()
            limit = LIST_MAX_MS[target.backend]
            for measurement in (OPEN, SORT, FILTER):
                figure = _median(figures[measurement])
                baseline = _median(baselines[measurement])
                note = f"{name}: median of {runs}"
                if measurement == OPEN:
                    note += (
                        f", building the page {_median(build):.0f} ms of it; "
                        f"{page.model.total:,} rows"
                    )
                elif measurement == SORT:
                    note += f", column {page.model.columns[column].header!r} both ways"
                else:
                    note += f", searching {word!r} and clearing it in turn"
                results.append(
                    Result(
                        f"{measurement} [{name}]",
                        target.backend,
                        figure,
                        "ms",
                        baseline,
                        f"raw {_driver(target.backend)} running the page's count and "
                        "first-page statements",
                        figure / baseline if baseline else math.nan,
                        f"<= {limit:g} ms",
                        _verdict(figure <= limit),
                        note,
                    )
                )
            _log(
                started,
                f"{target.backend}: {name} open {_median(figures[OPEN]):.0f} ms, sort "
                f"{_median(figures[SORT]):.0f} ms, search {_median(figures[FILTER]):.0f} ms",
            )
            session.window.setCentralWidget(None)  # type: ignore[arg-type]
            page.deleteLater()
            session.settle()
    finally:
        raw.close()
        capture_db.dispose()
    return results, session


def _build_page(session: Session, page_class: type[Any], build_ms: list[float]) -> Any:
    """Build a page, note how long that took, and put it on screen."""
    begin = time.perf_counter()
    page = page_class(session.context)
    build_ms.append((time.perf_counter() - begin) * 1000)
    session.window.setCentralWidget(page)
    return page


def _raw_ms(raw: RawReplay, statements: Sequence[tuple[str, Any]]) -> float:
    raw.run(statements)  # warm: statement caches, like the app's second load
    begin = time.perf_counter()
    raw.run(statements)
    return (time.perf_counter() - begin) * 1000


class Heartbeat:
    """A timer every HEARTBEAT_MS; the longest gap between two ticks beyond the interval."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0

    def start(self) -> None:
        """Start counting."""
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer.start()

    def stop(self) -> float:
        """Stop; the longest stall in milliseconds."""
        self._tick()
        self.timer.stop()
        return self.longest

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, (now - self.last) * 1000 - HEARTBEAT_MS)
        self.last = now


def stall_pass(session: Session, rounds: int) -> tuple[float, int]:
    """Longest stall while every page reloads, re-sorts and filters; and how many loads."""
    pages = []
    for _name, page_class in _page_classes():
        page = page_class(session.context)
        page.resize(1100, 680)
        page.show()
        pages.append(page)
    # First rows in (and the people and tags each page asks for) before the clock runs.
    session.settle()
    beat = Heartbeat()
    beat.start()
    loads = 0
    for _round in range(rounds):
        for page in pages:
            column = _sort_column(page)
            word = _search_word(page)
            for trigger in (
                lambda p=page: (p.refresh(), p)[1],
                lambda p=page, c=column: click_header(p, c),
                lambda p=page, w=word: search(p, w),
                lambda p=page: search(p, ""),
            ):
                timed_rows(session, trigger)
                loads += 1
            session.settle()
    longest = beat.stop()
    for page in pages:
        page.close()
        page.deleteLater()
    session.settle()
    return longest, loads


def bench_stalls(target: BenchDatabase, token: str, rounds: int, started: float) -> Result:
    """The heartbeat's longest stall behind a 20 ms latency proxy, and without it."""
    url = make_url(target.url)
    with LatencyProxy(url.host or "127.0.0.1", url.port or 5432, LATENCY_MS) as proxy:
        slow = Session(proxy.url_for(target.url), token)
        try:
            stall_slow, loads = stall_pass(slow, rounds)
        finally:
            slow.close()
    fast = Session(target.url, token)
    try:
        stall_fast, _ = stall_pass(fast, rounds)
    finally:
        fast.close()
    _log(
        started,
        f"stalls: {stall_slow:.1f} ms with {LATENCY_MS:g} ms latency, {stall_fast:.1f} ms without",
    )
    return Result(
        STALL,
        "postgresql",
        stall_slow,
        "ms",
        stall_fast,
        "the same loads without the added latency",
        stall_slow / stall_fast if stall_fast else math.nan,
        f"<= {STALL_MAX_MS:g} ms",
        _verdict(stall_slow <= STALL_MAX_MS),
        f"+{LATENCY_MS:g} ms per client message (proxy); {HEARTBEAT_MS} ms heartbeat over "
        f"{loads} reloads, header clicks and searches on the four list pages",
    )


# -- 3. scrolling a million rows ----------------------------------------------------------


def bench_scroll(
    factory: SqliteFiles, rows: int, env: dict[str, str], bare: Launch, started: float
) -> list[Result]:
    """Scroll to row 10,000 of a big list in a child process: pages fetched and memory."""
    target = factory.create("million")
    fill_start = time.perf_counter()
    fill_status_updates(target, rows)
    _log(started, f"sqlite: {rows:,} status updates in {time.perf_counter() - fill_start:.1f} s")
    token = issue_token(target.url)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.gui_child",
            "scroll",
            "--url",
            target.url,
            "--token",
            token,
            "--row",
            str(min(SCROLL_ROW, rows - 1)),
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S * 5,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise BenchError(f"the scroll child reported nothing: {done.stderr.strip()[-1500:]}")
    report = json.loads(lines[-1])
    row = min(SCROLL_ROW, rows - 1)
    needed = math.ceil((row + 1) / report["page_size"])
    rss_mb = report["rss_kb"] / 1024
    for suffix in ("", "-wal", "-shm"):
        Path(target.raw_target + suffix).unlink(missing_ok=True)
    return [
        Result(
            SCROLL_PAGES,
            "sqlite",
            report["pages_fetched"],
            "pages",
            needed,
            f"ceil({row + 1:,} / {report['page_size']} rows a page)",
            report["pages_fetched"] / needed,
            "<= the pages needed",
            _verdict(report["pages_fetched"] <= needed and report["row_shown"] >= 0),
            f"{report['loaded']:,} of {report['total']:,} rows held; first rows "
            f"{report['first_rows_s'] * 1000:.0f} ms, row {row:,} shown after "
            f"{report['scroll_s']:.1f} s",
        ),
        Result(
            SCROLL_MEMORY,
            "sqlite",
            rss_mb,
            "MB",
            bare.rss_mb,
            "the bare window's resident memory (cold start above)",
            rss_mb / bare.rss_mb,
            f"< {RSS_MAX_MB:g} MB",
            _verdict(rss_mb < RSS_MAX_MB),
            f"VmRSS after scrolling; peak {report['peak_rss_kb'] / 1024:.0f} MB",
        ),
    ]


# -- the table ----------------------------------------------------------------------------


def _format(value: float, unit: str) -> str:
    if unit == "pages":
        return f"{value:,.0f} pages"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.1f} ms" if value < 1000 else f"{value / 1000:,.2f} s"


def render_table(results: Sequence[Result]) -> str:
    """The results as an aligned text table, with baselines and notes below it."""
    lines = [
        (
            r.measurement,
            r.backend,
            _format(r.figure, r.unit),
            _format(r.baseline, r.unit),
            f"{r.ratio:.2f}x",
            r.target,
            r.verdict,
        )
        for r in results
    ]
    return aligned_table(lines, result_notes(results), "figure over baseline")


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of ``python -m bench.gui``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.gui",
        description="Benchmark the GUI: cold start, list loads, scrolling, event-loop stalls.",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=TARGET_SCALE,
        help=f"demo-data scale (default {TARGET_SCALE}; targets apply at this scale)",
    )
    parser.add_argument("--seed", type=int, default=1, help="demo-data seed (default 1)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server to use")
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated backends for the list measurements (default sqlite,postgresql; "
        "the stall measurement needs postgresql, the cold start and scrolling use sqlite)",
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="runs per measurement (default 5; medians)"
    )
    parser.add_argument(
        "--big-rows",
        type=int,
        help=f"rows of the big status-update table (default {BIG_TABLE_ROWS:,} at scale "
        f"{TARGET_SCALE}, proportionally less below)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_PATH,
        help="where to write the JSON results (default bench/results/gui.json)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table, save JSON; 1 if a target failed at full scale, 2 if it could not."""
    args = build_parser().parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgresql"} or args.scale < 1 or args.runs < 1:
        sys.stderr.write("error: use --backends sqlite,postgresql, --scale >= 1, --runs >= 1\n")
        return 2
    use_pg = "postgresql" in backends
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    big_rows = args.big_rows or max(SCROLL_ROW + 1, BIG_TABLE_ROWS * args.scale // TARGET_SCALE)
    started = time.monotonic()
    started_at = utcnow()
    results: list[Result] = []
    counts: dict[str, int] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="asyncops-bench-gui-") as tmp:
            folder = Path(tmp)
            lite = SqliteFiles(folder)
            pg: PostgresDatabases | None = None
            if use_pg:
                try:
                    pg = PostgresDatabases(args.pg_url)
                except psycopg.OperationalError as exc:
                    raise BenchError(
                        f"PostgreSQL is unreachable at {mask_url(args.pg_url)}: {exc} "
                        "(start it, pass --pg-url, or use --backends sqlite)"
                    ) from exc
            try:
                pg_version = pg.server_version() if pg is not None else "not used"
                sqlite_db = lite.create("demo")
                pg_db = pg.create("demo") if pg is not None else None
                _log(started, f"loading demo data at scale {args.scale} into both backends")
                now = started_at.replace(microsecond=0)
                counts = load_demo(sqlite_db, pg_db, scale=args.scale, seed=args.seed, now=now)
                _log(started, f"loaded {sum(counts.values()):,} rows per backend")
                home = folder / "home"
                cold, bare = bench_cold_start(sqlite_db, home, args.runs, started)
                results += cold
                _log(started, "timing list pages in this process")
                for target in (sqlite_db, pg_db):
                    if target is None or target.backend not in backends:
                        continue
                    list_results, session = bench_lists(
                        target, issue_token(target.url), args.runs, started
                    )
                    session.close()
                    results += list_results
                if pg_db is not None:
                    _log(started, "heartbeat with and without added latency")
                    results.append(bench_stalls(pg_db, issue_token(pg_db.url), 2, started))
                env = _child_env({"PYTHONPYCACHEPREFIX": str(home / "pycache")})
                results += bench_scroll(lite, big_rows, env, bare, started)
            finally:
                if pg is not None:
                    pg.close()
            shutil.rmtree(folder / "home", ignore_errors=True)
    except BenchError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    duration = time.monotonic() - started
    environment = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__,
        "postgresql": pg_version,
        "qt_platform": os.environ.get("QT_QPA_PLATFORM", ""),
    }
    print(
        f"AsyncOps Desktop GUI benchmark: scale {args.scale} ({counts.get('decisions', 0):,} "
        f"decisions, {sum(counts.values()):,} rows per backend), seed {args.seed}, "
        f"{duration:.0f} s"
    )
    print(
        f"Python {environment['python']}, SQLite {environment['sqlite']}, PostgreSQL "
        f"{pg_version}, {environment['cpus']} CPUs, Qt platform {environment['qt_platform']}"
    )
    print()
    print(render_table(results))
    if args.scale < TARGET_SCALE:
        print(f"\nscale {args.scale} < {TARGET_SCALE}: a smoke check, verdicts are informative.")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    document = {
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
    failed = any(r.verdict == "FAIL" for r in results)
    return 1 if failed and args.scale >= TARGET_SCALE else 0


if __name__ == "__main__":
    raise SystemExit(main())
