"""The Blockers page: filters by status, age and linked record; the editor resolves and reopens."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import BlockerDTO
from asyncops_desktop.domain.enums import BlockerStatus
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.repositories.base import Repository
from asyncops_desktop.repositories.blockers import BlockerFilter, BlockerRepository
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.blockers import BlockerService
from ui.context import AppContext
from ui.models.badges import blocker_status_badge
from ui.models.blockers import ENTITY, NOUN, BlockerTableModel
from ui.models.formatters import duration_text, exact_time, relative_time, utc_now
from ui.models.paged import PagedTableModel
from ui.pages.editor import Job, RecordEditor, Values, collect
from ui.pages.page import RecordPage
from ui.widgets.fields import FieldRow, TextBox
from ui.widgets.filters import FilterBar, choice_combo
from ui.widgets.record_picker import INCIDENT, STATUS_UPDATE, RecordPicker
from ui.widgets.resolution import ResolutionPanel

STATUS_FILTERS: tuple[tuple[str, object], ...] = (
    ("Any status", None),
    ("Active", BlockerStatus.ACTIVE.value),
    ("Resolved", BlockerStatus.RESOLVED.value),
)
AGE_FILTERS: tuple[tuple[str, object], ...] = (
    ("Any age", None),
    ("Older than 1 day", 1),
    ("Older than 3 days", 3),
    ("Older than a week", 7),
    ("Older than 2 weeks", 14),
    ("Older than 30 days", 30),
)


class BlockerEditor(RecordEditor[BlockerDTO]):
    """Description, impact and links; resolve with notes, reopen; the reporter or an admin edits."""

    resolution: ResolutionPanel

    noun = "blocker"
    new_title = "New blocker"
    conflict_text_fields = ("description", "impact")
    save_new_text = "&Raise blocker"
    read_only_note = "Only the person who raised this blocker or an admin can change it."

    def _build_form(self) -> None:
        self.description_edit = TextBox("Description", lines=5, placeholder="What is in the way?")
        self.description_edit.textChanged.connect(self.edited)
        self.add_field(
            "description",
            FieldRow("&Description", self.description_edit, limit=v.BLOCKER_DESCRIPTION_MAX),
        )
        self.impact_edit = TextBox(
            "Impact", lines=3, placeholder="What does it hold up, for whom, by when?"
        )
        self.impact_edit.textChanged.connect(self.edited)
        self.add_field("impact", FieldRow("&Impact", self.impact_edit, limit=v.BLOCKER_IMPACT_MAX))
        self.incident_picker = RecordPicker(self.context, name="Linked incident", kinds=(INCIDENT,))
        self.incident_picker.value_changed.connect(self.edited)
        self.add_field(
            "related_incident_id",
            FieldRow(
                "Linked i&ncident",
                self.incident_picker,
                hint="The incident this blocker waits on: type part of its title or #id",
            ),
        )
        self.update_picker = RecordPicker(
            self.context, name="Linked status update", kinds=(STATUS_UPDATE,)
        )
        self.update_picker.value_changed.connect(self.edited)
        self.add_field(
            "related_status_id",
            FieldRow(
                "Linked status &update",
                self.update_picker,
                hint="The status update that reported it: type part of its title or #id",
            ),
        )

        self.status_box = QGroupBox("Status")
        self.status_box.setAccessibleName("Blocker status")
        self.status_text = QLabel()
        self.status_text.setAccessibleName("How long it has been in the way")
        self.status_text.setWordWrap(True)
        self.status_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.resolve_button = QPushButton("Resolve…")
        self.resolve_button.setAccessibleName("Resolve this blocker")
        self.resolve_button.clicked.connect(self._open_resolution)
        self.reopen_button = QPushButton("Reopen")
        self.reopen_button.setAccessibleName("Reopen this blocker")
        self.reopen_button.clicked.connect(self.reopen)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resolve_button)
        buttons.addWidget(self.reopen_button)
        buttons.addStretch(1)
        self.resolution = ResolutionPanel("blocker")
        self.resolution.confirmed.connect(self.resolve)
        box = QVBoxLayout(self.status_box)
        box.addWidget(self.status_text)
        box.addLayout(buttons)
        box.addWidget(self.resolution)
        self.form_layout.addWidget(self.status_box)

    # -- values -----------------------------------------------------------------------------
    def _blank_values(self) -> Values:
        return {
            "description": "",
            "impact": "",
            "related_incident_id": None,
            "related_status_id": None,
        }

    def _values_of(self, record: BlockerDTO) -> Values:
        return {
            "description": record.description,
            "impact": record.impact,
            "related_incident_id": record.related_incident_id,
            "related_status_id": record.related_status_id,
        }

    def _current_values(self) -> Values:
        incident = self.incident_picker.value()
        update = self.update_picker.value()
        return {
            "description": self.description_edit.toPlainText(),
            "impact": self.impact_edit.toPlainText(),
            "related_incident_id": None if incident is None else incident.id,
            "related_status_id": None if update is None else update.id,
        }

    def _fill(self, values: Values) -> None:
        self.description_edit.setPlainText(str(values["description"]))
        self.impact_edit.setPlainText(str(values["impact"]))
        incident, update = values["related_incident_id"], values["related_status_id"]
        current = self._current_values()
        # Only look titles up when the link changed (each lookup is a query).
        if current["related_incident_id"] != incident:
            self.incident_picker.set_link(INCIDENT, incident if isinstance(incident, int) else None)
        if current["related_status_id"] != update:
            self.update_picker.set_link(STATUS_UPDATE, update if isinstance(update, int) else None)

    def _validate(self, values: Values) -> list[ValidationError]:
        errors: list[ValidationError] = []
        collect(
            errors,
            lambda: v.text("description", values["description"], v.BLOCKER_DESCRIPTION_MAX),
        )
        collect(errors, lambda: v.text("impact", values["impact"], v.BLOCKER_IMPACT_MAX))
        return errors

    def _save_job(self, record: BlockerDTO | None, values: Values) -> Job[BlockerDTO]:
        description, impact = str(values["description"]), str(values["impact"])
        incident, update = values["related_incident_id"], values["related_status_id"]
        incident_id = incident if isinstance(incident, int) else None
        status_id = update if isinstance(update, int) else None
        if record is None:

            def raise_one(database: Database, actor: Actor) -> BlockerDTO:
                return BlockerService(database, actor).raise_blocker(
                    description=description,
                    impact=impact,
                    related_status_id=status_id,
                    related_incident_id=incident_id,
                )

            return raise_one
        # Only what changed is sent, against the version the form was loaded from: someone
        # else's save in between is refused, not overwritten.
        snapshot = self._snapshot
        changed: dict[str, object] = {
            key: str(values[key])
            for key in ("description", "impact")
            if values[key] != snapshot.get(key)
        }
        if (incident_id, status_id) != (
            snapshot.get("related_incident_id"),
            snapshot.get("related_status_id"),
        ):
            # clear_links first, then the chosen ones: the links end up exactly as shown.
            changed.update(
                related_status_id=status_id, related_incident_id=incident_id, clear_links=True
            )
        record_id, version = record.id, record.version

        def edit(database: Database, actor: Actor) -> BlockerDTO:
            return BlockerService(database, actor).edit(
                record_id,
                expected_version=version,
                **changed,  # type: ignore[arg-type]
            )

        return edit

    def _can_edit(self, record: BlockerDTO | None) -> bool:
        actor = self.context.actor
        return record is None or actor.is_admin or record.reported_by_id == actor.user_id

    def has_unsaved_changes(self) -> bool:
        """Form changes, or resolution notes typed but not submitted."""
        return super().has_unsaved_changes() or self.resolution.has_notes()

    def revert(self) -> None:
        """Undo form changes and close the resolution notes."""
        super().revert()
        if self.resolution.isVisibleTo(self):
            self.resolution.cancel()

    def _title_of(self, record: BlockerDTO) -> str:
        return f"Blocker #{record.id}"

    def _describe(self, field: str, value: object) -> str:
        picker = {
            "related_incident_id": self.incident_picker,
            "related_status_id": self.update_picker,
        }.get(field)
        if picker is None:
            return super()._describe(field, value)
        if not isinstance(value, int):
            return "Not linked"
        shown = picker.value()
        if shown is not None and shown.id == value and shown.title != "…":
            return shown.label
        kind = "Incident" if field == "related_incident_id" else "Status update"
        return f"{kind} #{value}"

    def _meta_of(self, record: BlockerDTO) -> str:
        return (
            f"Raised by {html.escape(record.reporter_name)} "
            f'<span title="{exact_time(record.created_at)}">{relative_time(record.created_at)}</span>'
            f' · updated <span title="{exact_time(record.updated_at)}">'
            f"{relative_time(record.updated_at)}</span>"
        )

    # -- status -----------------------------------------------------------------------------
    def _record_changed(self, record: BlockerDTO | None) -> None:
        self.status_box.setVisible(record is not None)
        self.resolution.hide()
        if record is None:
            self.badge.set_badge(None)
            return
        self.badge.set_badge(blocker_status_badge(record.status), prefix="Status: ")
        self.meta_label.setToolTip(
            f"Raised {exact_time(record.created_at)}\nLast changed {exact_time(record.updated_at)}"
        )
        if record.resolved_at is None:
            span = duration_text(utc_now() - record.created_at)
            self.status_text.setText(
                f"<b>Active for {span}</b>, since {exact_time(record.created_at)}."
            )
        else:
            took = duration_text(record.resolved_at - record.created_at)
            notes = html.escape(record.resolution_notes or "").replace("\n", "<br>")
            self.status_text.setText(
                f"<b>Resolved {relative_time(record.resolved_at)}</b> "
                f"({exact_time(record.resolved_at)}) after {took}."
                + (f"<br><i>{notes}</i>" if notes else "")
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        super()._update_buttons()
        record = self.record
        if record is None or not hasattr(self, "resolve_button"):
            return
        editable = self._can_edit(record) and not self.is_saving
        active = record.status == BlockerStatus.ACTIVE.value
        self.resolve_button.setVisible(active)
        self.reopen_button.setVisible(not active)
        self.resolve_button.setEnabled(editable)
        self.reopen_button.setEnabled(editable)
        self.resolution.resolve_button.setEnabled(editable)

    def _open_resolution(self) -> None:
        self.resolution.open_panel()

    def resolve(self, notes: str) -> None:
        """Resolve the blocker with notes (sets when it was resolved)."""
        record = self.record
        if record is None or self.is_saving or not self._can_edit(record):
            return
        record_id, version = record.id, record.version

        def job(database: Database, actor: Actor) -> BlockerDTO:
            return BlockerService(database, actor).resolve(
                record_id, notes, expected_version=version
            )

        self._submit_status_change(job, "resolved")

    def reopen(self) -> None:
        """Make a resolved blocker active again."""
        record = self.record
        if record is None or self.is_saving or not self._can_edit(record):
            return
        record_id, version = record.id, record.version

        def job(database: Database, actor: Actor) -> BlockerDTO:
            return BlockerService(database, actor).reopen(record_id, expected_version=version)

        self._submit_status_change(job, "reopened")


class BlockersPage(RecordPage[BlockerDTO]):
    """Blockers: filter by status, age and linked record; raise, edit, resolve and reopen."""

    entity = ENTITY
    singular, plural = NOUN
    page_title = "Blockers"
    new_text = "&New blocker"
    empty_text = "No blockers — nothing is in the way.\nPress Ctrl+N to raise one."
    filtered_empty_text = "No blockers match these filters."
    choose_text = "Select a blocker to see and resolve it,\nor press Ctrl+N to raise a new one."
    # Deleting a status update unlinks its blockers (the list's "Linked to" column).
    watches = ("status_updates",)

    editor: BlockerEditor

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("blockersPage")

    def _create_model(self) -> PagedTableModel[BlockerDTO]:
        return BlockerTableModel(self.context, parent=self)

    def _create_editor(self) -> BlockerEditor:
        return BlockerEditor(self.context)

    def _repository(self) -> type[Repository[BlockerDTO]]:
        return BlockerRepository

    def _build_filters(self, bar: FilterBar) -> None:
        self.status_filter = choice_combo("Status filter", STATUS_FILTERS)
        self.status_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.status_filter, "&Status:")
        self.age_filter = choice_combo("Age filter", AGE_FILTERS)
        self.age_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.age_filter, "A&ge:")
        self.link_filter = RecordPicker(self.context, name="Linked to")
        self.link_filter.setMinimumWidth(360)
        self.link_filter.value_changed.connect(self._apply_filters)
        bar.add(self.link_filter, "&Linked to:")

    def _filters(self, text: str | None) -> BlockerFilter:
        status = self.status_filter.currentData()
        days = self.age_filter.currentData()
        linked = self.link_filter.value()
        created_before = None
        if isinstance(days, int):
            # Whole minutes, so a filter built twice in a row compares equal (no extra query).
            now = utc_now().replace(second=0, microsecond=0)
            created_before = now - dt.timedelta(days=days)
        return BlockerFilter(
            status=status if isinstance(status, str) else None,
            related_incident_id=linked.id if linked and linked.kind == INCIDENT else None,
            related_status_id=linked.id if linked and linked.kind == STATUS_UPDATE else None,
            created_before=created_before,
            text=text,
        )

    def _reset_filter_controls(self) -> None:
        self.status_filter.setCurrentIndex(0)
        self.age_filter.setCurrentIndex(0)
        self.link_filter.clear()
