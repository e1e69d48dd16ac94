"""The Decisions page in the signed-in window fits a 1280x800 screen and uses a larger one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QTableView, QWidget
from pytestqt.qtbot import QtBot
from session_support import ADMIN_EMAIL, ADMIN_PASSWORD, TIMEOUT_MS, Driver, driving, save_profile

from asyncops_desktop.db import Database
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from ui.app import AppController
from ui.models.decisions import DECIDED_COLUMN, DECISION_COLUMNS, TITLE_COLUMN, short_day_text
from ui.pages.decisions import DecisionsPage


@pytest.fixture
def driver(qtbot: QtBot) -> Iterator[Driver]:
    """Starts controllers and closes them all after the test."""
    with driving(qtbot) as made:
        yield made


def _settle(qtbot: QtBot, controller: AppController) -> None:
    qtbot.waitUntil(lambda: controller.worker.pending_jobs == 0, timeout=TIMEOUT_MS)


def _inside(widget: QWidget, window: QWidget) -> bool:
    """Whether the whole widget lies within the window's client area."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(QRect(top_left, widget.size()))


def _decisions_page(
    driver: Driver, db_url: str, size: QSize
) -> tuple[AppController, DecisionsPage]:
    save_profile(db_url)
    controller = driver.start()
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD)
    _settle(driver.qtbot, controller)
    window = controller.window
    window.resize(size)
    window.show_page("Decisions")
    _settle(driver.qtbot, controller)
    page = window.current_page()
    assert isinstance(page, DecisionsPage)
    driver.qtbot.waitUntil(lambda: page.editor.record is not None, timeout=TIMEOUT_MS)
    driver.qtbot.waitUntil(lambda: bool(page.editor.history.entries), timeout=TIMEOUT_MS)
    return controller, page


@pytest.mark.parametrize(("width", "height", "columns"), [(1280, 800, 2), (1600, 1000, 3)])
def test_decision_editor_and_history_fit_the_window(
    driver: Driver,
    db_url: str,
    database: Database,
    admin: Actor,
    width: int,
    height: int,
    columns: int,
) -> None:
    DecisionService(database, admin).record(
        title="Adopt PostgreSQL 15 for the shared server",
        description="The team outgrew a database file on a share.",
        context="Two offices, one VPN.",
        outcome="- migrate in May",
        decision_date=dt.date.today(),
        review_by=dt.date.today() + dt.timedelta(days=30),
        tags=["database"],
        participant_ids=[admin.user_id],
    )
    controller, page = _decisions_page(driver, db_url, QSize(width, height))
    window, editor = controller.window, page.editor
    assert window.size() == QSize(width, height)

    # The form never needs a sideways scroll: it is no wider than its pane.
    assert not editor.scroll_area.horizontalScrollBar().isVisible()
    assert editor.form.width() <= editor.scroll_area.viewport().width()
    # The dates share lines as far as they fit (two at 1280 px, all three at 1600 px).
    assert editor.date_strip.columns == columns
    for key in ("title", "description", "decision_date", "review_by"):
        row = editor.field(key)
        assert row.mapTo(editor.form, QPoint(row.width(), 0)).x() <= editor.form.width(), key
    counter = editor.field("title").counter
    assert counter is not None
    assert counter.isVisible() and counter.visibleRegion().boundingRect().width() == counter.width()

    # The History sits beside the form, whole, at a readable width; the buttons are on screen.
    assert editor.history.isVisible() and _inside(editor.history, window)
    assert editor.history.width() >= editor.history.minimumWidth() >= 240
    form_right = editor.form_stack.mapTo(window, QPoint(editor.form_stack.width(), 0)).x()
    assert form_right <= editor.history.mapTo(window, QPoint(0, 0)).x()
    assert editor.form_stack.width() >= 380
    for button in (editor.save_button, editor.delete_button, editor.supersede_button):
        assert button.isVisible() and _inside(button, window), button.text()
    assert _inside(page.view, window)


def test_the_list_beside_the_editor_shows_title_status_and_date_without_scrolling_sideways(
    driver: Driver, db_url: str, database: Database, admin: Actor
) -> None:
    today = dt.date.today()
    DecisionService(database, admin).record(
        title="Split reporting-etl out of the monolith",
        description="One service, one owner.",
        context="The batch jobs block releases.",
        outcome="- split in two steps",
        decision_date=today,
        review_by=today + dt.timedelta(days=30),
        tags=["reporting"],
        participant_ids=[admin.user_id],
    )
    _controller, page = _decisions_page(driver, db_url, QSize(1280, 800))
    driver.qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=TIMEOUT_MS)
    view, header = page.view, page.view.horizontalHeader()
    shown = [
        page.model.columns[c].header for c in range(header.count()) if not header.isSectionHidden(c)
    ]
    assert shown == ["#", "Title", "Status", "Decided"]
    driver.qtbot.waitUntil(lambda: header.length() <= view.viewport().width(), timeout=TIMEOUT_MS)
    assert not view.horizontalScrollBar().isVisible()
    # This year's date in short, whole; the title gets the room that is left, readably.
    decided = view.model().index(0, DECIDED_COLUMN).data()
    assert decided == short_day_text(today) == f"{today.day} {today:%b}"
    metrics = view.fontMetrics()
    assert header.sectionSize(DECIDED_COLUMN) > metrics.horizontalAdvance(decided)
    assert header.sectionSize(TITLE_COLUMN) >= metrics.horizontalAdvance("x" * 16)
    # The other columns are a click away in the column menu.
    actions = {action.text(): action for action in view.column_actions()}
    assert {"Review by", "Tags", "Recorded by"} <= actions.keys()
    assert not actions["Review by"].isChecked()
    actions["Review by"].setChecked(True)
    review = next(c for c, column in enumerate(page.model.columns) if column.header == "Review by")
    assert not header.isSectionHidden(review)


def test_short_days_name_the_year_only_when_it_is_not_this_one() -> None:
    today = dt.date(2026, 11, 22)
    assert short_day_text(dt.date(2026, 3, 3), today) == "3 Mar"
    assert short_day_text(dt.date(2025, 12, 30), today) == "30 Dec 2025"
    assert short_day_text(None, today) == ""


def test_a_day_of_another_year_fits_the_decided_column(qtbot: QtBot) -> None:
    view = QTableView()
    qtbot.addWidget(view)
    char = view.fontMetrics().averageCharWidth()
    column = DECISION_COLUMNS[DECIDED_COLUMN]
    # The cell pads its text by a few pixels each side.
    widest = view.fontMetrics().horizontalAdvance("30 Dec 2025") + 8
    assert column.width_chars * char + 16 >= widest
