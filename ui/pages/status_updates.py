"""The Status updates page: the list with author, tag and date filters, and the update editor."""

from __future__ import annotations

import html

import shiboken6
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import StatusUpdateDTO
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.repositories.base import Repository
from asyncops_desktop.repositories.status_updates import StatusUpdateFilter, StatusUpdateRepository
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.status_updates import StatusUpdateService
from ui.context import AppContext
from ui.models.formatters import exact_time, relative_time
from ui.models.paged import PagedTableModel
from ui.models.status_updates import ENTITY, NOUN, StatusUpdateTableModel
from ui.pages.editor import Job, RecordEditor, Values, collect
from ui.pages.page import RecordPage
from ui.widgets.fields import FieldRow
from ui.widgets.filters import DateRangeFilter, FilterBar, choice_combo, fill_people, select_data
from ui.widgets.markdown_editor import MarkdownEditor
from ui.widgets.tag_editor import TagEditor

ANY_TAG = "Any tag"


def _tag_list(value: object) -> list[str]:
    return [str(tag) for tag in value] if isinstance(value, tuple | list) else []


def tags_in_use(database: Database, actor: Actor) -> list[tuple[str, int]]:
    """A worker job: every tag with its use count, most used first."""
    return StatusUpdateService(database, actor).tags_in_use()


class StatusUpdateEditor(RecordEditor[StatusUpdateDTO]):
    """Title, Markdown content with a live preview, and tags; authors edit their own."""

    noun = "status update"
    new_title = "New status update"
    conflict_text_fields = ("title", "content")
    save_new_text = "&Post update"
    read_only_note = "Only its author or an admin can change this status update."

    def _build_form(self) -> None:
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Title")
        self.title_edit.setPlaceholderText("What is this update about?")
        self.title_edit.textChanged.connect(self.edited)
        self.add_field("title", FieldRow("&Title", self.title_edit, limit=v.TITLE_MAX))
        self.content_edit = MarkdownEditor("Content")
        self.content_edit.setMinimumHeight(240)
        self.content_edit.text_changed.connect(self.edited)
        self.add_field(
            "content",
            FieldRow(
                "&Content",
                self.content_edit,
                limit=v.STATUS_CONTENT_MAX,
                counted=self.content_edit.editor,
            ),
            stretch=1,
        )
        self.tag_edit = TagEditor("Tags")
        self.tag_edit.tags_changed.connect(self.edited)
        self.tag_edit.input.textChanged.connect(self.edited)
        self.add_field(
            "tags",
            FieldRow(
                "T&ags",
                self.tag_edit,
                hint=f"Up to {v.TAGS_MAX} tags of at most {v.TAG_MAX} characters; "
                "Enter or a comma adds one",
            ),
        )

    def _blank_values(self) -> Values:
        return {"title": "", "content": "", "tags": ()}

    def _values_of(self, record: StatusUpdateDTO) -> Values:
        return {"title": record.title, "content": record.content, "tags": tuple(record.tags)}

    def _current_values(self) -> Values:
        return {
            "title": self.title_edit.text(),
            "content": self.content_edit.text(),
            "tags": tuple(self.tag_edit.tags_with_pending()),
        }

    def _fill(self, values: Values) -> None:
        self.title_edit.setText(str(values["title"]))
        self.title_edit.setCursorPosition(0)
        self.content_edit.set_text(str(values["content"]))
        tags = values["tags"]
        assert isinstance(tags, tuple)
        self.tag_edit.set_tags([str(tag) for tag in tags])

    def _validate(self, values: Values) -> list[ValidationError]:
        errors: list[ValidationError] = []
        collect(errors, lambda: v.text("title", values["title"], v.TITLE_MAX))
        collect(errors, lambda: v.text("content", values["content"], v.STATUS_CONTENT_MAX))
        collect(errors, lambda: v.tags("tags", _tag_list(values["tags"])))
        return errors

    def _save_job(self, record: StatusUpdateDTO | None, values: Values) -> Job[StatusUpdateDTO]:
        title, content = str(values["title"]), str(values["content"])
        tags = _tag_list(values["tags"])
        if record is None:

            def post(database: Database, actor: Actor) -> StatusUpdateDTO:
                return StatusUpdateService(database, actor).post(
                    title=title, content=content, tags=tags
                )

            return post
        # Only what changed is sent, against the version the form was loaded from: someone
        # else's save in between is refused, not overwritten.
        snapshot = self._snapshot
        changed: dict[str, object] = {
            key: str(values[key]) for key in ("title", "content") if values[key] != snapshot[key]
        }
        if tuple(tags) != snapshot["tags"]:
            changed["tags"] = tags
        record_id, version = record.id, record.version

        def edit(database: Database, actor: Actor) -> StatusUpdateDTO:
            return StatusUpdateService(database, actor).edit(
                record_id,
                expected_version=version,
                **changed,  # type: ignore[arg-type]
            )

        return edit

    def _can_edit(self, record: StatusUpdateDTO | None) -> bool:
        actor = self.context.actor
        return record is None or actor.is_admin or record.user_id == actor.user_id

    def _can_delete(self, record: StatusUpdateDTO) -> bool:
        return self._can_edit(record)

    def _delete_job(self, record: StatusUpdateDTO) -> Job[None]:
        record_id, version = record.id, record.version

        def job(database: Database, actor: Actor) -> None:
            # Not over an edit someone saved since this one was loaded.
            StatusUpdateService(database, actor).delete(record_id, expected_version=version)

        return job

    def _title_of(self, record: StatusUpdateDTO) -> str:
        return f"Status update #{record.id}"

    def _meta_of(self, record: StatusUpdateDTO) -> str:
        parts = [
            f"By {html.escape(record.author_name)}",
            f'<span title="{exact_time(record.created_at)}">posted '
            f"{relative_time(record.created_at)}</span>",
        ]
        if record.updated_at != record.created_at:
            parts.append(
                f'<span title="{exact_time(record.updated_at)}">edited '
                f"{relative_time(record.updated_at)}</span>"
            )
        return " · ".join(parts)

    def _record_changed(self, record: StatusUpdateDTO | None) -> None:
        if record is not None:
            self.meta_label.setToolTip(
                f"Posted {exact_time(record.created_at)}\nLast changed {exact_time(record.updated_at)}"
            )
        else:
            self.meta_label.setToolTip("")


class StatusUpdatesPage(RecordPage[StatusUpdateDTO]):
    """Status updates: search, filter by author, tag and date; write, edit and delete."""

    entity = ENTITY
    singular, plural = NOUN
    page_title = "Status updates"
    new_text = "&New update"
    empty_text = "No status updates yet.\nPress Ctrl+N to write the first one."
    filtered_empty_text = "No status updates match these filters."
    choose_text = "Select a status update to read or edit it,\nor press Ctrl+N to write a new one."

    editor: StatusUpdateEditor

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("statusUpdatesPage")

    def _create_model(self) -> PagedTableModel[StatusUpdateDTO]:
        return StatusUpdateTableModel(self.context, parent=self)

    def _create_editor(self) -> StatusUpdateEditor:
        return StatusUpdateEditor(self.context)

    def _repository(self) -> type[Repository[StatusUpdateDTO]]:
        return StatusUpdateRepository

    def _build_filters(self, bar: FilterBar) -> None:
        self.author_filter = choice_combo("Author filter", [("Anyone", None)])
        self.author_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.author_filter, "&Author:")
        self.tag_filter: QComboBox = choice_combo("Tag filter", [(ANY_TAG, None)])
        self.tag_filter.setMinimumContentsLength(10)
        self.tag_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.tag_filter, "Ta&g:")
        self.date_filter = DateRangeFilter("Posted")
        self.date_filter.changed.connect(self._apply_filters)
        bar.add(self.date_filter, "&Posted:")

    def _filters(self, text: str | None) -> StatusUpdateFilter:
        created_from, created_to = self.date_filter.range_utc()
        author = self.author_filter.currentData()
        tag = self.tag_filter.currentData()
        return StatusUpdateFilter(
            author_id=author if isinstance(author, int) else None,
            tag=tag if isinstance(tag, str) else None,
            created_from=created_from,
            created_to=created_to,
            text=text,
        )

    def _reset_filter_controls(self) -> None:
        self.author_filter.setCurrentIndex(0)
        self.tag_filter.setCurrentIndex(0)
        self.date_filter.set_preset(None)

    def _people_loaded(self) -> None:
        fill_people(
            self.author_filter, self.users, [("Anyone", None)], me=self.context.actor.user_id
        )

    def _refresh_extras(self) -> None:
        self.context.submit(tags_in_use, self._on_tags, self._on_aux_failed)

    def _on_tags(self, tags: list[tuple[str, int]]) -> None:
        if not shiboken6.isValid(self):
            return
        self.editor.tag_edit.set_suggestions(tags)
        current = self.tag_filter.currentData()
        self.tag_filter.blockSignals(True)
        self.tag_filter.clear()
        self.tag_filter.addItem(ANY_TAG, None)
        for tag, count in tags:
            self.tag_filter.addItem(f"{tag} ({count:,})", tag)
        kept = select_data(self.tag_filter, current)
        if not kept:
            self.tag_filter.setCurrentIndex(0)
        self.tag_filter.blockSignals(False)
        if not kept and current is not None:
            # The tag filtered by is no longer used anywhere: show everything instead.
            self._apply_filters()
