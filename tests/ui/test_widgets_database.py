"""Widgets that query through the worker: the record picker and the list view, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pages_support import (
    TIMEOUT_MS,
    add_incidents,
    add_status_updates,
    app_context,
    signed_in_as,
    wait_idle,
)
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.services.base import Actor
from ui.context import AppContext
from ui.models import IncidentTableModel
from ui.widgets.record_picker import INCIDENT, STATUS_UPDATE, LinkedRecord, RecordPicker
from ui.widgets.table import RecordTableView


@pytest.fixture
def context(qtbot: QtBot, db_url: str, database: Database, admin: Actor) -> Iterator[AppContext]:
    """Signed in as the admin."""
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as ctx:
        yield ctx


def test_picker_searches_titles_and_ids_and_reports_choices(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    ids = add_incidents(database, admin.user_id, 30, title="Queue backlog")
    add_incidents(database, admin.user_id, 2, title="Disk full")
    picker = RecordPicker(context, name="Linked to")
    qtbot.addWidget(picker)
    picker.show()
    assert picker.kind() == INCIDENT
    assert picker.kind_combo.isVisible()
    with qtbot.waitSignal(picker.results_ready, timeout=TIMEOUT_MS) as ready:
        picker.search_for("disk")
    assert ready.args == [2]
    assert [r.title for r in picker.results()] == ["Disk full 001", "Disk full 000"]
    # At most 20 matches come back: the popup is for picking, not browsing.
    with qtbot.waitSignal(picker.results_ready, timeout=TIMEOUT_MS) as ready:
        picker.search_for("queue")
    assert ready.args == [20]
    # "#id" finds that record first, whatever its title.
    with qtbot.waitSignal(picker.results_ready, timeout=TIMEOUT_MS):
        picker.search_for(f"#{ids[3]}")
    assert picker.results()[0].id == ids[3]
    with qtbot.waitSignal(picker.value_changed, timeout=TIMEOUT_MS):
        picker.choose(0)
    assert picker.value() == LinkedRecord(INCIDENT, ids[3], "Queue backlog 003")
    # Typing again means the old choice no longer holds.
    with qtbot.waitSignal(picker.value_changed, timeout=TIMEOUT_MS):
        picker.search.textEdited.emit("other")
    assert picker.value() is None
    # The popup's own activation picks by label.
    with qtbot.waitSignal(picker.results_ready, timeout=TIMEOUT_MS):
        picker.search_for("disk")
    with qtbot.waitSignal(picker.value_changed, timeout=TIMEOUT_MS):
        picker.completer.activated.emit(picker.results()[1].label)
    chosen = picker.value()
    assert chosen is not None and chosen.title == "Disk full 000"
    wait_idle(qtbot, context)


def test_picker_switches_kind_and_shows_a_link_by_id(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    [update_id] = add_status_updates(database, admin.user_id, 1)
    picker = RecordPicker(context)
    qtbot.addWidget(picker)
    picker.kind_combo.setCurrentIndex(picker.kind_combo.findData(STATUS_UPDATE))
    assert "status updates" in picker.search.placeholderText()
    with qtbot.waitSignal(picker.results_ready, timeout=TIMEOUT_MS):
        picker.search_for("update")
    assert [r.kind for r in picker.results()] == [STATUS_UPDATE]
    # A stored link shows its id at once and its title when the worker has it.
    picker.set_link(STATUS_UPDATE, update_id)
    assert picker.search.text().startswith(f"Status update #{update_id}")
    qtbot.waitUntil(lambda: "Update 000" in picker.search.text(), timeout=TIMEOUT_MS)
    assert picker.value() == LinkedRecord(STATUS_UPDATE, update_id, "Update 000")
    # A link to something deleted says so instead of failing.
    picker.set_link(INCIDENT, 999)
    qtbot.waitUntil(lambda: "(deleted)" in picker.search.text(), timeout=TIMEOUT_MS)
    with qtbot.waitSignal(picker.value_changed, timeout=TIMEOUT_MS):
        picker.clear_button.click()
    assert picker.value() is None and picker.search.text() == ""
    picker.set_read_only(True)
    assert picker.search.isReadOnly() and not picker.clear_button.isVisibleTo(picker)


def test_list_view_placeholder_and_header_rules(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    model = IncidentTableModel(context)
    view = RecordTableView(model, name="Incidents list", empty_text="No incidents yet.")
    qtbot.addWidget(view)
    view.resize(1000, 400)
    view.show()
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.reload()
        assert view.placeholder_text() == "Loading…"
    assert view.placeholder_text() == "No incidents yet."
    saved = context.handle.database
    context.handle.database = None
    with qtbot.waitSignal(model.load_failed, timeout=TIMEOUT_MS):
        model.reload()
    assert view.placeholder_text() == "Could not load the list: The database is not open."
    context.handle.database = saved
    add_incidents(database, admin.user_id, 3)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.reload()
    assert view.placeholder_text() == ""
    header = view.horizontalHeader()
    keys = [c.key for c in model.columns]
    assert header.sectionResizeMode(keys.index("title")) == header.ResizeMode.Stretch
    # Badge columns are wide enough for their widest badge.
    assert header.sectionSize(keys.index("status")) >= 95
    # The model's own sort is what the header shows.
    assert header.sortIndicatorSection() == keys.index("created_at")
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        header.setSortIndicator(keys.index("id"), Qt.SortOrder.AscendingOrder)
    assert [model.row_at(r).id for r in range(3)] == [1, 2, 3]
    assert not model.canFetchMore(QModelIndex())
