"""The Incidents page on SQLite and PostgreSQL: presets, filters, editor, every workflow step, roles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pages_support import (
    TIMEOUT_MS,
    add_blockers,
    add_incidents,
    app_context,
    count_rows,
    save_and_wait,
    show_page,
    signed_in_as,
    wait_idle,
)
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import IncidentDTO
from asyncops_desktop.repositories.incidents import IncidentFilter
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.incidents import IncidentService
from asyncops_desktop.services.users import UserService
from ui.context import AppContext
from ui.pages import IncidentsPage
from ui.widgets.filters import select_data


@pytest.fixture
def context(qtbot: QtBot, db_url: str, database: Database, admin: Actor) -> Iterator[AppContext]:
    """Signed in as the admin."""
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as ctx:
        yield ctx


def _page(qtbot: QtBot, context: AppContext) -> IncidentsPage:
    page = IncidentsPage(context)
    show_page(qtbot, page, context)
    return page


def _visible_transitions(page: IncidentsPage) -> dict[str, str]:
    editor = page.editor
    return {
        target: button.text()
        for target, button in editor.transition_buttons.items()
        if button.isVisibleTo(editor)
    }


def _click_transition(qtbot: QtBot, page: IncidentsPage, target: str) -> IncidentDTO:
    with qtbot.waitSignal(page.editor.status_changed, timeout=TIMEOUT_MS):
        page.editor.transition_buttons[target].click()
    # The save tells every list to reload: let those queries finish too.
    wait_idle(qtbot, page.context)
    record = page.editor.record
    assert record is not None and record.status == target
    return record


def _resolve(qtbot: QtBot, page: IncidentsPage, notes: str) -> IncidentDTO:
    editor = page.editor
    editor.transition_buttons["resolved"].click()
    assert editor.resolution.isVisibleTo(editor)
    editor.resolution.notes_edit.setPlainText(notes)
    with qtbot.waitSignal(editor.status_changed, timeout=TIMEOUT_MS):
        editor.resolution.resolve_button.click()
    wait_idle(qtbot, page.context)
    record = editor.record
    assert record is not None and record.status == "resolved"
    return record


def test_reporting_an_incident_with_an_assignee(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, member: Actor
) -> None:
    page = _page(qtbot, context)
    assert page.count_label.text() == "0 incidents"
    page.new_record()
    editor = page.editor
    assert not editor.workflow_box.isVisibleTo(editor)
    assert editor.save_button.text() == "&Report incident"
    QTest.keyClicks(editor.title_edit, "Checkout returns 502")
    editor.description_edit.setPlainText("Half of the checkouts fail since 14:02.")
    assert select_data(editor.severity_combo, "critical")
    assert select_data(editor.assignee_combo, member.user_id)
    saved = save_and_wait(qtbot, editor)
    assert isinstance(saved, IncidentDTO)
    assert (saved.severity, saved.status, saved.assigned_to_id, saved.reported_by_id) == (
        "critical",
        "open",
        member.user_id,
        admin.user_id,
    )
    assert editor.badge.badge is not None and editor.badge.badge.text == "Open"
    assert editor.workflow_box.isVisibleTo(editor)
    qtbot.waitUntil(lambda: page.count_label.text() == "1 incident", timeout=TIMEOUT_MS)


def test_every_workflow_transition_through_the_buttons(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    [incident_id] = add_incidents(database, admin.user_id, 1)
    page = _page(qtbot, context)
    editor = page.editor
    assert editor.record is not None and editor.record.id == incident_id

    # open → in progress → open
    assert _visible_transitions(page) == {"in_progress": "Start work", "resolved": "Resolve…"}
    _click_transition(qtbot, page, "in_progress")
    assert _visible_transitions(page) == {"open": "Back to open", "resolved": "Resolve…"}
    _click_transition(qtbot, page, "open")

    # open → resolved needs notes: refused inline without a query, then accepted.
    editor.transition_buttons["resolved"].click()
    editor.resolution.resolve_button.click()
    assert editor.resolution.row.error.message == "Resolution notes are required to resolve."
    assert context.worker.pending_jobs == 0
    editor.resolution.notes_edit.setPlainText("n" * 5001)
    editor.resolution.resolve_button.click()
    assert "at most 5,000 characters" in editor.resolution.row.error.message
    editor.resolution.cancel()
    record = _resolve(qtbot, page, "Rolled back the deploy.")
    assert record.resolved_at is not None
    assert record.resolution_notes == "Rolled back the deploy."
    assert "Resolved" in editor.resolved_label.text()
    assert "Rolled back the deploy." in editor.resolved_label.text()
    assert _visible_transitions(page) == {
        "open": "Reopen",
        "in_progress": "Resume work",
        "closed": "Close",
    }

    # resolved → open clears resolved_at; in progress → resolved; resolved → in progress.
    record = _click_transition(qtbot, page, "open")
    assert record.resolved_at is None
    assert not editor.resolved_label.isVisibleTo(editor)
    _click_transition(qtbot, page, "in_progress")
    _resolve(qtbot, page, "Fixed the config.")
    record = _click_transition(qtbot, page, "in_progress")
    assert record.resolved_at is None

    # resolved → closed → open.
    _resolve(qtbot, page, "Fixed for good.")
    record = _click_transition(qtbot, page, "closed")
    assert record.resolved_at is not None
    assert _visible_transitions(page) == {"open": "Reopen"}
    record = _click_transition(qtbot, page, "open")
    assert record.resolved_at is None
    stored = IncidentService(database, admin).get(incident_id)
    assert (stored.status, stored.resolved_at) == ("open", None)
    # The list shows the new status too.
    wait_idle(qtbot, context)
    assert page.model.row_at(0).status == "open"


def test_a_status_change_keeps_unsaved_edits(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_incidents(database, admin.user_id, 1)
    page = _page(qtbot, context)
    page.editor.title_edit.setText("Still typing this title")
    _click_transition(qtbot, page, "in_progress")
    assert page.editor.title_edit.text() == "Still typing this title"
    assert page.has_unsaved_changes()
    # Typed resolution notes count as unsaved work too.
    page.editor.revert()
    page.editor.transition_buttons["resolved"].click()
    page.editor.resolution.notes_edit.setPlainText("half-written notes")
    assert page.has_unsaved_changes()


def test_every_rule_is_shown_next_to_its_field(
    qtbot: QtBot, context: AppContext, database: Database
) -> None:
    page = _page(qtbot, context)
    page.new_record()
    editor = page.editor
    cases = [
        ("", "what happened", "title", "Title is required."),
        ("x" * 201, "d", "title", "Title must be at most 200 characters (it has 201)."),
        ("ok", "", "description", "Description is required."),
        (
            "ok",
            "d" * 5001,
            "description",
            "Description must be at most 5,000 characters (it has 5,001).",
        ),
        ("ok", "nul \x00 here", "description", "Description must not contain NUL characters."),
    ]
    for title, description, field, message in cases:
        editor.title_edit.setText(title)
        editor.description_edit.setPlainText(description)
        assert not editor.save()
        assert editor.error_for(field) == message
    assert context.worker.pending_jobs == 0
    assert count_rows(database, "incidents") == 0


def test_an_assignee_deactivated_meanwhile_is_reported_on_the_field(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, member: Actor
) -> None:
    page = _page(qtbot, context)
    page.new_record()
    editor = page.editor
    editor.title_edit.setText("Disk full")
    editor.description_edit.setPlainText("The log volume is full.")
    assert select_data(editor.assignee_combo, member.user_id)
    UserService(database, admin).set_active(member.user_id, False)
    editor.save_button.click()
    qtbot.waitUntil(lambda: bool(editor.error_for("assigned_to_id")), timeout=TIMEOUT_MS)
    assert editor.error_for("assigned_to_id") == "Assignee: Max Member is deactivated."
    assert editor.is_new and editor.title_edit.text() == "Disk full"
    assert count_rows(database, "incidents") == 0


def test_presets_and_filters(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, member: Actor
) -> None:
    add_incidents(database, admin.user_id, 3, severity="critical", status="open")
    add_incidents(database, admin.user_id, 2, severity="critical", status="closed")
    add_incidents(database, member.user_id, 4, severity="low", assigned_to_id=admin.user_id)
    add_incidents(database, member.user_id, 1, severity="high", status="in_progress")
    page = _page(qtbot, context)
    assert page.count_label.text() == "10 incidents"

    def apply(action: object) -> None:
        with qtbot.waitSignal(page.model.page_loaded, timeout=TIMEOUT_MS):
            assert callable(action)
            action()

    button, preset = page.presets["Open critical"]
    apply(button.click)
    assert page.model.filters == preset
    assert button.isChecked()
    assert page.count_label.text() == "3 incidents"
    assert page.status_filter.currentText() == "Open or in progress"
    assert page.severity_filter.currentText() == "Critical"

    apply(page.presets["Assigned to me"][0].click)
    assert page.model.total == 4
    assert not page.presets["Open critical"][0].isChecked()
    assert page.presets["Assigned to me"][0].isChecked()
    apply(page.presets["Unassigned"][0].click)
    assert page.model.total == 4  # 3 open critical + 1 in progress, none assigned

    apply(page.clear_filters)
    assert page.model.total == 10
    assert not any(b.isChecked() for b, _ in page.presets.values())

    reporters = [page.reporter_filter.itemData(i) for i in range(page.reporter_filter.count())]
    apply(lambda: page.reporter_filter.setCurrentIndex(reporters.index(member.user_id)))
    assert page.model.total == 5
    apply(lambda: select_data(page.severity_filter, ("high", "critical")))
    assert page.model.total == 1
    apply(page.clear_filters)
    apply(lambda: select_data(page.status_filter, ("closed",)))
    assert page.model.total == 2
    assert page.model.filters == IncidentFilter(statuses=("closed",))
    apply(page.clear_filters)
    apply(lambda: page.date_filter.set_preset(0))
    assert page.model.total == 10


def test_blockers_raised_against_the_incident_are_listed(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    first, second = add_incidents(database, admin.user_id, 2)
    add_blockers(database, admin.user_id, 2, related_incident_id=first)
    page = _page(qtbot, context)
    page.open_record(first)
    wait_idle(qtbot, context)
    items = [page.editor.blocker_list.item(i) for i in range(page.editor.blocker_list.count())]
    assert len(items) == 2
    assert all(item is not None and "Active" in item.text() for item in items)
    requested: list[int] = []
    page.open_blocker_requested.connect(requested.append)
    assert items[0] is not None
    page.editor.blocker_list.itemActivated.emit(items[0])
    assert requested and isinstance(requested[0], int)
    page.open_record(second)
    wait_idle(qtbot, context)
    only = page.editor.blocker_list.item(0)
    assert only is not None and only.text() == "No blockers raised against this incident."
    # A blocker raised elsewhere shows up when the blockers change.
    add_blockers(database, admin.user_id, 1, related_incident_id=second)
    context.data_changed.emit("blockers")
    wait_idle(qtbot, context)
    assert page.editor.blocker_list.count() == 1
    assert "Active" in page.editor.blocker_list.item(0).text()


def test_only_the_reporter_assignee_or_an_admin_may_change_an_incident(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    others = add_incidents(database, admin.user_id, 1, title="Others")[0]
    assigned = add_incidents(
        database, admin.user_id, 1, title="Assigned", assigned_to_id=member.user_id
    )[0]
    with app_context(qtbot, db_url, signed_in_as(database, member)) as context:
        page = _page(qtbot, context)
        editor = page.editor
        page.open_record(others)
        assert editor.title_edit.isReadOnly()
        assert editor.description_edit.isReadOnly()
        assert not editor.severity_combo.isEnabled()
        assert not editor.assignee_combo.isEnabled()
        assert not editor.save_button.isVisibleTo(editor)
        assert editor.note_label.isVisibleTo(editor)
        visible = [b for b in editor.transition_buttons.values() if b.isVisibleTo(editor)]
        assert visible and not any(b.isEnabled() for b in visible)
        page.open_record(assigned)
        assert not editor.title_edit.isReadOnly()
        assert editor.severity_combo.isEnabled()
        visible = [b for b in editor.transition_buttons.values() if b.isVisibleTo(editor)]
        assert all(b.isEnabled() for b in visible)
        _click_transition(qtbot, page, "in_progress")
        # Members may report incidents of their own.
        page.new_record()
        assert editor.save_button.isVisibleTo(editor)
        names = [editor.assignee_combo.itemText(i) for i in range(editor.assignee_combo.count())]
        assert "Max Member (you)" in names


def test_severity_sorts_by_rank_from_the_header(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_incidents(database, admin.user_id, 2, severity="low")
    add_incidents(database, admin.user_id, 2, severity="critical")
    add_incidents(database, admin.user_id, 2, severity="medium")
    page = _page(qtbot, context)
    keys = [c.key for c in page.model.columns]
    header = page.view.horizontalHeader()
    with qtbot.waitSignal(page.model.page_loaded, timeout=TIMEOUT_MS):
        header.setSortIndicator(keys.index("severity"), Qt.SortOrder.DescendingOrder)
    assert [page.model.row_at(r).severity for r in range(6)] == [
        "critical",
        "critical",
        "medium",
        "medium",
        "low",
        "low",
    ]
    # Columns the database cannot sort by keep the indicator where it was.
    header.setSortIndicator(keys.index("assignee"), Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == keys.index("severity")
    # The Updated column starts hidden and can be turned on from the header menu.
    updated = keys.index("updated_at")
    assert header.isSectionHidden(updated)
    actions = page.view.column_actions()
    actions[updated].setChecked(True)
    assert not header.isSectionHidden(updated)
    assert not actions[keys.index("title")].isEnabled()
