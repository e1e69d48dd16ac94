"""The Incidents page: presets and filters over the list, and the incident editor with its workflow."""

from __future__ import annotations

import html

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import BlockerDTO, IncidentDTO, UserDTO
from asyncops_desktop.domain.enums import IncidentStatus, Severity
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.repositories.base import Repository, Sort
from asyncops_desktop.repositories.blockers import BlockerFilter, BlockerRepository
from asyncops_desktop.repositories.incidents import IncidentFilter, IncidentRepository
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.incidents import TRANSITIONS, IncidentService
from ui.context import AppContext
from ui.models.badges import blocker_status_badge, incident_status_badge, severity_badge
from ui.models.formatters import (
    active_for_text,
    exact_time,
    incident_status_label,
    one_line,
    relative_time,
)
from ui.models.incidents import ENTITY, NOUN, IncidentTableModel
from ui.models.paged import PagedTableModel, badge_icon
from ui.pages.editor import Job, RecordEditor, Values, collect
from ui.pages.page import RecordPage
from ui.widgets.fields import FieldRow, TextBox
from ui.widgets.filters import (
    DateRangeFilter,
    FilterBar,
    choice_combo,
    fill_people,
    select_data,
)
from ui.widgets.resolution import ResolutionPanel

S = IncidentStatus
ACTIVE = (S.OPEN.value, S.IN_PROGRESS.value)
UNASSIGNED = "unassigned"
# How a refused workflow change is worded ("Not resolved: ...").
STATUS_ACTIONS = {
    S.OPEN.value: "reopened",
    S.IN_PROGRESS.value: "moved to in progress",
    S.RESOLVED.value: "resolved",
    S.CLOSED.value: "closed",
}
BLOCKER_LIST_LIMIT = 100

STATUS_FILTERS: tuple[tuple[str, object], ...] = (
    ("Any status", ()),
    ("Open or in progress", ACTIVE),
    ("Open", (S.OPEN.value,)),
    ("In progress", (S.IN_PROGRESS.value,)),
    ("Resolved", (S.RESOLVED.value,)),
    ("Closed", (S.CLOSED.value,)),
    ("Resolved or closed", (S.RESOLVED.value, S.CLOSED.value)),
)
SEVERITY_FILTERS: tuple[tuple[str, object], ...] = (
    ("Any severity", ()),
    ("Critical", ("critical",)),
    ("High or critical", ("high", "critical")),
    ("High", ("high",)),
    ("Medium", ("medium",)),
    ("Low", ("low",)),
)


def transition_label(current: str, target: str) -> str:
    """The button text for moving an incident from ``current`` to ``target``."""
    if target == S.RESOLVED.value:
        return "Resolve…"
    if target == S.CLOSED.value:
        return "Close"
    if target == S.IN_PROGRESS.value:
        return "Resume work" if current == S.RESOLVED.value else "Start work"
    return "Back to open" if current == S.IN_PROGRESS.value else "Reopen"


def blockers_of(incident_id: int) -> Job[list[BlockerDTO]]:
    """A worker job: the blockers raised against an incident, newest first."""

    def job(database: Database, _actor: Actor) -> list[BlockerDTO]:
        with database.read() as session:
            return (
                BlockerRepository(session)
                .page(
                    BlockerFilter(related_incident_id=incident_id),
                    Sort("created_at"),
                    limit=BLOCKER_LIST_LIMIT,
                )
                .rows
            )

    return job


class IncidentEditor(RecordEditor[IncidentDTO]):
    """Title, description, severity, assignee; status buttons for the allowed transitions only."""

    resolution: ResolutionPanel

    noun = "incident"
    new_title = "New incident"
    conflict_text_fields = ("title", "description")
    save_new_text = "&Report incident"
    read_only_note = "Only the reporter, the assignee or an admin can change this incident."

    # The person asked to open a blocker listed under the incident.
    blocker_activated = Signal(int)
    # The status changed (the new status value), after the service accepted it.
    status_changed = Signal(str)

    def _build_form(self) -> None:
        self._people: list[UserDTO] = []
        self._blocker_generation = 0
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Title")
        self.title_edit.setPlaceholderText("What is broken, for whom?")
        self.title_edit.textChanged.connect(self.edited)
        self.add_field("title", FieldRow("&Title", self.title_edit, limit=v.TITLE_MAX))
        self.description_edit = TextBox(
            "Description", lines=6, placeholder="What happened, the impact, what was tried"
        )
        self.description_edit.textChanged.connect(self.edited)
        self.add_field(
            "description",
            FieldRow("&Description", self.description_edit, limit=v.INCIDENT_DESCRIPTION_MAX),
        )
        self.severity_combo = QComboBox()
        self.severity_combo.setAccessibleName("Severity")
        for severity in Severity:
            badge = severity_badge(severity.value)
            self.severity_combo.addItem(badge_icon(badge.icon), badge.text, severity.value)
        self.severity_combo.currentIndexChanged.connect(self.edited)
        self.assignee_combo = QComboBox()
        self.assignee_combo.setAccessibleName("Assignee")
        self.assignee_combo.addItem("Unassigned", None)
        self.assignee_combo.currentIndexChanged.connect(self.edited)
        pair = QWidget()
        pair_layout = QHBoxLayout(pair)
        pair_layout.setContentsMargins(0, 0, 0, 0)
        pair_layout.setSpacing(12)
        severity_row = FieldRow("Se&verity", self.severity_combo)
        assignee_row = FieldRow("&Assignee", self.assignee_combo)
        pair_layout.addWidget(severity_row, 1)
        pair_layout.addWidget(assignee_row, 2)
        self.register_field("severity", severity_row)
        self.register_field("assigned_to_id", assignee_row)
        self.form_layout.addWidget(pair)

        self.workflow_box = QGroupBox("Status")
        self.workflow_box.setAccessibleName("Status workflow")
        self.status_badge_text = QLabel()
        self.status_badge_text.setAccessibleName("Current status")
        self.transition_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for status in S:
            button = QPushButton()
            button.setObjectName(f"transition_{status.value}")
            button.clicked.connect(
                lambda _checked=False, target=status.value: self._on_transition(target)
            )
            self.transition_buttons[status.value] = button
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.resolution = ResolutionPanel("incident")
        self.resolution.confirmed.connect(self._resolve)
        self.resolved_label = QLabel()
        self.resolved_label.setAccessibleName("Resolution")
        self.resolved_label.setWordWrap(True)
        self.resolved_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        workflow = QVBoxLayout(self.workflow_box)
        workflow.addWidget(self.status_badge_text)
        workflow.addLayout(buttons)
        workflow.addWidget(self.resolution)
        workflow.addWidget(self.resolved_label)
        self.form_layout.addWidget(self.workflow_box)

        self.blockers_box = QGroupBox("Blockers raised against this incident")
        self.blockers_box.setAccessibleName("Blockers raised against this incident")
        self.blocker_list = QListWidget()
        self.blocker_list.setAccessibleName("Blockers raised against this incident")
        self.blocker_list.setMaximumHeight(self.fontMetrics().lineSpacing() * 7)
        self.blocker_list.setAlternatingRowColors(True)
        self.blocker_list.setWordWrap(True)
        self.blocker_list.setIconSize(QSize(16, 16))
        self.blocker_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.blocker_list.itemActivated.connect(self._on_blocker_activated)
        blockers = QVBoxLayout(self.blockers_box)
        blockers.addWidget(self.blocker_list)
        self.form_layout.addWidget(self.blockers_box)

    # -- values -----------------------------------------------------------------------------
    def _blank_values(self) -> Values:
        return {"title": "", "description": "", "severity": "medium", "assigned_to_id": None}

    def _values_of(self, record: IncidentDTO) -> Values:
        return {
            "title": record.title,
            "description": record.description,
            "severity": record.severity,
            "assigned_to_id": record.assigned_to_id,
        }

    def _current_values(self) -> Values:
        return {
            "title": self.title_edit.text(),
            "description": self.description_edit.toPlainText(),
            "severity": self.severity_combo.currentData(),
            "assigned_to_id": self.assignee_combo.currentData(),
        }

    def _fill(self, values: Values) -> None:
        self.title_edit.setText(str(values["title"]))
        self.title_edit.setCursorPosition(0)
        self.description_edit.setPlainText(str(values["description"]))
        select_data(self.severity_combo, values["severity"])
        self._fill_assignees(values["assigned_to_id"])

    def set_people(self, users: list[UserDTO]) -> None:
        """The accounts to offer as assignees (the active ones)."""
        self._people = users
        self._filling = True
        try:
            self._fill_assignees(self.assignee_combo.currentData())
        finally:
            self._filling = False

    def _fill_assignees(self, selected: object) -> None:
        me = self.context.actor.user_id
        self.assignee_combo.blockSignals(True)
        self.assignee_combo.clear()
        self.assignee_combo.addItem("Unassigned", None)
        for user in self._people:
            if user.is_active:
                suffix = " (you)" if user.id == me else ""
                self.assignee_combo.addItem(f"{user.full_name}{suffix}", user.id)
        if not select_data(self.assignee_combo, selected) and isinstance(selected, int):
            # Assigned to someone deactivated since (or not loaded yet): show, don't drop them.
            record = self.record
            name = (
                record.assignee_name
                if record is not None and record.assigned_to_id == selected
                else None
            )
            if name and self._people:
                label = f"{name} (deactivated)"
            else:
                # The people list is still on its way: the name alone, for now.
                label = name or f"User #{selected}"
            self.assignee_combo.addItem(label, selected)
            select_data(self.assignee_combo, selected)
        self.assignee_combo.blockSignals(False)

    def _validate(self, values: Values) -> list[ValidationError]:
        errors: list[ValidationError] = []
        collect(errors, lambda: v.text("title", values["title"], v.TITLE_MAX))
        collect(
            errors,
            lambda: v.text("description", values["description"], v.INCIDENT_DESCRIPTION_MAX),
        )
        collect(errors, lambda: v.choice("severity", values["severity"], Severity))
        return errors

    def _save_job(self, record: IncidentDTO | None, values: Values) -> Job[IncidentDTO]:
        title, description = str(values["title"]), str(values["description"])
        severity = str(values["severity"])
        assignee = values["assigned_to_id"]
        assigned_to_id = assignee if isinstance(assignee, int) else None
        if record is None:

            def report(database: Database, actor: Actor) -> IncidentDTO:
                return IncidentService(database, actor).report(
                    title=title,
                    description=description,
                    severity=severity,
                    assigned_to_id=assigned_to_id,
                )

            return report
        # Only what changed is sent, against the version the form was loaded from: someone
        # else's save in between is refused, not overwritten. An unchanged assignee is not
        # re-checked, so a since-deactivated one does not block a save.
        snapshot = self._snapshot
        changed: dict[str, object] = {
            key: str(values[key])
            for key in ("title", "description", "severity")
            if values[key] != snapshot.get(key)
        }
        if assigned_to_id != snapshot.get("assigned_to_id"):
            changed["assigned_to_id"] = assigned_to_id
        record_id, version = record.id, record.version

        def edit(database: Database, actor: Actor) -> IncidentDTO:
            return IncidentService(database, actor).edit(
                record_id,
                expected_version=version,
                **changed,  # type: ignore[arg-type]
            )

        return edit

    def _can_edit(self, record: IncidentDTO | None) -> bool:
        actor = self.context.actor
        return (
            record is None
            or actor.is_admin
            or actor.user_id in (record.reported_by_id, record.assigned_to_id)
        )

    def has_unsaved_changes(self) -> bool:
        """Form changes, or resolution notes typed but not submitted."""
        return super().has_unsaved_changes() or self.resolution.has_notes()

    def revert(self) -> None:
        """Undo form changes and close the resolution notes."""
        super().revert()
        if self.resolution.isVisibleTo(self):
            self.resolution.cancel()

    def _title_of(self, record: IncidentDTO) -> str:
        return f"Incident #{record.id}"

    def _describe(self, field: str, value: object) -> str:
        if field == "severity" and isinstance(value, str):
            return severity_badge(value).text
        if field == "assigned_to_id":
            return self._person_name(value)
        return super()._describe(field, value)

    def _person_name(self, user_id: object) -> str:
        if not isinstance(user_id, int):
            return "Unassigned"
        for user in self._people:
            if user.id == user_id:
                return user.full_name
        record = self.record
        if record is not None and record.assigned_to_id == user_id and record.assignee_name:
            return record.assignee_name
        return f"User #{user_id}"

    def _meta_of(self, record: IncidentDTO) -> str:
        parts = [
            f"Reported by {html.escape(record.reporter_name)} "
            f'<span title="{exact_time(record.created_at)}">{relative_time(record.created_at)}</span>',
            f'updated <span title="{exact_time(record.updated_at)}">'
            f"{relative_time(record.updated_at)}</span>",
        ]
        return " · ".join(parts)

    # -- workflow ---------------------------------------------------------------------------
    def _record_changed(self, record: IncidentDTO | None) -> None:
        self.workflow_box.setVisible(record is not None)
        self.blockers_box.setVisible(record is not None)
        self.resolution.hide()
        if record is None:
            self.badge.set_badge(None)
            self.blocker_list.clear()
            return
        self.badge.set_badge(incident_status_badge(record.status), prefix="Status: ")
        self.meta_label.setToolTip(
            f"Reported {exact_time(record.created_at)}\nLast changed {exact_time(record.updated_at)}"
        )
        self._update_workflow(record)
        self.load_blockers()

    def _update_workflow(self, record: IncidentDTO) -> None:
        current = S(record.status)
        allowed = {status.value for status in TRANSITIONS[current]}
        editable = self._can_edit(record)
        sev = severity_badge(record.severity)
        self.status_badge_text.setText(
            f"<b>{incident_status_label(record.status)}</b> · severity {sev.text.lower()}"
        )
        for target, button in self.transition_buttons.items():
            label = transition_label(record.status, target)
            button.setText(label)
            button.setAccessibleName(
                f"{label.rstrip('…')}: set the status to {incident_status_label(target).lower()}"
            )
            button.setToolTip(
                f"{incident_status_label(record.status)} → {incident_status_label(target)}"
            )
            button.setVisible(target in allowed)
            button.setEnabled(editable and not self.is_saving)
        if record.resolved_at is not None:
            notes = html.escape(record.resolution_notes or "").replace("\n", "<br>")
            self.resolved_label.setText(
                f'Resolved <span title="{exact_time(record.resolved_at)}">'
                f"{relative_time(record.resolved_at)}</span> ({exact_time(record.resolved_at)})"
                + (f"<br><i>{notes}</i>" if notes else "")
            )
            self.resolved_label.show()
        else:
            self.resolved_label.hide()

    def _update_buttons(self) -> None:
        super()._update_buttons()
        record = self.record
        if record is not None and hasattr(self, "transition_buttons"):
            editable = self._can_edit(record)
            for button in self.transition_buttons.values():
                button.setEnabled(editable and not self.is_saving)
            self.resolution.resolve_button.setEnabled(editable and not self.is_saving)

    def _on_transition(self, target: str) -> None:
        if target == S.RESOLVED.value:
            self.resolution.open_panel()
            return
        self._change_status(target, None)

    def _resolve(self, notes: str) -> None:
        self._change_status(S.RESOLVED.value, notes)

    def change_status(self, target: str, notes: str | None = None) -> None:
        """Move the incident along the workflow (what the status buttons do)."""
        self._change_status(target, notes)

    def _change_status(self, target: str, notes: str | None) -> None:
        record = self.record
        if record is None or self.is_saving or not self._can_edit(record):
            return
        record_id, version = record.id, record.version

        def job(database: Database, actor: Actor) -> IncidentDTO:
            return IncidentService(database, actor).change_status(
                record_id, target, resolution_notes=notes, expected_version=version
            )

        self._submit_status_change(job, STATUS_ACTIONS.get(target, "changed"))

    def _status_change_saved(self, record: IncidentDTO) -> None:
        self.status_changed.emit(record.status)

    # -- blockers ---------------------------------------------------------------------------
    def load_blockers(self) -> None:
        """Fetch the blockers raised against the shown incident."""
        record = self.record
        if record is None:
            return
        self._blocker_generation += 1
        generation = self._blocker_generation
        self.blocker_list.clear()
        self.blocker_list.addItem("Loading…")
        self.context.submit(
            blockers_of(record.id),
            lambda blockers: self._on_blockers(generation, blockers),
            lambda message: self._on_blockers_failed(generation, message),
        )

    def _on_blockers(self, generation: int, blockers: list[BlockerDTO]) -> None:
        if not shiboken6.isValid(self) or generation != self._blocker_generation:
            return
        self.blocker_list.clear()
        if not blockers:
            empty = QListWidgetItem("No blockers raised against this incident.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.blocker_list.addItem(empty)
            return
        for blocker in blockers:
            badge = blocker_status_badge(blocker.status)
            text = (
                f"#{blocker.id}  {badge.text} · {active_for_text(blocker.created_at, blocker.resolved_at)}"
                f" — {one_line(blocker.description, 90)}"
            )
            item = QListWidgetItem(badge_icon(badge.icon), text)
            item.setData(Qt.ItemDataRole.UserRole, blocker.id)
            item.setToolTip(
                f"{one_line(blocker.description, 300)}\n\nImpact: {one_line(blocker.impact, 200)}"
                "\n\nDouble-click to open the blocker."
            )
            self.blocker_list.addItem(item)

    def _on_blockers_failed(self, generation: int, message: str) -> None:
        if not shiboken6.isValid(self) or generation != self._blocker_generation:
            return
        self.blocker_list.clear()
        self.blocker_list.addItem(f"Blockers could not be loaded: {message}")

    def _on_blocker_activated(self, item: QListWidgetItem) -> None:
        blocker_id = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(blocker_id, int):
            self.blocker_activated.emit(blocker_id)


class IncidentsPage(RecordPage[IncidentDTO]):
    """Incidents: presets, filters by status, severity, people and date; report and work them."""

    entity = ENTITY
    singular, plural = NOUN
    page_title = "Incidents"
    new_text = "&New incident"
    empty_text = "No incidents reported.\nPress Ctrl+N to report one."
    filtered_empty_text = "No incidents match these filters."
    choose_text = "Select an incident to see and work on it,\nor press Ctrl+N to report a new one."

    # The person opened a blocker listed under an incident: the window shows the Blockers page.
    open_blocker_requested = Signal(int)

    editor: IncidentEditor

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("incidentsPage")
        self.editor.blocker_activated.connect(self.open_blocker_requested)

    def _create_model(self) -> PagedTableModel[IncidentDTO]:
        return IncidentTableModel(self.context, parent=self)

    def _create_editor(self) -> IncidentEditor:
        return IncidentEditor(self.context)

    def _repository(self) -> type[Repository[IncidentDTO]]:
        return IncidentRepository

    def _build_quick_filters(self, row: QHBoxLayout) -> None:
        me = self.context.actor.user_id
        self.presets: dict[str, tuple[QPushButton, IncidentFilter]] = {}
        for name, preset in (
            ("Open critical", IncidentFilter(statuses=ACTIVE, severities=("critical",))),
            ("Assigned to me", IncidentFilter(statuses=ACTIVE, assignee_id=me)),
            ("Unassigned", IncidentFilter(statuses=ACTIVE, unassigned=True)),
        ):
            button = QPushButton(name)
            button.setCheckable(True)
            button.setAccessibleName(f"Preset: {name}")
            button.setToolTip(
                {
                    "Open critical": "Critical incidents that are open or in progress",
                    "Assigned to me": "Open or in-progress incidents assigned to you",
                    "Unassigned": "Open or in-progress incidents nobody is assigned to",
                }[name]
            )
            button.clicked.connect(lambda _checked=False, preset=name: self.apply_preset(preset))
            row.addWidget(button)
            self.presets[name] = (button, preset)

    def _build_filters(self, bar: FilterBar) -> None:
        self.status_filter = choice_combo("Status filter", STATUS_FILTERS)
        self.status_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.status_filter, "&Status:")
        self.severity_filter = choice_combo("Severity filter", SEVERITY_FILTERS)
        self.severity_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.severity_filter, "Se&verity:")
        self.assignee_filter = choice_combo(
            "Assignee filter", [("Anyone", None), ("Unassigned", UNASSIGNED)]
        )
        self.assignee_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.assignee_filter, "Ass&ignee:")
        self.reporter_filter = choice_combo("Reporter filter", [("Anyone", None)])
        self.reporter_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.reporter_filter, "Re&porter:")
        self.date_filter = DateRangeFilter("Reported")
        self.date_filter.changed.connect(self._apply_filters)
        bar.add(self.date_filter, "Repor&ted:")

    def apply_preset(self, name: str) -> None:
        """Set the filter controls to a preset ("Open critical", "Assigned to me", "Unassigned")."""
        _button, preset = self.presets[name]
        self._filters_suspended = True
        try:
            self._reset_filter_controls()
            select_data(self.status_filter, preset.statuses)
            select_data(self.severity_filter, preset.severities)
            if preset.unassigned:
                select_data(self.assignee_filter, UNASSIGNED)
            elif preset.assignee_id is not None and not select_data(
                self.assignee_filter, preset.assignee_id
            ):
                # People not loaded yet: offer "me" so the filter still means something.
                self.assignee_filter.addItem("Me", preset.assignee_id)
                select_data(self.assignee_filter, preset.assignee_id)
        finally:
            self._filters_suspended = False
        self._apply_filters()

    def _filters(self, text: str | None) -> IncidentFilter:
        created_from, created_to = self.date_filter.range_utc()
        statuses = self.status_filter.currentData()
        severities = self.severity_filter.currentData()
        assignee = self.assignee_filter.currentData()
        reporter = self.reporter_filter.currentData()
        return IncidentFilter(
            statuses=tuple(statuses or ()),
            severities=tuple(severities or ()),
            assignee_id=assignee if isinstance(assignee, int) else None,
            unassigned=assignee == UNASSIGNED,
            reporter_id=reporter if isinstance(reporter, int) else None,
            created_from=created_from,
            created_to=created_to,
            text=text,
        )

    def _update_filter_state(self) -> None:
        super()._update_filter_state()
        current = self.model.filters
        for button, preset in self.presets.values():
            button.setChecked(current == preset)

    def _reset_filter_controls(self) -> None:
        for combo in (
            self.status_filter,
            self.severity_filter,
            self.assignee_filter,
            self.reporter_filter,
        ):
            combo.setCurrentIndex(0)
        self.date_filter.set_preset(None)

    def _people_loaded(self) -> None:
        me = self.context.actor.user_id
        fill_people(
            self.assignee_filter,
            self.users,
            [("Anyone", None), ("Unassigned", UNASSIGNED)],
            me=me,
        )
        fill_people(self.reporter_filter, self.users, [("Anyone", None)], me=me)
        self.editor.set_people(self.users)

    def _refresh_extras(self) -> None:
        if self.editor.record is not None:
            self.editor.load_blockers()

    def _on_data_changed(self, entity: str) -> None:
        if entity == "blockers":
            # Blockers do not change incident rows; only the editor's list of them.
            self._refresh_extras()
            return
        super()._on_data_changed(entity)
