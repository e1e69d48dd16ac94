"""The Blockers page on SQLite and PostgreSQL: links via the picker, resolve and reopen, filters, roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pages_support import (
    TIMEOUT_MS,
    add_blockers,
    add_incidents,
    add_status_updates,
    app_context,
    count_rows,
    save_and_wait,
    show_page,
    signed_in_as,
    wait_idle,
)
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import BlockerDTO
from asyncops_desktop.domain.models import StatusUpdate
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.blockers import BlockerService
from ui.context import AppContext
from ui.pages import BlockersPage
from ui.widgets.filters import select_data
from ui.widgets.record_picker import RecordPicker


@pytest.fixture
def context(qtbot: QtBot, db_url: str, database: Database, admin: Actor) -> Iterator[AppContext]:
    """Signed in as the admin."""
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as ctx:
        yield ctx


def _page(qtbot: QtBot, context: AppContext) -> BlockersPage:
    page = BlockersPage(context)
    show_page(qtbot, page, context)
    return page


def _pick(qtbot: QtBot, picker: RecordPicker, text: str, row: int = 0) -> None:
    with qtbot.waitSignal(picker.results_ready, timeout=TIMEOUT_MS):
        picker.search_for(text)
    with qtbot.waitSignal(picker.value_changed, timeout=TIMEOUT_MS):
        picker.choose(row)


def test_raising_a_blocker_linked_through_the_pickers(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    incidents = add_incidents(database, admin.user_id, 3, title="Outage")
    updates = add_status_updates(database, admin.user_id, 2)
    page = _page(qtbot, context)
    page.new_record()
    editor = page.editor
    assert editor.save_button.text() == "&Raise blocker"
    editor.description_edit.setPlainText("Cannot deploy until the outage is fixed.")
    editor.impact_edit.setPlainText("Release 4.2 slips.")
    _pick(qtbot, editor.incident_picker, "outage 001")
    linked = editor.incident_picker.value()
    assert linked is not None and linked.id == incidents[1]
    assert editor.incident_picker.search.text() == f"Incident #{incidents[1]} — Outage 001"
    _pick(qtbot, editor.update_picker, f"#{updates[0]}")
    assert editor.update_picker.value() is not None
    saved = save_and_wait(qtbot, editor)
    assert isinstance(saved, BlockerDTO)
    assert (saved.related_incident_id, saved.related_status_id, saved.status) == (
        incidents[1],
        updates[0],
        "active",
    )
    assert editor.badge.badge is not None and editor.badge.badge.text == "Active"
    assert "Active for" in editor.status_text.text()
    wait_idle(qtbot, context)
    assert page.count_label.text() == "1 blocker"
    row = page.model.row_of(saved.id)
    assert row is not None
    linked_column = [c.key for c in page.model.columns].index("linked")
    assert page.model.data(page.model.index(row, linked_column)) == (
        f"Incident #{incidents[1]}, Update #{updates[0]}"
    )

    # Clearing a link and saving removes it; the other stays.
    editor.update_picker.clear_button.click()
    save_and_wait(qtbot, editor)
    stored = BlockerService(database, admin).get(saved.id)
    assert (stored.related_incident_id, stored.related_status_id) == (incidents[1], None)


def test_resolve_with_notes_and_reopen(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    [blocker_id] = add_blockers(database, admin.user_id, 1, age=dt.timedelta(days=3, hours=2))
    page = _page(qtbot, context)
    editor = page.editor
    assert editor.record is not None and editor.record.id == blocker_id
    assert "Active for 3 d 2 h" in editor.status_text.text()
    active_for = [c.key for c in page.model.columns].index("active_for")
    assert page.model.data(page.model.index(0, active_for)) == "3 d 2 h"
    assert editor.resolve_button.isVisible() and not editor.reopen_button.isVisible()

    editor.resolve_button.click()
    editor.resolution.resolve_button.click()
    assert editor.resolution.row.error.message == "Resolution notes are required to resolve."
    assert context.worker.pending_jobs == 0
    editor.resolution.notes_edit.setPlainText("Access granted by the platform team.")
    with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
        editor.resolution.resolve_button.click()
    wait_idle(qtbot, context)
    record = editor.record
    assert record is not None and record.status == "resolved" and record.resolved_at is not None
    assert editor.badge.badge is not None and editor.badge.badge.text == "Resolved"
    assert "Access granted by the platform team." in editor.status_text.text()
    assert editor.reopen_button.isVisible() and not editor.resolve_button.isVisible()
    assert page.model.data(page.model.index(0, active_for)).startswith("took 3 d")

    with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
        editor.reopen_button.click()
    wait_idle(qtbot, context)
    stored = BlockerService(database, admin).get(blocker_id)
    assert (stored.status, stored.resolved_at) == ("active", None)
    assert editor.resolve_button.isVisible()


def test_every_rule_is_shown_next_to_its_field(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    page = _page(qtbot, context)
    page.new_record()
    editor = page.editor
    cases = [
        ("", "impact", "description", "Description is required."),
        (
            "d" * 2001,
            "i",
            "description",
            "Description must be at most 2,000 characters (it has 2,001).",
        ),
        ("d", "", "impact", "Impact is required."),
        ("d", "i" * 1001, "impact", "Impact must be at most 1,000 characters (it has 1,001)."),
        ("d", "nul\x00", "impact", "Impact must not contain NUL characters."),
    ]
    for description, impact, field, message in cases:
        editor.description_edit.setPlainText(description)
        editor.impact_edit.setPlainText(impact)
        assert not editor.save()
        assert editor.error_for(field) == message
    assert context.worker.pending_jobs == 0

    # A linked record deleted meanwhile: the service's rule lands on the picker's field.
    [update_id] = add_status_updates(database, admin.user_id, 1)
    editor.description_edit.setPlainText("Waiting on review")
    editor.impact_edit.setPlainText("Nothing ships")
    _pick(qtbot, editor.update_picker, f"#{update_id}")
    with database.write() as session:
        row = session.get(StatusUpdate, update_id)
        assert row is not None
        session.delete(row)
    editor.save_button.click()
    qtbot.waitUntil(lambda: bool(editor.error_for("related_status_id")), timeout=TIMEOUT_MS)
    assert editor.error_for("related_status_id") == (
        f"Linked status update: Status update {update_id} does not exist."
    )
    assert count_rows(database, "blockers") == 0


def test_filters_by_status_age_and_linked_record(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    [incident] = add_incidents(database, admin.user_id, 1, title="Database down")
    add_blockers(database, admin.user_id, 2, related_incident_id=incident)
    add_blockers(database, admin.user_id, 3, age=dt.timedelta(days=10))
    add_blockers(database, admin.user_id, 1, status="resolved")
    page = _page(qtbot, context)
    assert page.count_label.text() == "6 blockers"

    def apply(action: object) -> None:
        with qtbot.waitSignal(page.model.page_loaded, timeout=TIMEOUT_MS):
            assert callable(action)
            action()

    apply(lambda: select_data(page.status_filter, "resolved"))
    assert page.count_label.text() == "1 blocker"
    apply(lambda: select_data(page.status_filter, "active"))
    assert page.model.total == 5
    apply(lambda: select_data(page.age_filter, 7))
    assert page.model.total == 3
    apply(page.clear_filters)
    assert page.model.total == 6
    picker = page.link_filter
    with qtbot.waitSignal(picker.results_ready, timeout=TIMEOUT_MS):
        picker.search_for("database")
    apply(lambda: picker.choose(0))
    assert page.model.total == 2
    assert page.model.filters.related_incident_id == incident  # type: ignore[attr-defined]
    apply(picker.clear)
    assert page.model.total == 6


def test_only_the_reporter_or_an_admin_may_change_a_blocker(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    [theirs] = add_blockers(database, admin.user_id, 1)
    mine = BlockerService(database, member).raise_blocker(description="Mine", impact="Me").id
    with app_context(qtbot, db_url, signed_in_as(database, member)) as context:
        page = _page(qtbot, context)
        editor = page.editor
        page.open_record(theirs)
        assert editor.description_edit.isReadOnly()
        assert editor.impact_edit.isReadOnly()
        assert editor.incident_picker.search.isReadOnly()
        assert not editor.resolve_button.isEnabled()
        assert not editor.save_button.isVisibleTo(editor)
        assert "raised this blocker or an admin" in editor.note_label.text()
        page.open_record(mine)
        assert not editor.description_edit.isReadOnly()
        assert editor.resolve_button.isEnabled()
        assert editor.save_button.isVisibleTo(editor)
