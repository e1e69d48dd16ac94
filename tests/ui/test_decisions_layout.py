"""The Decisions page in the signed-in window fits a 1280x800 screen and uses a larger one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from session_support import ADMIN_EMAIL, ADMIN_PASSWORD, TIMEOUT_MS, Driver, driving, save_profile

from asyncops_desktop.db import Database
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from ui.app import AppController
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
