"""What every list page promises the main window: names for screen readers, slots, state, themes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pages_support import (
    TIMEOUT_MS,
    add_blockers,
    add_incidents,
    add_status_updates,
    app_context,
    show_page,
    signed_in_as,
    wait_idle,
)
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.services.base import Actor
from ui.context import AppContext
from ui.pages import BlockersPage, IncidentsPage, StatusUpdatesPage
from ui.pages.page import RecordPage
from ui.theme import dark_palette

PAGES = (StatusUpdatesPage, IncidentsPage, BlockersPage)


@pytest.fixture
def context(qtbot: QtBot, db_url: str, database: Database, admin: Actor) -> Iterator[AppContext]:
    """Signed in as the admin, with a few records of each kind."""
    [update] = add_status_updates(database, admin.user_id, 1, tags=("ops",))
    [incident] = add_incidents(database, admin.user_id, 1)
    add_blockers(database, admin.user_id, 1, related_incident_id=incident, related_status_id=update)
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as ctx:
        yield ctx


@pytest.mark.parametrize("page_class", PAGES, ids=lambda c: c.__name__)
def test_every_control_has_an_accessible_name(
    qtbot: QtBot,
    context: AppContext,
    page_class: type[RecordPage[Any]],
) -> None:
    page = page_class(context)
    show_page(qtbot, page, context)
    for state in ("record", "new"):
        if state == "new":
            page.new_record()
        unnamed = [
            f"{type(widget).__name__} {widget.objectName()!r}"
            for widget in page.findChildren(QWidget)
            if isinstance(
                widget, QAbstractButton | QLineEdit | QComboBox | QPlainTextEdit | QAbstractItemView
            )
            and widget.isVisibleTo(page)
            and not widget.accessibleName()
            # A combo box's own line edit and list are named through the combo box.
            and not isinstance(widget.parentWidget(), QComboBox)
        ]
        assert unnamed == [], state
    assert page.accessibleName() == page.page_title
    assert page.search_box.accessibleName().startswith("Search ")


@pytest.mark.parametrize("page_class", PAGES, ids=lambda c: c.__name__)
def test_the_slots_the_window_binds(
    qtbot: QtBot,
    context: AppContext,
    page_class: type[RecordPage[Any]],
    tmp_path: Path,
) -> None:
    page = page_class(context)
    counts: list[int] = []
    page.row_count_changed.connect(counts.append)
    show_page(qtbot, page, context)
    assert counts == [1]
    page.activateWindow()
    page.focus_search()
    qtbot.waitUntil(page.search_box.hasFocus, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(page.row_count_changed, timeout=TIMEOUT_MS):
        page.refresh()
    wait_idle(qtbot, context)
    page.new_record()
    assert page.editor.is_new and not page.has_unsaved_changes()
    page.save()  # nothing typed: nothing sent, the rules are shown
    assert page.editor.errors()
    assert context.worker.pending_jobs == 0
    page.cancel_edit()
    assert page.detail.currentWidget() is page.placeholder
    assert page.confirm_leave()
    settings = QSettings(str(tmp_path / "pages.ini"), QSettings.Format.IniFormat)
    page.save_state(settings)
    page.restore_state(settings)
    assert settings.allKeys() == sorted(
        [f"pages/{page.entity}/header", f"pages/{page.entity}/splitter"]
    )


@pytest.mark.parametrize("page_class", PAGES, ids=lambda c: c.__name__)
def test_pages_render_in_light_and_dark(
    qtbot: QtBot,
    context: AppContext,
    page_class: type[RecordPage[Any]],
    tmp_path: Path,
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    try:
        for name, palette in (("light", light), ("dark", dark_palette())):
            app.setPalette(palette)
            page = page_class(context)
            show_page(qtbot, page, context)
            path = tmp_path / f"{page.entity}-{name}.png"
            assert page.grab().save(str(path))
            assert path.stat().st_size > 10_000
            page.close()
    finally:
        app.setPalette(light)
