"""The Decisions page on SQLite and PostgreSQL: list, search, filters, editor, history, conflicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pages_support import (
    TIMEOUT_MS,
    app_context,
    count_rows,
    save_and_wait,
    show_page,
    signed_in_as,
    wait_idle,
)
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import DecisionDTO
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from ui.context import AppContext
from ui.dialogs.conflict import MINE, THEIRS
from ui.models.decisions import HIGHLIGHT_ROLE, OVERDUE_ROLE, TITLE_COLUMN, DecisionTableModel
from ui.pages.decisions import DecisionsPage
from ui.widgets.filters import select_data

TODAY = dt.date.today()


@pytest.fixture
def context(qtbot: QtBot, db_url: str, database: Database, admin: Actor) -> Iterator[AppContext]:
    """Signed in as the admin."""
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as ctx:
        yield ctx


def _record(
    database: Database,
    actor: Actor,
    title: str,
    *,
    participants: tuple[int, ...] = (),
    **extra: object,
) -> int:
    values: dict[str, object] = {
        "description": f"Description of {title}",
        "context": "Some context",
        "outcome": "- an outcome",
        "decision_date": TODAY - dt.timedelta(days=3),
        "participant_ids": list(participants),
    }
    values.update(extra)
    detail = DecisionService(database, actor).record(title=title, **values)  # type: ignore[arg-type]
    return detail.decision.id


def _page(qtbot: QtBot, context: AppContext) -> DecisionsPage:
    page = DecisionsPage(context)
    show_page(qtbot, page, context)
    return page


def _open(qtbot: QtBot, page: DecisionsPage, decision_id: int) -> None:
    wait_idle(qtbot, page.context)
    shown = page.editor.record
    if shown is not None and shown.id == decision_id and page.editor.history.entries:
        # Already open (the page opens the first row itself) with its history in.
        return
    with qtbot.waitSignal(page.editor.history_loaded, timeout=TIMEOUT_MS):
        page.open_record(decision_id)
    wait_idle(qtbot, page.context)
    record = page.editor.record
    assert record is not None and record.id == decision_id


def _titles(page: DecisionsPage) -> list[str]:
    return [page.model.row_at(row).title for row in range(page.model.rowCount())]


def _wait_count(qtbot: QtBot, page: DecisionsPage, text: str) -> None:
    qtbot.waitUntil(lambda: page.count_label.text() == text, timeout=TIMEOUT_MS)
    wait_idle(qtbot, page.context)


def test_list_search_with_highlights_and_filters(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, member: Actor
) -> None:
    _record(database, admin, "Adopt PostgreSQL for the shared server", tags=["database"])
    _record(
        database,
        admin,
        "Review the on-call rota",
        participants=(member.user_id,),
        review_by=TODAY - dt.timedelta(days=1),
    )
    _record(database, admin, "Keep SQLite for laptops", status="proposed")
    page = _page(qtbot, context)
    _wait_count(qtbot, page, "3 decisions")

    # Search: ranked hits, the matching word bold in the title, markup escaped.
    page.search_box.setText("postgresql")
    page.search_box.flush()
    _wait_count(qtbot, page, "1 decision")
    model = page.model
    assert isinstance(model, DecisionTableModel) and model.searching
    marked = model.index(0, TITLE_COLUMN).data(HIGHLIGHT_ROLE)
    assert "<b>PostgreSQL</b>" in marked
    page.clear_filters()
    _wait_count(qtbot, page, "3 decisions")
    assert model.index(0, TITLE_COLUMN).data(HIGHLIGHT_ROLE) is None

    # Filters: status, participant, tag, due for review (marked by an icon, not colour alone).
    assert select_data(page.status_filter, ("proposed",))
    _wait_count(qtbot, page, "1 decision")
    assert _titles(page) == ["Keep SQLite for laptops"]
    page.clear_filters()
    assert select_data(page.participant_filter, member.user_id)
    _wait_count(qtbot, page, "1 decision")
    page.clear_filters()
    qtbot.waitUntil(lambda: page.tag_filter.count() > 1, timeout=TIMEOUT_MS)
    assert select_data(page.tag_filter, "database")
    _wait_count(qtbot, page, "1 decision")
    page.clear_filters()
    page.set_due_for_review(True)
    _wait_count(qtbot, page, "1 decision")
    assert _titles(page) == ["Review the on-call rota"]
    assert model.index(0, 0).data(OVERDUE_ROLE) is True
    assert not model.index(0, TITLE_COLUMN).data(Qt.ItemDataRole.DecorationRole).isNull()


@pytest.mark.parametrize("force_py", [False, True], ids=["qt-tester", "python-tester"])
def test_the_model_passes_the_model_tester(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    context: AppContext,
    database: Database,
    admin: Actor,
    force_py: bool,
) -> None:
    for n in range(9):
        _record(database, admin, f"Decision about caching {n}", review_by=TODAY)
    model = DecisionTableModel(context, page_size=4)
    qtmodeltester.check(model, force_py=force_py)  # type: ignore[no-untyped-call]
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.reload()
    assert model.rowCount() == 4
    with qtbot.waitSignal(model.rowsInserted, timeout=TIMEOUT_MS):
        model.fetchMore(QModelIndex())
    # Ranked search pages by offset.
    from asyncops_desktop.repositories.decisions import DecisionFilter

    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.set_filters(DecisionFilter(text="caching"))
    assert model.rowCount() == 4 and model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.rowsInserted, timeout=TIMEOUT_MS):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 8
    for column in range(model.columnCount()):
        model.index(0, column).data(HIGHLIGHT_ROLE)
    wait_idle(qtbot, context)


def test_new_decision_errors_next_to_fields_then_saved(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, member: Actor
) -> None:
    page = _page(qtbot, context)
    page.new_record()
    editor = page.editor
    editor.description_edit.setPlainText("x" * 5001)
    editor.save()
    assert editor.error_for("title") == "Title is required."
    assert "5,000" in editor.error_for("description")
    assert context.worker.pending_jobs == 0
    QTest.keyClicks(editor.title_edit, "Use feature flags")
    editor.description_edit.setPlainText("Flags for every risky change.")
    editor.tag_edit.add_tag("release")
    qtbot.waitUntil(lambda: editor.participants_edit.list.count() >= 2, timeout=TIMEOUT_MS)
    editor.participants_edit.check(member.user_id)
    editor.save()
    assert set(editor.errors()) == {"context", "outcome"}
    editor.context_edit.setPlainText("Risky deploys broke checkout twice.")
    editor.outcome_edit.set_text("Every risky change ships **behind a flag**.")
    assert editor.errors() == {}
    saved = save_and_wait(qtbot, editor)
    assert isinstance(saved, DecisionDTO)
    detail = DecisionService(database, admin).get(saved.id)
    assert detail.participant_ids == tuple(sorted((admin.user_id, member.user_id)))
    assert detail.decision.tags == ("release",)
    _wait_count(qtbot, page, "1 decision")


def test_no_op_save_writes_nothing_and_history_renders_diffs_and_people(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor, member: Actor
) -> None:
    decision_id = _record(database, admin, "Ship weekly", participants=(admin.user_id,))
    page = _page(qtbot, context)
    _open(qtbot, page, decision_id)
    editor = page.editor
    before = count_rows(database, "decision_audit_log")
    with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
        assert editor.save()
    wait_idle(qtbot, context)
    assert count_rows(database, "decision_audit_log") == before

    # "weekly" is replaced (struck through); the rest is added after it.
    editor.description_edit.setPlainText("Description of Ship every week, on Tuesdays")
    editor.participants_edit.check(member.user_id)
    with qtbot.waitSignal(editor.history_loaded, timeout=TIMEOUT_MS):
        save_and_wait(qtbot, editor)
    wait_idle(qtbot, context)
    assert count_rows(database, "decision_audit_log") == before + 2
    history = editor.history
    assert [entry.field_name for entry in history.entries][:2] in (
        ["participants", "description"],
        ["description", "participants"],
    )
    html = history.browser.toHtml()
    assert "<s " in html or "text-decoration: line-through" in html
    text = history.browser.toPlainText()
    assert "changed Description" in text
    assert "on Tuesdays" in text
    assert "Added: Max Member" in text
    assert "recorded the decision" in text

    history.set_field_filter("participants")
    assert [entry.field_name for entry in history.matching()] == ["participants"]
    history.set_field_filter(None)
    # Only people who changed something are offered.
    assert history.person_filter.findData(member.user_id) == -1
    history.set_person_filter(admin.user_id)
    assert history.matching() == history.entries
    history.set_person_filter(None)

    # The version right after creation: the old description, read-only, with the way back.
    created = history.entries[-1]
    editor.description_edit.setPlainText("typed, not saved")
    editor.show_version(created)
    assert editor.viewing_version
    assert "Viewing the version of" in editor.version_view.banner.message
    assert "Description of Ship weekly" in editor.version_view.text()
    assert "Tuesdays" not in editor.version_view.text()
    assert not editor.save_button.isVisibleTo(editor)
    editor.version_view.back_button.click()
    assert not editor.viewing_version
    assert editor.description_edit.toPlainText() == "typed, not saved"


def test_long_history_renders_lazily(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    decision_id = _record(database, admin, "Often edited")
    service = DecisionService(database, admin)
    for n in range(60):
        service.update(decision_id, context=f"Context version {n}")
    page = _page(qtbot, context)
    _open(qtbot, page, decision_id)
    history = page.editor.history
    assert len(history.entries) == 61
    assert history.rendered_count() == 15
    assert "Show 46 older entries" in history.browser.toPlainText()
    history.show_more()
    assert history.rendered_count() == 61


def test_supersede_delete_and_restore(
    qtbot: QtBot, context: AppContext, database: Database, admin: Actor
) -> None:
    old_id = _record(database, admin, "Deploy on Fridays")
    page = _page(qtbot, context)
    _open(qtbot, page, old_id)
    editor = page.editor
    assert editor.supersede_button.isVisibleTo(editor)
    editor.supersede_button.click()
    assert editor.supersedes is not None and editor.supersedes.id == old_id
    assert editor.title_label.text() == f"New decision superseding #{old_id}"
    editor.title_edit.setText("Never deploy on Fridays")
    assert select_data(editor.status_combo, "accepted")
    new = save_and_wait(qtbot, editor)
    assert isinstance(new, DecisionDTO)
    old = DecisionService(database, admin).get(old_id).decision
    assert (old.status, old.superseded_by_id) == ("superseded", new.id)

    # The old one links to its successor.
    _open(qtbot, page, old_id)
    assert editor.link_label.isVisibleTo(editor)
    assert f"decision:{new.id}" in editor.link_label.text()
    assert not editor.supersede_button.isVisibleTo(editor)

    # Delete (soft) and restore as admin.
    _open(qtbot, page, new.id)
    editor.ask_delete()
    box = editor.delete_box
    assert box is not None and "restore" in box.informativeText()
    with qtbot.waitSignal(editor.deleted, timeout=TIMEOUT_MS):
        box.button(box.StandardButton.Yes).click()
    wait_idle(qtbot, context)
    assert DecisionService(database, admin).get(new.id).decision.deleted_at is not None
    page.set_show_deleted(True)
    _wait_count(qtbot, page, "1 decision")
    _open(qtbot, page, new.id)
    assert editor.restore_button.isVisibleTo(editor)
    assert not editor.save_button.isVisibleTo(editor)
    with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
        editor.restore_button.click()
    assert DecisionService(database, admin).get(new.id).decision.deleted_at is None
    wait_idle(qtbot, context)


def test_concurrent_edit_resolved_per_field(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    decision_id = _record(
        database, admin, "Pick a queue", participants=(admin.user_id, member.user_id)
    )
    with (
        app_context(qtbot, db_url, signed_in_as(database, admin)) as first,
        app_context(qtbot, db_url, signed_in_as(database, member)) as second,
    ):
        page_a = _page(qtbot, first)
        page_b = _page(qtbot, second)
        _open(qtbot, page_a, decision_id)
        _open(qtbot, page_b, decision_id)
        editor_a, editor_b = page_a.editor, page_b.editor

        # A saves first.
        editor_a.title_edit.setText("Pick RabbitMQ")
        editor_a.context_edit.setPlainText("Their context")
        save_and_wait(qtbot, editor_a)
        wait_idle(qtbot, first)

        # B edited the same version: the save opens the conflict dialog instead of overwriting.
        editor_b.title_edit.setText("Pick Kafka")
        editor_b.outcome_edit.set_text("My outcome")
        audit_before = count_rows(database, "decision_audit_log")
        with qtbot.waitSignal(editor_b.conflict_opened, timeout=TIMEOUT_MS) as opened:
            editor_b.save_button.click()
        dialog = opened.args[0]
        assert count_rows(database, "decision_audit_log") == audit_before
        assert set(dialog.fields()) == {"title", "context", "outcome"}
        assert dialog.choices["title"].conflict.base == "Pick a queue"
        assert dialog.choices["title"].conflict.theirs == "Pick RabbitMQ"
        assert dialog.choices["title"].conflict.mine == "Pick Kafka"
        assert dialog.choices["context"].choice() == THEIRS
        assert dialog.choices["outcome"].choice() == MINE

        # Cancel first: nothing typed is lost, nothing saved.
        dialog.reject()
        qtbot.waitUntil(lambda: editor_b.conflict_dialog is None)
        assert editor_b.title_edit.text() == "Pick Kafka"
        assert editor_b.has_unsaved_changes()

        # Save again, choose per field, save on top of their version.
        with qtbot.waitSignal(editor_b.conflict_opened, timeout=TIMEOUT_MS) as opened:
            editor_b.save_button.click()
        dialog = opened.args[0]
        dialog.set_edited("title", "Pick RabbitMQ, Kafka later")
        with qtbot.waitSignal(editor_b.saved, timeout=TIMEOUT_MS):
            dialog.save_button.click()
        wait_idle(qtbot, second)
        saved = DecisionService(database, admin).get(decision_id).decision
        assert saved.title == "Pick RabbitMQ, Kafka later"
        assert saved.context == "Their context"
        assert saved.outcome == "My outcome"
        assert not editor_b.has_unsaved_changes()
        record = editor_b.record
        assert record is not None and record.version == saved.version
        for page in (page_a, page_b):
            page.close()
