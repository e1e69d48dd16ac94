"""The Status updates page on SQLite and PostgreSQL: list, filters, editor, rules, guard, roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pages_support import (
    TIMEOUT_MS,
    add_status_updates,
    answer_unsaved,
    app_context,
    count_rows,
    save_and_wait,
    show_page,
    signed_in_as,
    wait_idle,
)
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import StatusUpdateDTO
from asyncops_desktop.domain.models import StatusUpdate
from asyncops_desktop.repositories.status_updates import StatusUpdateFilter
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.status_updates import StatusUpdateService
from ui.context import AppContext
from ui.models.status_updates import STATUS_UPDATE_COLUMNS
from ui.pages import StatusUpdatesPage
from ui.pages.editor import RecordEditor


@pytest.fixture
def context(qtbot: QtBot, db_url: str, database: Database, admin: Actor) -> Iterator[AppContext]:
    """Signed in as the admin."""
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as ctx:
        yield ctx


def _page(qtbot: QtBot, context: AppContext) -> StatusUpdatesPage:
    page = StatusUpdatesPage(context)
    show_page(qtbot, page, context)
    return page


def _write(page: StatusUpdatesPage, title: str, content: str, tags: list[str]) -> None:
    editor = page.editor
    editor.title_edit.setText(title)
    editor.content_edit.set_text(content)
    editor.tag_edit.set_tags(tags)


def test_the_list_opens_with_its_count_and_the_newest_update(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    ids = add_status_updates(database, admin.user_id, 3, tags=("deploy",))
    counts: list[int] = []
    page = StatusUpdatesPage(context)
    page.row_count_changed.connect(counts.append)
    show_page(qtbot, page, context)
    assert page.count_label.text() == "3 status updates"
    assert counts[-1] == 3
    # The newest is opened so the editor pane is not empty on arrival.
    assert page.editor.record is not None and page.editor.record.id == ids[-1]
    assert page.view.currentIndex().row() == 0
    assert page.editor.title_edit.text() == "Update 002"
    assert "deploy (3)" in [page.tag_filter.itemText(i) for i in range(page.tag_filter.count())]
    assert page.editor.tag_edit.suggestions.stringList() == ["deploy"]


def test_an_empty_database_says_what_to_do(qtbot: QtBot, context: AppContext) -> None:
    page = _page(qtbot, context)
    assert page.count_label.text() == "0 status updates"
    assert "Ctrl+N" in page.view.placeholder_text()
    assert page.detail.currentWidget() is page.placeholder
    page.search_box.setText("nothing")
    with qtbot.waitSignal(page.model.page_loaded, timeout=TIMEOUT_MS):
        page.search_box.flush()
    assert page.view.placeholder_text() == "No status updates match these filters."
    assert page.clear_filters_button.isEnabled()


def test_posting_a_new_update(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    page = _page(qtbot, context)
    changed: list[str] = []
    context.data_changed.connect(changed.append)
    page.new_record()
    assert page.detail.currentWidget() is page.editor
    assert page.editor.is_new
    assert not page.editor.save_button.isEnabled()
    QTest.keyClicks(page.editor.title_edit, "Release 4.2 is out")
    page.editor.content_edit.set_text("## Done\n\n- shipped **4.2**")
    QTest.keyClicks(page.editor.tag_edit.input, "release,")
    assert page.has_unsaved_changes()
    with qtbot.waitSignal(page.model.page_loaded, timeout=TIMEOUT_MS):
        saved = save_and_wait(qtbot, page.editor)
    assert isinstance(saved, StatusUpdateDTO)
    assert (saved.title, saved.tags, saved.user_id) == (
        "Release 4.2 is out",
        ("release",),
        admin.user_id,
    )
    assert changed == ["status_updates"]
    assert not page.has_unsaved_changes()
    assert page.editor.title_label.text() == f"Status update #{saved.id}"
    assert page.count_label.text() == "1 status update"
    # The saved row is selected in the reloaded list.
    assert page.view.currentIndex().row() == page.model.row_of(saved.id) == 0
    assert count_rows(database, "status_updates") == 1


def test_every_rule_is_shown_next_to_its_field_before_anything_is_sent(
    qtbot: QtBot, context: AppContext, database: Database
) -> None:
    page = _page(qtbot, context)
    page.new_record()
    editor = page.editor
    cases = [
        (("", "body", []), "title", "Title is required."),
        (("   ", "body", []), "title", "Title is required."),
        (("x" * 201, "body", []), "title", "Title must be at most 200 characters (it has 201)."),
        (("a\x00b", "body", []), "title", "Title must not contain NUL characters."),
        (("ok", "", []), "content", "Content is required."),
        (
            ("ok", "y" * 10_001, []),
            "content",
            "Content must be at most 10,000 characters (it has 10,001).",
        ),
        (("ok", "body", ["t" * 51]), "tags", "Tags: Each tag must be at most 50 characters."),
        (("ok", "body", [f"t{n}" for n in range(21)]), "tags", "Tags: At most 20 tags."),
    ]
    for (title, content, tags), field, message in cases:
        _write(page, title, content, tags)
        assert not editor.save()
        assert editor.error_for(field) == message, field
        assert context.worker.pending_jobs == 0
    # Several broken rules are all shown at once.
    _write(page, "", "", [])
    editor.save()
    assert set(editor.errors()) == {"title", "content"}
    # Fixing a field clears its error as you type.
    QTest.keyClicks(editor.title_edit, "Fixed")
    assert editor.error_for("title") == ""
    assert editor.error_for("content") == "Content is required."
    # The counter turns red past the limit.
    editor.title_edit.setText("x" * 205)
    counter = editor.field("title").counter
    assert counter is not None and counter.over_limit
    assert counter.text() == "205 / 200 · 5 too many"
    assert count_rows(database, "status_updates") == 0


def test_a_rule_broken_on_the_server_lands_on_its_field(
    qtbot: QtBot, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, context)
    page.new_record()
    _write(page, "   ", "body", [])
    # As if the form's own check had missed it: the service's ValidationError names the field.
    monkeypatch.setattr(page.editor, "_validate", lambda values: [])
    assert page.editor.save()
    qtbot.waitUntil(lambda: not page.editor.is_saving, timeout=TIMEOUT_MS)
    assert page.editor.error_for("title") == "Title is required."
    assert page.editor.banner.message == ""
    assert page.editor.title_edit.text() == "   "


def test_a_failed_save_keeps_the_text_and_retries(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_status_updates(database, admin.user_id, 1)
    page = _page(qtbot, context)
    editor = page.editor
    editor.title_edit.setText("Edited while the server is away")
    open_database = context.handle.database
    context.handle.database = None  # the connection is gone
    with qtbot.waitSignal(editor.failed, timeout=TIMEOUT_MS) as failed:
        editor.save_button.click()
        # Save is disabled while the save is on its way.
        assert not editor.save_button.isEnabled()
        assert editor.save_button.text() == "Saving…"
    assert failed.args == ["The database is not open."]
    assert "The database is not open." in editor.banner.message
    assert editor.banner.retry_button.isVisible()
    assert editor.title_edit.text() == "Edited while the server is away"
    assert page.has_unsaved_changes()
    assert editor.save_button.isEnabled()
    context.handle.database = open_database  # the server is back
    with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
        editor.banner.retry_button.click()
    assert editor.banner.message == ""
    assert StatusUpdateService(database, admin).get(1).title == "Edited while the server is away"


def test_unsaved_changes_ask_to_save_discard_or_cancel(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    first, second = add_status_updates(database, admin.user_id, 2)
    page = _page(qtbot, context)
    assert page.editor.record is not None and page.editor.record.id == second
    assert not page.has_unsaved_changes()
    assert page.confirm_leave()
    page.editor.title_edit.setText("Changed")
    assert page.has_unsaved_changes()
    proceeded: list[str] = []

    # Cancel: nothing happens, the edit stays.
    assert not page.confirm_leave(lambda: proceeded.append("left"))
    answer_unsaved(qtbot, page, QMessageBox.StandardButton.Cancel)
    assert proceeded == [] and page.editor.title_edit.text() == "Changed"

    # Discard: the edit is dropped, then the caller goes on.
    assert not page.confirm_leave(lambda: proceeded.append("left"))
    answer_unsaved(qtbot, page, QMessageBox.StandardButton.Discard)
    assert proceeded == ["left"]
    assert page.editor.title_edit.text() == "Update 001"
    assert not page.has_unsaved_changes()

    # Save: the caller goes on only after the save succeeded.
    page.editor.title_edit.setText("Saved on the way out")
    assert not page.confirm_leave(lambda: proceeded.append("after save"))
    with qtbot.waitSignal(page.editor.saved, timeout=TIMEOUT_MS):
        answer_unsaved(qtbot, page, QMessageBox.StandardButton.Save)
    assert proceeded == ["left", "after save"]
    assert StatusUpdateService(database, admin).get(second).title == "Saved on the way out"
    wait_idle(qtbot, context)

    # Switching rows with an edit asks first, and keeps the edited row selected meanwhile.
    page.editor.title_edit.setText("Edited again")
    other_row = page.model.row_of(first)
    assert other_row is not None
    page.view.selectRow(other_row)
    assert page.editor.record is not None and page.editor.record.id == second
    assert page.model.row_at(page.view.currentIndex().row()).id == second
    answer_unsaved(qtbot, page, QMessageBox.StandardButton.Discard)
    assert page.editor.record.id == first
    assert page.model.row_at(page.view.currentIndex().row()).id == first

    # Escape on a changed form asks too; on a blank new form it just closes it.
    page.editor.title_edit.setText("Escape me")
    page.cancel_edit()
    answer_unsaved(qtbot, page, QMessageBox.StandardButton.Discard)
    assert page.editor.title_edit.text() == "Update 000"
    page.new_record()
    page.cancel_edit()
    assert page.detail.currentWidget() is page.placeholder

    # New while editing asks, then opens the blank form.
    page.open_record(first)
    page.editor.content_edit.set_text("changed body")
    page.new_record()
    answer_unsaved(qtbot, page, QMessageBox.StandardButton.Discard)
    assert page.editor.is_new


def test_delete_asks_first(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    add_status_updates(database, admin.user_id, 2)
    page = _page(qtbot, context)
    editor = page.editor
    assert editor.delete_button.isVisible()
    editor.delete_button.click()
    box = editor.delete_box
    assert box is not None and box.isVisible()
    assert "cannot be undone" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert count_rows(database, "status_updates") == 2
    editor.delete_button.click()
    box = editor.delete_box
    assert box is not None
    with (
        qtbot.waitSignal(page.model.page_loaded, timeout=TIMEOUT_MS),
        qtbot.waitSignal(editor.deleted, timeout=TIMEOUT_MS),
    ):
        box.button(QMessageBox.StandardButton.Yes).click()
    assert count_rows(database, "status_updates") == 1
    assert page.count_label.text() == "1 status update"
    assert page.detail.currentWidget() is page.placeholder


def test_a_member_edits_only_their_own_updates(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    theirs = add_status_updates(database, admin.user_id, 1)[0]
    mine = StatusUpdateService(database, member).post(title="Mine", content="body").id
    with app_context(qtbot, db_url, signed_in_as(database, member)) as context:
        page = _page(qtbot, context)
        page.open_record(theirs)
        editor = page.editor
        assert editor.record is not None and editor.record.id == theirs
        assert editor.title_edit.isReadOnly()
        assert editor.content_edit.editor.isReadOnly()
        assert not editor.tag_edit.input.isVisibleTo(editor)
        assert not editor.save_button.isVisibleTo(editor)
        assert not editor.delete_button.isVisibleTo(editor)
        assert editor.note_label.isVisibleTo(editor)
        assert "author or an admin" in editor.note_label.text()
        editor.title_edit.setText("sneaky")  # programmatic: read-only stops typing, not code
        assert not page.has_unsaved_changes()
        assert not editor.save()
        page.open_record(mine)
        assert not editor.title_edit.isReadOnly()
        assert editor.save_button.isVisibleTo(editor)
        assert editor.delete_button.isVisibleTo(editor)
        assert not editor.note_label.isVisibleTo(editor)
        # Anyone may post.
        page.new_record()
        assert editor.save_button.isVisibleTo(editor)


def test_filters_by_author_tag_date_and_text(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, member: Actor
) -> None:
    add_status_updates(database, admin.user_id, 4, tags=("deploy",))
    StatusUpdateService(database, member).post(title="Member note", content="x", tags=["ops"])
    page = _page(qtbot, context)
    assert page.model.total == 5

    def apply(action: object) -> None:
        with qtbot.waitSignal(page.model.page_loaded, timeout=TIMEOUT_MS):
            assert callable(action)
            action()

    author = [page.author_filter.itemData(i) for i in range(page.author_filter.count())]
    assert author[0] is None and member.user_id in author
    apply(lambda: page.author_filter.setCurrentIndex(author.index(member.user_id)))
    assert page.model.total == 1 and page.count_label.text() == "1 status update"
    assert page.model.filters == StatusUpdateFilter(author_id=member.user_id)
    apply(page.clear_filters)
    assert page.model.total == 5

    tags = [page.tag_filter.itemData(i) for i in range(page.tag_filter.count())]
    apply(lambda: page.tag_filter.setCurrentIndex(tags.index("deploy")))
    assert page.model.total == 4

    tomorrow = dt.date.today() + dt.timedelta(days=1)
    apply(lambda: page.date_filter.set_custom(tomorrow, tomorrow + dt.timedelta(days=3)))
    assert page.model.total == 0
    apply(lambda: page.date_filter.set_preset(7))
    assert page.model.total == 4
    apply(page.clear_filters)

    with qtbot.waitSignal(page.model.page_loaded, timeout=TIMEOUT_MS):
        QTest.keyClicks(page.search_box, "member")
    assert page.model.total == 1
    assert page.model.row_at(0).title == "Member note"


def test_header_click_sorts_and_state_is_remembered(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, tmp_path: Path
) -> None:
    add_status_updates(database, admin.user_id, 5)
    page = _page(qtbot, context)
    title = [c.key for c in STATUS_UPDATE_COLUMNS].index("title")
    header = page.view.horizontalHeader()
    with qtbot.waitSignal(page.model.page_loaded, timeout=TIMEOUT_MS):
        header.setSortIndicator(title, Qt.SortOrder.AscendingOrder)
    assert [page.model.row_at(r).title for r in range(5)] == [f"Update {n:03d}" for n in range(5)]
    # Unsortable columns put the indicator back and query nothing.
    author = [c.key for c in STATUS_UPDATE_COLUMNS].index("author")
    header.setSortIndicator(author, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == title
    assert not page.model.is_busy
    page.view.set_column_visible(author, False)
    page.splitter.setSizes([900, 380])
    settings = QSettings(str(tmp_path / "state.ini"), QSettings.Format.IniFormat)
    page.save_state(settings)
    settings.sync()

    again = StatusUpdatesPage(context)
    show_page(qtbot, again, context)
    with qtbot.waitSignal(again.model.page_loaded, timeout=TIMEOUT_MS):
        again.restore_state(QSettings(str(tmp_path / "state.ini"), QSettings.Format.IniFormat))
    assert again.view.horizontalHeader().isSectionHidden(author)
    assert again.model.current_sort.key == "title"
    assert again.model.row_at(0).title == "Update 000"
    assert again.splitter.sizes()[0] > again.splitter.sizes()[1]
    content = (tmp_path / "state.ini").read_text(encoding="utf-8")
    assert "password" not in content.lower()


def test_markdown_preview_and_tag_completion_in_the_editor(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    StatusUpdateService(database, admin).post(title="t", content="c", tags=["database", "deploy"])
    page = _page(qtbot, context)
    editor = page.editor
    editor.content_edit.editor.setPlainText(
        "## Heading\n\n**bold** and a [link](https://example.com)"
    )
    qtbot.waitUntil(lambda: "Heading" in editor.content_edit.preview_text(), timeout=TIMEOUT_MS)
    assert "**" not in editor.content_edit.preview_text()
    assert sorted(editor.tag_edit.suggestions.stringList()) == ["database", "deploy"]
    counter = editor.field("content").counter
    assert counter is not None and counter.text().endswith("/ 10,000")


def test_a_record_deleted_elsewhere_reports_instead_of_crashing(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    [update_id] = add_status_updates(database, admin.user_id, 1)
    page = _page(qtbot, context)
    with database.write() as session:
        row = session.get(StatusUpdate, update_id)
        assert row is not None
        session.delete(row)
    page.editor.title_edit.setText("Too late")
    with qtbot.waitSignal(page.editor.failed, timeout=TIMEOUT_MS) as failed:
        page.save()
    assert failed.args == [f"Status update {update_id} does not exist"]
    assert page.editor.title_edit.text() == "Too late"
    editor: RecordEditor[StatusUpdateDTO] = page.editor
    assert editor.banner.retry_button.isVisible()
