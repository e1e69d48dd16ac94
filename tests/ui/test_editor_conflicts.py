"""Two people edit the same incident, blocker or status update: the second save never overwrites.

Each test signs two users in (their own context, worker thread and database session). The
first saves; the second, still on the version they loaded, gets the conflict dialog with the
value they started from, the other person's and their own per field, chooses per field, and
the choices are saved on top of the new version. Workflow buttons and delete that meet a newer
version change nothing and say so.
"""

from __future__ import annotations

from typing import Any

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
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.blockers import BlockerService
from asyncops_desktop.services.incidents import IncidentService
from asyncops_desktop.services.status_updates import StatusUpdateService
from ui.dialogs.conflict import MINE, THEIRS, ConflictDialog
from ui.pages import BlockersPage, IncidentsPage, StatusUpdatesPage
from ui.pages.page import RecordPage
from ui.widgets.filters import select_data


def _page(qtbot: QtBot, page: RecordPage[Any]) -> RecordPage[Any]:
    show_page(qtbot, page, page.context)
    return page


def _open(qtbot: QtBot, page: RecordPage[Any], record_id: int) -> None:
    page.open_record(record_id)
    qtbot.waitUntil(
        lambda: page.editor.record is not None and page.editor.record.id == record_id,
        timeout=TIMEOUT_MS,
    )
    wait_idle(qtbot, page.context)


def _save_into_conflict(qtbot: QtBot, page: RecordPage[Any]) -> ConflictDialog:
    with qtbot.waitSignal(page.editor.conflict_opened, timeout=TIMEOUT_MS) as opened:
        page.editor.save_button.click()
    dialog = opened.args[0]
    assert isinstance(dialog, ConflictDialog)
    assert dialog.isVisible()
    return dialog


def _cancel(qtbot: QtBot, page: RecordPage[Any], dialog: ConflictDialog) -> None:
    dialog.reject()
    qtbot.waitUntil(lambda: page.editor.conflict_dialog is None)
    assert page.editor.has_unsaved_changes()
    assert "changed this" in page.editor.banner.message
    assert page.editor.banner.retry_button.isVisibleTo(page.editor.banner)


def _click_save(dialog: ConflictDialog) -> None:
    button = dialog.save_button
    assert isinstance(button, QPushButton) and button.isEnabled()
    button.click()


def _triple(dialog: ConflictDialog, field: str) -> tuple[object, object, object]:
    conflict = dialog.choices[field].conflict
    return conflict.base, conflict.theirs, conflict.mine


def test_incident_edited_by_two_people_is_merged_per_field(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    [incident_id] = add_incidents(
        database, admin.user_id, 1, title="Checkout", assigned_to_id=member.user_id
    )
    service = IncidentService(database, admin)
    start = service.get(incident_id)
    with (
        app_context(qtbot, db_url, signed_in_as(database, admin)) as first,
        app_context(qtbot, db_url, signed_in_as(database, member)) as second,
    ):
        page_a = _page(qtbot, IncidentsPage(first))
        page_b = _page(qtbot, IncidentsPage(second))
        assert isinstance(page_a, IncidentsPage) and isinstance(page_b, IncidentsPage)
        _open(qtbot, page_a, incident_id)
        _open(qtbot, page_b, incident_id)
        editor_a, editor_b = page_a.editor, page_b.editor

        # The first person saves a new title and severity.
        editor_a.title_edit.setText("Checkout fails for card payments")
        select_data(editor_a.severity_combo, "critical")
        with qtbot.waitSignal(editor_a.saved, timeout=TIMEOUT_MS):
            editor_a.save_button.click()
        theirs = service.get(incident_id)
        assert theirs.version == start.version + 1

        # The second, still on the first version, changes the title and the description.
        editor_b.title_edit.setText("Checkout down")
        editor_b.description_edit.setPlainText("Card payments time out after 30 s.")
        dialog = _save_into_conflict(qtbot, page_b)
        assert service.get(incident_id) == theirs, "the refused save changed nothing"
        assert dialog.fields() == ["title", "description", "severity"]
        assert _triple(dialog, "title") == (
            "Checkout 000",
            "Checkout fails for card payments",
            "Checkout down",
        )
        assert _triple(dialog, "description") == (
            start.description,
            start.description,
            "Card payments time out after 30 s.",
        )
        assert _triple(dialog, "severity") == ("medium", "critical", "medium")
        # Severity reads as its label, and only the text fields can be written by hand.
        severity_views = dialog.choices["severity"].value_views
        assert [view.text() for view in severity_views if isinstance(view, QLabel)] == [
            "Medium",
            "Critical",
            "Medium",
        ]
        assert not dialog.choices["severity"].edit_button.isVisibleTo(dialog)
        assert dialog.choices["title"].edit_button.isVisibleTo(dialog)
        assert dialog.choices["title"].choice() == MINE
        assert dialog.choices["description"].choice() == MINE
        assert dialog.choices["severity"].choice() == THEIRS
        assert "Someone else saved incident #" in dialog.findChildren(QLabel)[0].text()

        # Cancelling keeps every typed character and saves nothing.
        _cancel(qtbot, page_b, dialog)
        assert editor_b.title_edit.text() == "Checkout down"
        assert editor_b.description_edit.toPlainText() == "Card payments time out after 30 s."
        assert service.get(incident_id) == theirs

        # Again: their title, my description, their severity.
        dialog = _save_into_conflict(qtbot, page_b)
        dialog.set_choice("title", THEIRS)
        dialog.set_choice("description", MINE)
        with qtbot.waitSignal(editor_b.saved, timeout=TIMEOUT_MS):
            _click_save(dialog)
        wait_idle(qtbot, second)
        saved = service.get(incident_id)
        assert saved.title == "Checkout fails for card payments"
        assert saved.description == "Card payments time out after 30 s."
        assert saved.severity == "critical"
        assert saved.assigned_to_id == member.user_id
        assert saved.version == theirs.version + 1
        record = editor_b.record
        assert record is not None and record.version == saved.version
        assert not editor_b.has_unsaved_changes()
        assert editor_b.banner.message == ""
        for page in (page_a, page_b):
            page.close()


def test_incident_workflow_button_meeting_a_newer_version_changes_nothing(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    [incident_id] = add_incidents(database, admin.user_id, 1, assigned_to_id=member.user_id)
    service = IncidentService(database, admin)
    with app_context(qtbot, db_url, signed_in_as(database, member)) as ctx:
        page = _page(qtbot, IncidentsPage(ctx))
        assert isinstance(page, IncidentsPage)
        _open(qtbot, page, incident_id)
        editor = page.editor

        # Someone resolves it while the form shows it open; "Start work" must not undo that.
        service.change_status(incident_id, "resolved", resolution_notes="Rolled back the deploy")
        resolved = service.get(incident_id)
        with qtbot.waitSignal(editor.failed, timeout=TIMEOUT_MS) as failed:
            editor.transition_buttons["in_progress"].click()
        assert "Not moved to in progress" in failed.args[0]
        assert "changed this incident meanwhile" in editor.banner.message
        assert service.get(incident_id) == resolved
        # Nothing was typed, so their version is shown now, with its own buttons.
        record = editor.record
        assert record is not None and record.status == "resolved"
        assert record.version == resolved.version
        assert editor.transition_buttons["closed"].isVisibleTo(editor)

        # With edits in the form, the form stays on its version so Save compares per field.
        editor.title_edit.setText("Deploy 412 broke checkout")
        service.edit(incident_id, severity="high")
        changed = service.get(incident_id)
        with qtbot.waitSignal(editor.failed, timeout=TIMEOUT_MS) as failed:
            editor.transition_buttons["closed"].click()
        assert "Not closed" in failed.args[0]
        assert "Save your edits first" in editor.banner.message
        assert service.get(incident_id) == changed
        assert editor.title_edit.text() == "Deploy 412 broke checkout"
        dialog = _save_into_conflict(qtbot, page)
        assert dialog.fields() == ["title", "severity"]
        with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
            _click_save(dialog)
        saved = service.get(incident_id)
        assert (saved.title, saved.severity, saved.status) == (
            "Deploy 412 broke checkout",
            "high",
            "resolved",
        )
        page.close()


def test_blocker_edited_by_two_people_is_merged_per_field(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    [incident_id] = add_incidents(database, admin.user_id, 1)
    [blocker_id] = add_blockers(database, member.user_id, 1)
    by_admin = BlockerService(database, admin)
    start = by_admin.get(blocker_id)
    with app_context(qtbot, db_url, signed_in_as(database, member)) as ctx:
        page = _page(qtbot, BlockersPage(ctx))
        assert isinstance(page, BlockersPage)
        _open(qtbot, page, blocker_id)
        editor = page.editor

        # The admin, in their own session, rewrites the impact and links the incident.
        by_admin.edit(
            blocker_id,
            impact="Holds up the release",
            related_incident_id=incident_id,
            expected_version=start.version,
        )
        theirs = by_admin.get(blocker_id)

        editor.description_edit.setPlainText("Waiting on the vendor's API key")
        editor.impact_edit.setPlainText("Holds up the billing migration")
        dialog = _save_into_conflict(qtbot, page)
        assert by_admin.get(blocker_id) == theirs
        assert dialog.fields() == ["description", "impact", "related_incident_id"]
        assert _triple(dialog, "impact") == (
            start.impact,
            "Holds up the release",
            "Holds up the billing migration",
        )
        assert _triple(dialog, "related_incident_id") == (None, incident_id, None)
        link_views = dialog.choices["related_incident_id"].value_views
        assert [view.text() for view in link_views if isinstance(view, QLabel)] == [
            "Not linked",
            f"Incident #{incident_id}",
            "Not linked",
        ]
        assert dialog.choices["related_incident_id"].choice() == THEIRS

        _cancel(qtbot, page, dialog)
        assert editor.impact_edit.toPlainText() == "Holds up the billing migration"

        # My description and impact, their link.
        dialog = _save_into_conflict(qtbot, page)
        dialog.set_choice("impact", MINE)
        with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
            _click_save(dialog)
        wait_idle(qtbot, ctx)
        saved = by_admin.get(blocker_id)
        assert saved.description == "Waiting on the vendor's API key"
        assert saved.impact == "Holds up the billing migration"
        assert saved.related_incident_id == incident_id
        assert saved.version == theirs.version + 1
        assert not editor.has_unsaved_changes()

        # Resolving over a version someone saved since is refused, the notes stay typed.
        by_admin.edit(blocker_id, impact="Holds up the release again")
        again = by_admin.get(blocker_id)
        editor.resolve_button.click()
        editor.resolution.notes_edit.setPlainText("Key arrived")
        with qtbot.waitSignal(editor.failed, timeout=TIMEOUT_MS) as failed:
            editor.resolution.resolve_button.click()
        assert "Not resolved" in failed.args[0]
        assert by_admin.get(blocker_id) == again
        assert editor.impact_edit.toPlainText() == "Holds up the release again"
        assert editor.resolution.isVisibleTo(editor)
        assert editor.resolution.notes() == "Key arrived"
        with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
            editor.resolution.resolve_button.click()
        assert by_admin.get(blocker_id).status == "resolved"
        page.close()


def test_status_update_edited_by_two_people_is_merged_per_field(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    [update_id] = add_status_updates(database, member.user_id, 1, tags=("api",))
    by_admin = StatusUpdateService(database, admin)
    start = by_admin.get(update_id)
    with app_context(qtbot, db_url, signed_in_as(database, member)) as ctx:
        page = _page(qtbot, StatusUpdatesPage(ctx))
        assert isinstance(page, StatusUpdatesPage)
        _open(qtbot, page, update_id)
        editor = page.editor

        by_admin.edit(
            update_id,
            content="Body, with the admin's correction",
            tags=["api", "release"],
            expected_version=start.version,
        )
        theirs = by_admin.get(update_id)

        editor.title_edit.setText("Week 12: API freeze")
        editor.content_edit.set_text("Body, rewritten by the author")
        dialog = _save_into_conflict(qtbot, page)
        assert by_admin.get(update_id) == theirs
        assert dialog.fields() == ["title", "content", "tags"]
        assert _triple(dialog, "title") == ("Update 000", "Update 000", "Week 12: API freeze")
        assert _triple(dialog, "content") == (
            "Body of update 0",
            "Body, with the admin's correction",
            "Body, rewritten by the author",
        )
        assert _triple(dialog, "tags") == (("api",), ("api", "release"), ("api",))
        assert dialog.choices["content"].state_label.text() == "⚠ Changed by both of you"

        _cancel(qtbot, page, dialog)
        assert editor.content_edit.text() == "Body, rewritten by the author"

        # My title, their content, their tags.
        dialog = _save_into_conflict(qtbot, page)
        dialog.set_choice("content", THEIRS)
        with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
            _click_save(dialog)
        wait_idle(qtbot, ctx)
        saved = by_admin.get(update_id)
        assert saved.title == "Week 12: API freeze"
        assert saved.content == "Body, with the admin's correction"
        assert saved.tags == ("api", "release")
        assert saved.version == theirs.version + 1
        assert editor.content_edit.text() == "Body, with the admin's correction"
        assert not editor.has_unsaved_changes()

        # Deleting over an edit someone saved since is refused; their version is shown.
        by_admin.edit(update_id, content="One more correction")
        latest = by_admin.get(update_id)
        editor.ask_delete()
        box = editor.delete_box
        assert box is not None
        yes = box.button(QMessageBox.StandardButton.Yes)
        assert yes is not None
        with qtbot.waitSignal(editor.failed, timeout=TIMEOUT_MS) as failed:
            yes.click()
        assert "Not deleted" in failed.args[0]
        assert by_admin.get(update_id) == latest
        assert editor.content_edit.text() == "One more correction"
        page.close()
