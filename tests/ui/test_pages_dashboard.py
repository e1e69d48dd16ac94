"""The Dashboard on SQLite and PostgreSQL: cards, opening records, the trend, past days, export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pages_support import TIMEOUT_MS, app_context, show_page, signed_in_as, wait_idle
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtPdf import QPdfDocument
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.domain.models import Blocker, Decision, Incident, StatusUpdate, utcnow
from asyncops_desktop.services.base import Actor
from asyncops_desktop.summaries import refresh_summary, summary_markdown
from ui.context import AppContext
from ui.models.badges import Badge
from ui.models.columns import Roles
from ui.pages.dashboard import DashboardPage
from ui.summary_thread import SummaryRunner

NOW = utcnow()
TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def context(qtbot: QtBot, db_url: str, database: Database, admin: Actor) -> Iterator[AppContext]:
    """Signed in as the admin."""
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as ctx:
        yield ctx


@pytest.fixture
def records(database: Database, admin: Actor) -> dict[str, int]:
    """Today: two open incidents (low, critical), an old blocker, an update, a decision to review;
    yesterday and today summarised."""
    earlier = NOW - dt.timedelta(minutes=30)
    start_of_yesterday = dt.datetime.combine(YESTERDAY, dt.time(8))
    rows: dict[str, Any] = {
        "low": Incident(
            reported_by_id=admin.user_id,
            title="Slow search page",
            description="d",
            severity="low",
            status="open",
            created_at=start_of_yesterday,
            updated_at=start_of_yesterday,
        ),
        "critical": Incident(
            reported_by_id=admin.user_id,
            title="Checkout is down",
            description="d",
            severity="critical",
            status="open",
            created_at=earlier,
            updated_at=earlier,
        ),
        "blocker": Blocker(
            reported_by_id=admin.user_id,
            description="Waiting on the vendor sandbox",
            impact="i",
            status="active",
            created_at=NOW - dt.timedelta(days=3, hours=2),
            updated_at=NOW - dt.timedelta(days=3, hours=2),
        ),
        "update": StatusUpdate(
            user_id=admin.user_id,
            title="Shipped the login fix",
            content="c",
            tags=[],
            created_at=earlier,
            updated_at=earlier,
        ),
        "decision": Decision(
            created_by_id=admin.user_id,
            title="Adopt trunk-based development",
            description="d",
            context="c",
            outcome="o",
            decision_date=TODAY,
            review_by=TODAY,
            tags=[],
            created_at=earlier,
            updated_at=earlier,
        ),
    }
    with database.write() as session:
        session.add_all(rows.values())
        session.flush()
        ids = {name: int(row.id) for name, row in rows.items()}
    # Yesterday's summary before today's incident existed: only the low one was open then.
    refresh_summary(database, YESTERDAY)
    refresh_summary(database, TODAY)
    return ids


def _page(qtbot: QtBot, context: AppContext) -> DashboardPage:
    page = DashboardPage(context, today=lambda: TODAY)
    show_page(qtbot, page, context)
    return page


def test_cards_show_today_critical_first_and_open_their_records(
    qtbot: QtBot, context: AppContext, records: dict[str, int]
) -> None:
    page = _page(qtbot, context)
    assert page.stack.currentWidget() is page.cards_area
    assert page.day_label.text().startswith("Today")
    incidents = page.incidents_card
    assert incidents.count_label.text() == "2"
    assert incidents.texts() == ["Checkout is down", "Slow search page"]
    assert incidents.records() == [
        ("incidents", records["critical"]),
        ("incidents", records["low"]),
    ]
    badge = incidents.list.item(0).data(Roles.BADGE)
    assert isinstance(badge, Badge) and badge.text == "Critical"
    assert page.blockers_card.records() == [("blockers", records["blocker"])]
    assert page.blockers_card.list.item(0).data(Qt.ItemDataRole.UserRole + 21).startswith("3 d")
    assert page.updates_card.texts() == ["Shipped the login fix"]
    assert page.decisions_card.records() == [("decisions", records["decision"])]
    assert page.review_card.count_label.text() == "1"
    assert page.review_card.texts() == ["Adopt trunk-based development"]
    assert not page.notice.isVisible()

    view = incidents.list
    rect = view.visualItemRect(view.item(0))
    with qtbot.waitSignal(page.open_record_requested, timeout=TIMEOUT_MS) as opened:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == ["incidents", records["critical"]]
    view.setCurrentRow(1)
    with qtbot.waitSignal(page.open_record_requested, timeout=TIMEOUT_MS) as by_key:
        QTest.keyClick(view, Qt.Key.Key_Return)
    assert by_key.args == ["incidents", records["low"]]


def test_trend_has_one_point_per_stored_day_and_a_hover_readout(
    qtbot: QtBot, context: AppContext, records: dict[str, int]
) -> None:
    page = _page(qtbot, context)
    trend = page.trend
    assert trend.points("incidents") == [(YESTERDAY, 1), (TODAY, 2)]
    assert trend.points("blockers") == [(YESTERDAY, 1), (TODAY, 1)]
    assert trend.points("status_updates") == [(YESTERDAY, 0), (TODAY, 1)]
    trend.set_days(90)
    assert trend.days == 90 and trend.points("incidents")[-1] == (TODAY, 2)
    assert "2 active incidents" in trend.readout.text()
    trend.set_days(30)
    # Tall enough for the whole trend to be on screen, below the cards.
    page.resize(1280, 1300)
    qtbot.wait(50)
    series = trend.series["incidents"]
    scene_point = trend.chart.mapToPosition(series.points()[0], series)
    pos = trend.view.mapFromScene(trend.chart.mapToScene(scene_point))
    viewport = trend.view.viewport()
    QTest.mouseMove(viewport, QPoint(pos.x() + 40, pos.y()))
    with qtbot.waitSignal(trend.view.day_hovered, timeout=TIMEOUT_MS):
        QTest.mouseMove(viewport, pos)
    assert "1 active incident ·" in trend.readout.text()
    assert trend.readout.text().startswith(f"{YESTERDAY:%a} {YESTERDAY.day} {YESTERDAY:%b}")


def test_choosing_a_past_day_shows_it_labelled_with_its_date(
    qtbot: QtBot, context: AppContext, records: dict[str, int]
) -> None:
    page = _page(qtbot, context)
    assert page.history.count() == 2
    assert page.history.item(0).text() == "Today"
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT_MS):
        page.history.setCurrentRow(1)
    assert page.day == YESTERDAY
    assert page.day_label.text() == f"Past day · {YESTERDAY:%A} {YESTERDAY.day} {YESTERDAY:%B %Y}"
    assert page.today_button.isVisible()
    assert page.incidents_card.texts() == ["Slow search page"]
    assert page.updates_card.texts() == []
    assert "today only" in page.review_card.empty_label.text()
    assert page.markdown().startswith(f"# Daily summary: {YESTERDAY:%A} {YESTERDAY.isoformat()}")
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT_MS):
        page.today_button.click()
    assert page.day == TODAY and page.incidents_card.count_label.text() == "2"


def test_markdown_goes_to_the_clipboard_and_a_file(
    qtbot: QtBot, context: AppContext, records: dict[str, int], tmp_path: Path
) -> None:
    page = _page(qtbot, context)
    summary = page.summary
    assert summary is not None
    expected = summary_markdown(summary.content, TODAY)
    with qtbot.waitSignal(page.status_message, timeout=TIMEOUT_MS):
        page.copy_button.click()
    assert QGuiApplication.clipboard().text() == expected
    assert "Checkout is down" in expected
    path = tmp_path / "summary.md"
    page.save_markdown(str(path))
    assert path.read_text("utf-8") == expected.rstrip("\n") + "\n"


def test_pdf_export_contains_the_summary_text(
    qtbot: QtBot, context: AppContext, records: dict[str, int], tmp_path: Path
) -> None:
    page = _page(qtbot, context)
    path = tmp_path / "summary.pdf"
    with qtbot.waitSignal(page.status_message, timeout=TIMEOUT_MS):
        page.export_pdf(str(path))
    assert path.read_bytes().startswith(b"%PDF")
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    # Lines break wherever the page is full: compare with whitespace collapsed.
    text = " ".join(
        " ".join(document.getAllText(n).text().split()) for n in range(document.pageCount())
    )
    document.close()
    assert f"Daily summary: {TODAY:%A} {TODAY.isoformat()}" in text
    for title in ("Checkout is down", "Waiting on the vendor sandbox", "Shipped the login fix"):
        assert title in text


def test_f5_recomputes_today_then_reloads(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, records: dict[str, int]
) -> None:
    page = _page(qtbot, context)
    with database.write() as session:
        session.add(
            StatusUpdate(user_id=admin.user_id, title="Another update", content="c", tags=[])
        )
    context.data_changed.emit("status_updates")
    assert page.notice.message == "Records changed since this summary was computed."
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT_MS):
        page.refresh()
    assert page.updates_card.count_label.text() == "2"
    assert "Another update" in page.updates_card.texts()
    assert page.notice.isHidden()


def test_empty_database_then_the_runner_fills_the_cards(
    qtbot: QtBot, context: AppContext, db_url: str
) -> None:
    page = _page(qtbot, context)
    assert page.stack.currentWidget() is page.empty_state
    assert page.empty_title.text() == "No summary for today yet"
    assert not page.copy_button.isEnabled() and not page.pdf_button.isEnabled()
    assert page.history_empty.isVisible()
    runner = SummaryRunner(context, page, today=lambda: TODAY)
    page.set_summary_runner(runner)
    try:
        with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
            runner.start()
            assert page.empty_title.text() == "Computing the daily summaries…"
        qtbot.waitUntil(lambda: page.stack.currentWidget() is page.cards_area, timeout=TIMEOUT_MS)
        wait_idle(qtbot, context)
        assert page.incidents_card.empty_label.text() == "No open incidents at the end of today."
        assert page.notice.message.startswith("Nothing recorded yet.")
        assert page.copy_button.isEnabled()
    finally:
        runner.shutdown()


def test_a_runner_failure_shows_a_message_and_the_page_stays_usable(
    qtbot: QtBot, context: AppContext, empty_db_url: str
) -> None:
    page = _page(qtbot, context)
    runner = SummaryRunner(empty_db_url, page, today=lambda: TODAY)
    page.set_summary_runner(runner)
    try:
        with qtbot.waitSignal(runner.failed, timeout=TIMEOUT_MS):
            runner.start()
        assert page.banner.message.startswith("Daily summaries could not be computed:")
        qtbot.waitUntil(lambda: not runner.is_running, timeout=TIMEOUT_MS)
        # The page reloads on the worker once the runner has stopped.
        qtbot.waitUntil(
            lambda: page.empty_title.text() == "No summary for today yet", timeout=TIMEOUT_MS
        )
    finally:
        runner.shutdown()
