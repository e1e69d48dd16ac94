"""The list models on SQLite and PostgreSQL: paging on the worker, SQL sorting and filtering."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from pages_support import (
    TIMEOUT_MS,
    add_blockers,
    add_incidents,
    add_status_updates,
    app_context,
    signed_in_as,
    wait_idle,
)
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QIcon
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import IncidentDTO, StatusUpdateDTO
from asyncops_desktop.domain.models import utcnow
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.blockers import BlockerFilter, BlockerRepository
from asyncops_desktop.repositories.incidents import IncidentFilter, IncidentRepository
from asyncops_desktop.repositories.status_updates import StatusUpdateFilter, StatusUpdateRepository
from asyncops_desktop.services.base import Actor
from ui.context import AppContext
from ui.models import (
    BlockerTableModel,
    IncidentTableModel,
    PagedTableModel,
    Roles,
    StatusUpdateTableModel,
)
from ui.models.badges import Badge
from ui.models.incidents import INCIDENT_COLUMNS
from ui.models.status_updates import STATUS_UPDATE_COLUMNS


@pytest.fixture
def context(qtbot: QtBot, db_url: str, database: Database, admin: Actor) -> Iterator[AppContext]:
    """A signed-in admin context with its database worker."""
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as ctx:
        yield ctx


def _load(qtbot: QtBot, model: PagedTableModel[Any]) -> None:
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.reload()


def _fetch_all(qtbot: QtBot, model: PagedTableModel[Any]) -> int:
    fetches = 0
    while True:
        # A model tester attached to the model may have asked for a page itself.
        qtbot.waitUntil(lambda: not model.is_busy, timeout=TIMEOUT_MS)
        if not model.canFetchMore(QModelIndex()):
            return fetches
        before = model.rowCount()
        with qtbot.waitSignal(model.rowsInserted, timeout=TIMEOUT_MS):
            model.fetchMore(QModelIndex())
        assert model.rowCount() > before
        fetches += 1


def _seed(database: Database, admin: Actor) -> None:
    updates = add_status_updates(database, admin.user_id, 12, tags=("deploy",))
    incidents = add_incidents(database, admin.user_id, 9, severity="high")
    add_incidents(database, admin.user_id, 8, severity="low", status="resolved")
    add_blockers(database, admin.user_id, 6, related_incident_id=incidents[0])
    add_blockers(database, admin.user_id, 5, related_status_id=updates[0], status="resolved")
    add_blockers(database, admin.user_id, 4, age=dt.timedelta(days=9))


MODELS = (StatusUpdateTableModel, IncidentTableModel, BlockerTableModel)
NOTHING_MATCHES: dict[type[PagedTableModel[Any]], object] = {
    StatusUpdateTableModel: StatusUpdateFilter(text="zzz-nothing-matches"),
    IncidentTableModel: IncidentFilter(text="zzz-nothing-matches"),
    BlockerTableModel: BlockerFilter(text="zzz-nothing-matches"),
}


@pytest.mark.parametrize("force_py", [False, True], ids=["qt-tester", "python-tester"])
@pytest.mark.parametrize("model_class", MODELS, ids=lambda c: c.__name__)
def test_every_model_passes_the_model_tester(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    context: AppContext,
    database: Database,
    admin: Actor,
    model_class: type[PagedTableModel[Any]],
    force_py: bool,
) -> None:
    _seed(database, admin)
    model = model_class(context, page_size=7)  # type: ignore[call-arg]
    # Checked empty, then again on every signal: a load, fetches, re-sorts, a filter change.
    qtmodeltester.check(model, force_py=force_py)  # type: ignore[no-untyped-call]
    _load(qtbot, model)
    assert model.rowCount() == 7
    with qtbot.waitSignal(model.rowsInserted, timeout=TIMEOUT_MS):
        model.fetchMore(QModelIndex())
    for column, declared in enumerate(model.columns):
        if declared.sortable:
            with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
                model.sort(column, Qt.SortOrder.AscendingOrder)
    _fetch_all(qtbot, model)
    assert model.rowCount() == model.total > 7
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.set_filters(NOTHING_MATCHES[model_class])
    assert model.rowCount() == 0
    assert model.total == 0
    assert not model.canFetchMore(QModelIndex())


def test_fetch_more_grows_the_rows_a_page_at_a_time(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    ids = add_status_updates(database, admin.user_id, 330)
    model = StatusUpdateTableModel(context, page_size=50)
    totals: list[int] = []
    model.total_changed.connect(totals.append)
    _load(qtbot, model)
    assert (model.rowCount(), model.total, totals[-1]) == (50, 330, 330)
    assert model.canFetchMore(QModelIndex())
    seen_rows = [50]
    while model.canFetchMore(QModelIndex()):
        with qtbot.waitSignal(model.rowsInserted, timeout=TIMEOUT_MS) as inserted:
            model.fetchMore(QModelIndex())
            # Never two fetches in flight: a second call while waiting does nothing.
            assert not model.canFetchMore(QModelIndex())
            model.fetchMore(QModelIndex())
            assert context.worker.pending_jobs == 1
        first, last = inserted.args[1], inserted.args[2]
        assert first == seen_rows[-1]
        seen_rows.append(last + 1)
    assert seen_rows == [50, 100, 150, 200, 250, 300, 330]
    # Newest first, each row once, exactly the SQL order.
    loaded = [model.data(model.index(r, 0), Roles.ID) for r in range(model.rowCount())]
    assert sorted(loaded) == sorted(ids)
    with database.read() as session:
        expected = [
            row.id for row in StatusUpdateRepository(session).page(None, None, limit=1000).rows
        ]
    assert loaded == expected
    assert model.row_of(ids[0]) == 329


def test_a_view_fetches_only_what_it_shows(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_status_updates(database, admin.user_id, 400)
    model = StatusUpdateTableModel(context, page_size=60)
    view = QTableView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.setModel(model)
    view.show()
    _load(qtbot, model)
    wait_idle(qtbot, context)
    assert model.rowCount() < 400
    # Scrolling to the end asks for more pages (the view calls fetchMore).
    for _ in range(20):
        if not model.canFetchMore(QModelIndex()):
            break
        with qtbot.waitSignal(model.rowsInserted, timeout=TIMEOUT_MS):
            view.scrollToBottom()
            model.fetchMore(QModelIndex())
    assert model.rowCount() == 400


def test_header_click_sorts_in_sql(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_incidents(database, admin.user_id, 30, severity="low", title="Low")
    add_incidents(database, admin.user_id, 5, severity="critical", title="Critical")
    add_incidents(database, admin.user_id, 12, severity="high", title="High")
    model = IncidentTableModel(context, page_size=10)
    _load(qtbot, model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    header = view.horizontalHeader()
    header.setSectionsClickable(True)
    header.setSortIndicatorShown(True)
    header.sortIndicatorChanged.connect(model.sort)
    view.resize(1200, 400)
    view.show()
    qtbot.waitExposed(view)
    severity = [c.key for c in INCIDENT_COLUMNS].index("severity")

    def click(section: int) -> None:
        x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
        with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
            QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))

    click(severity)
    # Severity's first click sorts most severe first — by rank in SQL, not alphabetically.
    assert model.current_sort == Sort("severity", descending=True)
    shown = [model.row_at(r).severity for r in range(model.rowCount())]
    assert shown == ["critical"] * 5 + ["high"] * 5
    click(severity)
    assert model.current_sort == Sort("severity", descending=False)
    assert {model.row_at(r).severity for r in range(model.rowCount())} == {"low"}
    # Only 10 rows are loaded, yet the order is the database's over all 47.
    assert model.total == 47


def test_unsortable_columns_do_not_reload(qtbot: QtBot, context: AppContext) -> None:
    model = IncidentTableModel(context)
    _load(qtbot, model)
    assignee = [c.key for c in INCIDENT_COLUMNS].index("assignee")
    before = model.current_sort
    model.sort(assignee, Qt.SortOrder.AscendingOrder)
    assert not model.is_busy
    assert model.current_sort == before
    assert "cannot be sorted" in model.headerData(
        assignee, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )


def test_title_sort_matches_the_database_order(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_status_updates(database, admin.user_id, 120)
    model = StatusUpdateTableModel(context, page_size=25)
    _load(qtbot, model)
    title = [c.key for c in STATUS_UPDATE_COLUMNS].index("title")
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.sort(title, Qt.SortOrder.AscendingOrder)
    _fetch_all(qtbot, model)
    titles = [model.row_at(r).title for r in range(model.rowCount())]
    assert titles == [f"Update {n:03d}" for n in range(120)]


def test_filters_are_applied_in_sql(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, member: Actor
) -> None:
    add_incidents(database, admin.user_id, 8, severity="critical", status="open")
    add_incidents(database, admin.user_id, 6, severity="critical", status="closed")
    add_incidents(database, member.user_id, 4, severity="low", assigned_to_id=member.user_id)
    model = IncidentTableModel(context, page_size=5)
    _load(qtbot, model)
    assert model.total == 18

    cases = [
        (IncidentFilter(statuses=("open", "in_progress"), severities=("critical",)), 8),
        (IncidentFilter(assignee_id=member.user_id), 4),
        (IncidentFilter(unassigned=True), 14),
        (IncidentFilter(reporter_id=member.user_id), 4),
        (IncidentFilter(text="incident 3"), 3),
    ]
    for filters, expected in cases:
        with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
            model.set_filters(filters)
        with database.read() as session:
            assert IncidentRepository(session).count(filters) == expected
        assert model.total == expected
        _fetch_all(qtbot, model)
        assert model.rowCount() == expected
        rows: list[IncidentDTO] = [model.row_at(r) for r in range(model.rowCount())]
        if filters.severities:
            assert {r.severity for r in rows} == {"critical"}
        if filters.assignee_id is not None:
            assert {r.assigned_to_id for r in rows} == {member.user_id}


def test_stale_replies_are_dropped_and_reloads_coalesce(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_status_updates(database, admin.user_id, 5, tags=("alpha",))
    add_status_updates(database, admin.user_id, 3, tags=("beta",))
    model = StatusUpdateTableModel(context)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(model.rowCount()))
    model.reload()
    model.set_filters(StatusUpdateFilter(tag="alpha"))
    model.set_filters(StatusUpdateFilter(tag="beta"))
    # One query in flight; the two filter changes wait and then run once, with the last filter.
    assert context.worker.pending_jobs == 1
    qtbot.waitUntil(lambda: not model.is_loading and not model.is_busy, timeout=TIMEOUT_MS)
    wait_idle(qtbot, context)
    assert resets == [3]
    assert model.total == 3
    assert all(model.row_at(r).tags == ("beta",) for r in range(3))


def test_a_failed_load_reports_and_can_be_retried(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_status_updates(database, admin.user_id, 3)
    model = StatusUpdateTableModel(context)
    _load(qtbot, model)
    saved_database = context.handle.database
    context.handle.database = None
    with qtbot.waitSignal(model.load_failed, timeout=TIMEOUT_MS) as failed:
        model.reload()
    assert failed.args == ["The database is not open."]
    assert model.error == "The database is not open."
    assert not model.canFetchMore(QModelIndex())
    # The rows on screen stay until a load succeeds.
    assert model.rowCount() == 3
    context.handle.database = saved_database
    _load(qtbot, model)
    assert model.error is None


def test_cells_show_badges_relative_times_and_tooltips(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_incidents(database, admin.user_id, 1, severity="critical", status="in_progress")
    model = IncidentTableModel(context)
    _load(qtbot, model)
    keys = [c.key for c in INCIDENT_COLUMNS]

    def cell(key: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return model.data(model.index(0, keys.index(key)), role)

    assert cell("severity") == "Critical"
    badge = cell("severity", Roles.BADGE)
    assert isinstance(badge, Badge) and badge.text == "Critical" and badge.icon
    icon = cell("severity", Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.isNull()
    assert cell("status") == "In progress"
    assert cell("assignee") == "Unassigned"
    assert cell("created_at") == "just now"
    tooltip = cell("created_at", Qt.ItemDataRole.ToolTipRole)
    assert isinstance(tooltip, str) and tooltip.startswith("Reported ")
    assert isinstance(cell("title", Roles.ROW), IncidentDTO)
    assert model.data(model.index(5, 0)) is None
    changed: list[object] = []
    model.dataChanged.connect(lambda *args: changed.append(args))
    model.refresh_relative_times()
    assert len(changed) == 2


def test_blocker_and_status_update_filters(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    _seed(database, admin)
    model = BlockerTableModel(context)
    _load(qtbot, model)
    older = BlockerFilter(created_before=utcnow() - dt.timedelta(days=7))
    for filters in (BlockerFilter(status="active"), BlockerFilter(status="resolved"), older):
        with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
            model.set_filters(filters)
        with database.read() as session:
            assert model.total == BlockerRepository(session).count(filters)
        assert model.total == {"active": 10, "resolved": 5, None: 4}[filters.status]
    updates = StatusUpdateTableModel(context)
    _load(qtbot, updates)
    first: StatusUpdateDTO = updates.row_at(0)
    tag_filter = StatusUpdateFilter(author_id=first.user_id)
    with qtbot.waitSignal(updates.page_loaded, timeout=TIMEOUT_MS):
        updates.set_filters(tag_filter)
    assert {updates.row_at(r).user_id for r in range(updates.rowCount())} == {first.user_id}


def test_a_page_costs_one_query_whatever_its_size(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    """No per-row queries: the count and one SELECT for the first page, one SELECT per page after."""
    add_incidents(database, admin.user_id, 250, assigned_to_id=admin.user_id)
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "incidents" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    open_database = context.handle.database
    assert open_database is not None
    event.listen(open_database.engine, "before_cursor_execute", record)
    try:
        model = IncidentTableModel(context, page_size=200)
        _load(qtbot, model)
        assert model.rowCount() == 200
        assert len(statements) == 2
        assert "count" in statements[0].lower()
        # Reading every cell of every loaded row asks the database nothing.
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                model.data(model.index(row, column))
                model.data(model.index(row, column), Qt.ItemDataRole.ToolTipRole)
        assert len(statements) == 2
        _fetch_all(qtbot, model)
        assert model.rowCount() == 250
        assert len(statements) == 3
    finally:
        event.remove(open_database.engine, "before_cursor_execute", record)
