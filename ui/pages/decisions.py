"""The Decisions page: searchable list, the editor with its History beside it, safe concurrent edits.

The editor keeps the version it loaded and saves against it; if someone saved meanwhile the
service refuses, and the conflict dialog shows every differing field (what the edit started
from, their value, the user's) so the user chooses per field and saves on top of the new
version. Cancelling keeps everything typed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html

import shiboken6
from PySide6.QtCore import QDate, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import AuditEntryDTO, DecisionDetail, DecisionDTO
from asyncops_desktop.domain.enums import DecisionStatus
from asyncops_desktop.domain.errors import EditConflict, ValidationError
from asyncops_desktop.repositories.base import Repository, Sort
from asyncops_desktop.repositories.decisions import (
    AuditRepository,
    DecisionFilter,
    DecisionRepository,
)
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Actor
from ui.context import AppContext
from ui.models.decisions import (
    DECISION_STATUS_LABELS,
    ENTITY,
    HIGHLIGHT_ROLE,
    NOUN,
    REVIEW_COLUMN,
    TITLE_COLUMN,
    DecisionListRepository,
    DecisionRow,
    DecisionTableModel,
    day_text,
    decision_status_badge,
    decision_status_label,
)
from ui.models.formatters import exact_time, relative_time
from ui.models.paged import PagedTableModel, badge_icon
from ui.pages.decision_history import FIELD_LABELS, HistoryPanel, VersionView, state_after
from ui.pages.editor import (
    Conflicted,
    Job,
    RecordEditor,
    Rejected,
    Values,
    collect,
    keep_rule_errors,
)
from ui.pages.page import RecordPage
from ui.widgets.badges import BadgeDelegate
from ui.widgets.fields import FieldRow, TextBox
from ui.widgets.filters import (
    CUSTOM,
    DateRangeFilter,
    FilterBar,
    choice_combo,
    fill_people,
    select_data,
)
from ui.widgets.markdown_editor import MarkdownEditor
from ui.widgets.participants import ParticipantPicker
from ui.widgets.rich_text_delegate import RichTextDelegate
from ui.widgets.tag_editor import TagEditor

S = DecisionStatus
# The order fields appear in, in the form and in the conflict dialog.
FIELDS = (
    "title",
    "status",
    "decision_date",
    "review_by",
    "description",
    "context",
    "outcome",
    "tags",
    "participant_ids",
)
LONG_TEXTS = ("title", "description", "context", "outcome")
NO_REVIEW = QDate(2000, 1, 1)
STATUS_FILTERS: tuple[tuple[str, object], ...] = (
    ("Any status", ()),
    ("In force (proposed or accepted)", (S.PROPOSED.value, S.ACCEPTED.value)),
    *((label, (value,)) for value, label in DECISION_STATUS_LABELS.items()),
)
# First-show shares: the list, then the History within the editor. At 1280 px the form keeps
# about 400 px (the date fields wrap to two lines) and the History about 270 px.
LIST_SHARE = 0.36
HISTORY_SHARE = 0.40


class FieldStrip(QWidget):
    """Fields side by side while they fit, otherwise wrapped onto more lines.

    Its minimum width is the widest single field, so a narrow editor wraps the fields
    instead of growing wider than its pane (and hiding the counters off its right edge).
    """

    def __init__(self, rows: list[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows = rows
        self._columns = 0
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(6)
        self._arrange(len(rows))

    @property
    def columns(self) -> int:
        """How many fields share a line now."""
        return self._columns

    def _fits(self, columns: int, width: int) -> bool:
        spacing = self._grid.horizontalSpacing()
        for start in range(0, len(self._rows), columns):
            line = self._rows[start : start + columns]
            needed = sum(row.minimumSizeHint().width() for row in line)
            if needed + spacing * (len(line) - 1) > width:
                return False
        return True

    def _arrange(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for row in self._rows:
            self._grid.removeWidget(row)
        for index, row in enumerate(self._rows):
            self._grid.addWidget(row, index // columns, index % columns)
        for column in range(len(self._rows)):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """As narrow as the widest field; as tall as the current arrangement."""
        width = max((row.minimumSizeHint().width() for row in self._rows), default=0)
        return QSize(width, self._grid.minimumSize().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Put as many fields on a line as fit the new width."""
        width = event.size().width()
        columns = next(
            (n for n in range(len(self._rows), 1, -1) if self._fits(n, width)),
            1,
        )
        self._arrange(columns)
        super().resizeEvent(event)


@dataclasses.dataclass(frozen=True)
class Details:
    """What the editor loads beside the row: participants, history, the successor's title."""

    detail: DecisionDetail
    history: list[AuditEntryDTO]
    successor_title: str | None


def details_of(decision_id: int) -> Job[Details | None]:
    """A worker job: participants, whole history and successor title in one read transaction."""

    def job(database: Database, _actor: Actor) -> Details | None:
        with database.read() as session:
            opened = DecisionRepository(session).opened(decision_id)
            if opened is None:
                return None
            history = AuditRepository(session).for_decision(decision_id)
        return Details(opened.detail, history, opened.successor_title)

    return job


def tags_in_use(database: Database, _actor: Actor) -> list[tuple[str, int]]:
    """A worker job: the decision tags in use, most used first."""
    with database.read() as session:
        return DecisionRepository(session).all_tags()


def tags_of(values: Values) -> tuple[str, ...]:
    """The tags in a form's values."""
    tags = values["tags"]
    return tuple(str(tag) for tag in tags) if isinstance(tags, tuple | list) else ()


def qdate(day: dt.date) -> QDate:
    """A Python date as a QDate."""
    return QDate(day.year, day.month, day.day)


def pydate(value: QDate) -> dt.date:
    """A QDate as a Python date."""
    return dt.date(value.year(), value.month(), value.day())


class DecisionEditor(RecordEditor[DecisionDTO]):
    """The decision form with its History beside it; supersede, delete and restore."""

    noun = "decision"
    new_title = "New decision"
    save_new_text = "&Record decision"
    read_only_note = "Only its creator, a participant or an admin can change this decision."
    conflict_fields = FIELDS
    conflict_text_fields = LONG_TEXTS

    # The person asked to replace the shown decision with a new one.
    supersede_requested = Signal(object)
    # The person followed a link to another decision.
    decision_link_activated = Signal(int)
    # The history of the shown decision arrived.
    history_loaded = Signal(int)

    def _build_form(self) -> None:
        self._supersedes: DecisionDTO | None = None
        self._participants: dict[tuple[int, int], tuple[int, ...]] = {}
        self._details_key: tuple[int, int] | None = None
        self._details_generation = 0

        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Title")
        self.title_edit.setPlaceholderText("What was decided, in a line")
        self.title_edit.textChanged.connect(self.edited)
        self.add_field("title", FieldRow("&Title", self.title_edit, limit=v.TITLE_MAX))

        self.date_edit = QDateEdit()
        self.date_edit.setAccessibleName("Decision date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("d MMM yyyy")
        self.date_edit.dateChanged.connect(self.edited)
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("Status")
        self.status_combo.setToolTip("“Superseded” is set by Supersede with a new decision")
        for status in S:
            badge = decision_status_badge(status.value)
            self.status_combo.addItem(badge_icon(badge.icon), badge.text, status.value)
        self.status_combo.currentIndexChanged.connect(self.edited)
        self.review_edit = QDateEdit()
        self.review_edit.setAccessibleName("Review by")
        self.review_edit.setCalendarPopup(True)
        self.review_edit.setDisplayFormat("d MMM yyyy")
        self.review_edit.setMinimumDate(NO_REVIEW)
        # The minimum date stands for "no review date" and reads as such.
        self.review_edit.setSpecialValueText("No review date")
        self.review_edit.dateChanged.connect(self.edited)
        self.review_clear = QToolButton()
        self.review_clear.setText("✕")
        self.review_clear.setAccessibleName("Remove the review date")
        self.review_clear.setToolTip("No review date")
        self.review_clear.clicked.connect(lambda: self.review_edit.setDate(NO_REVIEW))
        review = QWidget()
        review_layout = QHBoxLayout(review)
        review_layout.setContentsMargins(0, 0, 0, 0)
        review_layout.setSpacing(2)
        review_layout.addWidget(self.review_edit, 1)
        review_layout.addWidget(self.review_clear)
        trio: list[QWidget] = []
        for key, row in (
            ("decision_date", FieldRow("Decision &date", self.date_edit)),
            ("status", FieldRow("St&atus", self.status_combo)),
            ("review_by", FieldRow("Re&view by", review, hint="When to look at this again")),
        ):
            self.register_field(key, row)
            trio.append(row)
        self.date_strip = FieldStrip(trio)
        self.form_layout.addWidget(self.date_strip)

        self.link_label = QLabel()
        self.link_label.setObjectName("supersededLink")
        self.link_label.setAccessibleName("Superseded by")
        self.link_label.setTextFormat(Qt.TextFormat.RichText)
        self.link_label.setWordWrap(True)
        self.link_label.linkActivated.connect(self._on_link)
        self.link_label.hide()
        self.form_layout.addWidget(self.link_label)

        self.description_edit = TextBox("Description", lines=4, placeholder="The decision itself")
        self.description_edit.textChanged.connect(self.edited)
        self.add_field(
            "description",
            FieldRow("D&escription", self.description_edit, limit=v.DECISION_TEXT_MAX),
        )
        self.context_edit = TextBox("Context", lines=4, placeholder="Why it came up, the forces")
        self.context_edit.textChanged.connect(self.edited)
        self.add_field(
            "context", FieldRow("&Context", self.context_edit, limit=v.DECISION_TEXT_MAX)
        )
        self.outcome_edit = MarkdownEditor("Outcome")
        self.outcome_edit.setMinimumHeight(180)
        # Tall enough for a few paragraphs and their preview; Tags and Participants stay near.
        self.outcome_edit.setMaximumHeight(self.fontMetrics().lineSpacing() * 19)
        self.outcome_edit.text_changed.connect(self.edited)
        self.add_field(
            "outcome",
            FieldRow(
                "&Outcome",
                self.outcome_edit,
                limit=v.DECISION_TEXT_MAX,
                counted=self.outcome_edit.editor,
            ),
        )
        self.tag_edit = TagEditor("Tags")
        self.tag_edit.tags_changed.connect(self.edited)
        self.tag_edit.input.textChanged.connect(self.edited)
        self.add_field("tags", FieldRow("Ta&gs", self.tag_edit))
        self.participants_edit = ParticipantPicker("Participants")
        self.participants_edit.changed.connect(self.edited)
        self.add_field("participant_ids", FieldRow("&Participants", self.participants_edit))

        self.supersede_button = QPushButton("Supersede with a new decision…")
        self.supersede_button.setAccessibleName("Supersede with a new decision")
        self.supersede_button.setToolTip("Write the decision that replaces this one")
        self.supersede_button.clicked.connect(self._on_supersede_clicked)
        self.restore_button = QPushButton("Rest&ore")
        self.restore_button.setAccessibleName("Restore this decision")
        self.restore_button.setToolTip("Bring this deleted decision back (admins)")
        self.restore_button.clicked.connect(self.restore)

        # The form and a past version share the left; the History sits beside them.
        self.history = HistoryPanel()
        self.history.version_requested.connect(self.show_version)
        self.history.decision_link_activated.connect(self.decision_link_activated)
        self.version_view = VersionView()
        self.version_view.back_requested.connect(self.show_current)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        index = layout.indexOf(self.scroll_area)
        self.form_stack = QStackedWidget()
        self.form_stack.setAccessibleName("Decision form or past version")
        self.form_stack.addWidget(self.scroll_area)
        self.form_stack.addWidget(self.version_view)
        self.body_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.body_splitter.setObjectName("decisionBodySplitter")
        self.body_splitter.setAccessibleName("Decision form and history")
        self.body_splitter.setChildrenCollapsible(False)
        self.body_splitter.addWidget(self.form_stack)
        self.body_splitter.addWidget(self.history)
        self.body_splitter.setStretchFactor(0, 3)
        self.body_splitter.setStretchFactor(1, 2)
        self.history.setMinimumWidth(240)
        layout.insertWidget(index, self.body_splitter, 1)
        last = layout.itemAt(layout.count() - 1)
        buttons = last.layout() if last is not None else None
        assert isinstance(buttons, QHBoxLayout)
        buttons.insertWidget(1, self.supersede_button)
        buttons.insertWidget(2, self.restore_button)

    # -- values -----------------------------------------------------------------------------
    def participants_of(self, record: DecisionDTO | None) -> tuple[int, ...] | None:
        """The participants known for ``record`` (None while loading)."""
        if record is None:
            return ()
        if isinstance(record, DecisionRow) and record.participant_ids is not None:
            return record.participant_ids
        return self._participants.get((record.id, record.version))

    def _blank_values(self) -> Values:
        return {
            "title": "",
            "status": S.ACCEPTED.value,
            "decision_date": dt.date.today(),
            "review_by": None,
            "description": "",
            "context": "",
            "outcome": "",
            "tags": (),
            "participant_ids": (self.context.actor.user_id,),
        }

    def _values_of(self, record: DecisionDTO) -> Values:
        return {
            "title": record.title,
            "status": record.status,
            "decision_date": record.decision_date,
            "review_by": record.review_by,
            "description": record.description,
            "context": record.context,
            "outcome": record.outcome,
            "tags": tuple(record.tags),
            "participant_ids": self.participants_of(record),
        }

    def _current_values(self) -> Values:
        review = self.review_edit.date()
        return {
            "title": self.title_edit.text(),
            "status": self.status_combo.currentData(),
            "decision_date": pydate(self.date_edit.date()),
            "review_by": None if review == NO_REVIEW else pydate(review),
            "description": self.description_edit.toPlainText(),
            "context": self.context_edit.toPlainText(),
            "outcome": self.outcome_edit.text(),
            "tags": tuple(self.tag_edit.tags_with_pending()),
            "participant_ids": self.participants_edit.selected(),
        }

    def _fill(self, values: Values) -> None:
        self.title_edit.setText(str(values["title"]))
        self.title_edit.setCursorPosition(0)
        self._fill_status(str(values["status"]))
        day = values["decision_date"]
        assert isinstance(day, dt.date)
        self.date_edit.setDate(qdate(day))
        review = values["review_by"]
        self.review_edit.setDate(qdate(review) if isinstance(review, dt.date) else NO_REVIEW)
        self.description_edit.setPlainText(str(values["description"]))
        self.context_edit.setPlainText(str(values["context"]))
        self.outcome_edit.set_text(str(values["outcome"]))
        tags = values["tags"]
        assert isinstance(tags, tuple)
        self.tag_edit.set_tags(tags)
        people = values["participant_ids"]
        self.participants_edit.set_selected(people if isinstance(people, tuple) else None)

    def _fill_status(self, status: str) -> None:
        # "Superseded" is offered only to a decision that already is (Supersede sets it).
        index = self.status_combo.findData(S.SUPERSEDED.value)
        view = self.status_combo.view()
        if view is not None and index >= 0:
            hidden = status != S.SUPERSEDED.value
            if hasattr(view, "setRowHidden"):
                view.setRowHidden(index, hidden)
        select_data(self.status_combo, status)

    def set_people(self, users: list[object]) -> None:
        """Everyone who can be a participant (and names for the history)."""
        from asyncops_desktop.domain.dto import UserDTO

        people = [user for user in users if isinstance(user, UserDTO)]
        self.participants_edit.set_people(people, me=self.context.actor.user_id)
        self.history.set_names(self.participants_edit.name_of)

    def _validate(self, values: Values) -> list[ValidationError]:
        errors: list[ValidationError] = []
        collect(errors, lambda: v.text("title", values["title"], v.TITLE_MAX))
        for key in ("description", "context", "outcome"):
            collect(
                errors,
                functools.partial(v.text, key, values[key], v.DECISION_TEXT_MAX),
            )
        collect(errors, lambda: v.tags("tags", list(tags_of(values))))
        if values["status"] == S.SUPERSEDED.value and (
            self.is_new or (self.record is not None and self.record.superseded_by_id is None)
        ):
            errors.append(
                ValidationError("status", "can only be set by Supersede with a new decision")
            )
        review = values["review_by"]
        day = values["decision_date"]
        if isinstance(review, dt.date) and isinstance(day, dt.date) and review < day:
            errors.append(ValidationError("review_by", "must not be before the decision date"))
        return errors

    def _save_job(self, record: DecisionDTO | None, values: Values) -> Job[DecisionDTO]:
        make_service = self.context.decision_service
        arguments: dict[str, object] = {
            "title": values["title"],
            "description": values["description"],
            "context": values["context"],
            "outcome": values["outcome"],
            "decision_date": values["decision_date"],
            "tags": list(tags_of(values)),
            "status": values["status"],
            "review_by": values["review_by"],
        }
        people = values["participant_ids"]
        if record is None:
            arguments["participant_ids"] = list(people) if isinstance(people, tuple) else []
            replaced = self._supersedes

            def create(database: Database, actor: Actor) -> DecisionDTO:
                service = make_service(database, actor)
                if replaced is not None:
                    detail = service.supersede(replaced.id, **arguments)  # type: ignore[arg-type]
                else:
                    detail = service.record(**arguments)  # type: ignore[arg-type]
                return DecisionRow.of_detail(detail)

            return create
        # Only what changed is sent: the service checks and audits exactly that.
        snapshot = self._snapshot
        changed = {
            key: value
            for key, value in arguments.items()
            if key != "tags" and value != snapshot.get(key)
        }
        if tags_of(values) != snapshot.get("tags"):
            changed["tags"] = arguments["tags"]
        if isinstance(people, tuple) and people != snapshot.get("participant_ids"):
            changed["participant_ids"] = list(people)
        record_id, version = record.id, record.version

        def update(database: Database, actor: Actor) -> DecisionDTO | Conflicted:
            service = make_service(database, actor)
            try:
                detail = service.update(record_id, expected_version=version, **changed)  # type: ignore[arg-type]
            except EditConflict as conflict:
                latest = service.history(record_id)
                who = latest[0].changed_by_name if latest else "Someone else"
                return Conflicted(conflict.current, who)
            return DecisionRow.of_detail(detail)

        return update  # type: ignore[return-value]

    def _can_edit(self, record: DecisionDTO | None) -> bool:
        if record is None:
            return True
        if record.deleted_at is not None:
            return False
        actor = self.context.actor
        if actor.is_admin or record.created_by_id == actor.user_id:
            return True
        return actor.user_id in (self.participants_of(record) or ())

    def _can_delete(self, record: DecisionDTO) -> bool:
        actor = self.context.actor
        return record.deleted_at is None and (
            actor.is_admin or record.created_by_id == actor.user_id
        )

    def _delete_job(self, record: DecisionDTO) -> Job[None]:
        record_id, version = record.id, record.version
        make_service = self.context.decision_service

        def job(database: Database, actor: Actor) -> None:
            make_service(database, actor).delete(record_id, expected_version=version)

        return job

    def _title_of(self, record: DecisionDTO) -> str:
        return f"Decision #{record.id}"

    def _meta_of(self, record: DecisionDTO) -> str:
        parts = [
            f"Recorded by {html.escape(record.creator_name)} "
            f'<span title="{exact_time(record.created_at)}">{relative_time(record.created_at)}</span>',
            f'updated <span title="{exact_time(record.updated_at)}">'
            f"{relative_time(record.updated_at)}</span>",
            f"version {record.version}",
        ]
        if record.deleted_at is not None:
            parts.append(f"<b>deleted</b> {relative_time(record.deleted_at)}")
        return " · ".join(parts)

    # -- loading ----------------------------------------------------------------------------
    def load(self, record: DecisionDTO | None) -> None:
        """Show ``record`` (None: a blank form), leaving any supersede in progress."""
        self._supersedes = None
        super().load(record)

    def _record_changed(self, record: DecisionDTO | None) -> None:
        self.form_stack.setCurrentWidget(self.scroll_area)
        if record is None:
            self._details_key = None
            self.badge.set_badge(None)
            self.link_label.setVisible(self._supersedes is not None)
            if self._supersedes is not None:
                old = self._supersedes
                self.title_label.setText(f"New decision superseding #{old.id}")
                self.link_label.setText(
                    f"Replaces <b>#{old.id} {html.escape(old.title)}</b>. It becomes "
                    "superseded when this one is accepted."
                )
                self.history.clear("The new decision's history starts when you save it.")
            else:
                self.history.clear()
            self._update_actions()
            return
        self.badge.set_badge(decision_status_badge(record.status), prefix="Status: ")
        self.meta_label.setToolTip(
            f"Recorded {exact_time(record.created_at)}\nLast changed {exact_time(record.updated_at)}"
        )
        self._show_link(record, None)
        self._update_actions()
        key = (record.id, record.version)
        if key == self._details_key:
            return
        self._details_key = key
        self._details_generation += 1
        generation = self._details_generation
        self.history.set_loading()
        self.context.submit(
            details_of(record.id),
            functools.partial(self._on_details, generation),
            functools.partial(self._on_details_failed, generation),
        )

    def _show_link(self, record: DecisionDTO, successor_title: str | None) -> None:
        successor = record.superseded_by_id
        if successor is None:
            self.link_label.hide()
            return
        title = f" — {html.escape(successor_title)}" if successor_title else ""
        self.link_label.setText(
            f'Superseded by <a href="decision:{successor}">decision #{successor}{title}</a>'
        )
        self.link_label.show()

    def _on_details(self, generation: int, details: Details | None) -> None:
        if not shiboken6.isValid(self) or generation != self._details_generation:
            return
        record = self.record
        if details is None or record is None or details.detail.decision.id != record.id:
            return
        fresh = DecisionRow.of_detail(details.detail)
        self._participants[(fresh.id, fresh.version)] = fresh.participant_ids or ()
        self.history.set_entries(details.history)
        self._show_link(fresh, details.successor_title)
        if fresh.version == record.version:
            # The same version: only the participants were missing; nothing typed is touched.
            self._details_key = (fresh.id, fresh.version)
            self.merge(fresh)
        elif not self.has_unsaved_changes():
            self.merge(fresh)
        self._show_link(fresh, details.successor_title)
        self.history_loaded.emit(len(details.history))

    def _on_details_failed(self, generation: int, message: str) -> None:
        if shiboken6.isValid(self) and generation == self._details_generation:
            self.history.set_error(message)

    def _update_actions(self) -> None:
        record = self.record
        actor = self.context.actor
        viewing = self.form_stack.currentWidget() is self.version_view
        self.supersede_button.setVisible(
            record is not None
            and record.deleted_at is None
            and record.status != S.SUPERSEDED.value
            and self._can_edit(record)
            and not viewing
        )
        self.restore_button.setVisible(
            record is not None and record.deleted_at is not None and actor.is_admin
        )

    def _update_buttons(self) -> None:
        super()._update_buttons()
        if hasattr(self, "supersede_button"):
            self.supersede_button.setEnabled(not self.is_saving)
            self.restore_button.setEnabled(not self.is_saving)

    # -- past versions ----------------------------------------------------------------------
    def show_version(self, entry: AuditEntryDTO) -> None:
        """Show the decision as it was right after ``entry`` (read-only; edits stay)."""
        state = state_after(self.history.entries, entry.id)
        if state is None:
            return
        self.version_view.show_state(entry, state, self.participants_edit.name_of)
        self.form_stack.setCurrentWidget(self.version_view)
        for button in (self.save_button, self.revert_button, self.delete_button):
            button.hide()
        self._update_actions()

    def show_current(self) -> None:
        """Back from a past version to the form."""
        self.form_stack.setCurrentWidget(self.scroll_area)
        self._refresh_chrome()

    @property
    def viewing_version(self) -> bool:
        """True while a past version is shown."""
        return self.form_stack.currentWidget() is self.version_view

    # -- supersede, restore -----------------------------------------------------------------
    def _on_supersede_clicked(self) -> None:
        if self.record is not None:
            self.supersede_requested.emit(self.record)

    def begin_supersede(self, old: DecisionDTO) -> None:
        """A new decision prefilled from ``old`` that replaces it once saved."""
        values = self._values_of(old)
        self.load(None)
        self._supersedes = old
        values.update(
            status=S.PROPOSED.value,
            decision_date=dt.date.today(),
            review_by=None,
            participant_ids=values["participant_ids"] or (self.context.actor.user_id,),
        )
        self._put(values)
        self._refresh_chrome()
        self.title_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.title_edit.selectAll()

    @property
    def supersedes(self) -> DecisionDTO | None:
        """The decision a new one will replace, while superseding."""
        return self._supersedes

    def restore(self) -> None:
        """Bring the shown deleted decision back (admins)."""
        record = self.record
        if record is None or record.deleted_at is None or self.is_saving:
            return
        record_id = record.id
        make_service = self.context.decision_service

        def job(database: Database, actor: Actor) -> DecisionDTO:
            return DecisionRow.of_detail(make_service(database, actor).restore(record_id))

        self._set_saving(True)
        self.context.submit(keep_rule_errors(job), self._on_restored, self._on_failed)

    def _on_restored(self, result: DecisionDTO | Rejected | Conflicted) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_saving(False)
        if isinstance(result, Conflicted):
            self._status_change_conflicted("restored", result)
            return
        if isinstance(result, Rejected):
            self.banner.show_message(result.message[:1].upper() + result.message[1:] + ".")
            return
        self.load(result)
        self.saved.emit(result)

    def ask_delete(self) -> None:
        """Ask before deleting; the decision and its history stay and admins can restore it."""
        super().ask_delete()
        if self.delete_box is not None:
            self.delete_box.setInformativeText(
                "It disappears from the list; its history is kept and an admin can restore it."
            )

    def _on_link(self, link: str) -> None:
        if link.startswith("decision:"):
            self.decision_link_activated.emit(int(link.split(":", 1)[1]))

    # -- conflicts --------------------------------------------------------------------------
    def _describe(self, field: str, value: object) -> str:
        if value is None or value == "" or value == ():
            return "—"
        if field in ("decision_date", "review_by") and isinstance(value, dt.date):
            return day_text(value)
        if field == "status":
            return decision_status_label(str(value))
        if field == "participant_ids" and isinstance(value, tuple | list):
            return ", ".join(self.participants_edit.name_of(int(user)) for user in value)
        if isinstance(value, tuple | list):
            return ", ".join(str(item) for item in value)
        return str(value)

    def _conflict_labels(self) -> dict[str, str]:
        return {key: FIELD_LABELS[key] for key in FIELDS}

    def _conflict_record(self, current: object) -> DecisionDTO | None:
        if not isinstance(current, DecisionDetail):
            return None
        row = DecisionRow.of_detail(current)
        self._participants[(row.id, row.version)] = row.participant_ids or ()
        return row


class DecisionsPage(RecordPage[DecisionDTO]):
    """Decisions: ranked search, filters, due-for-review; the editor with History beside it."""

    entity = ENTITY
    singular, plural = NOUN
    page_title = "Decisions"
    new_text = "&New decision"
    empty_text = "No decisions recorded.\nPress Ctrl+N to record one."
    filtered_empty_text = "No decisions match these filters."
    choose_text = "Select a decision to see it and its history,\nor press Ctrl+N to record one."

    editor: DecisionEditor

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("decisionsPage")
        self._highlight = RichTextDelegate(HIGHLIGHT_ROLE, self.view)
        self.view.setItemDelegateForColumn(TITLE_COLUMN, self._highlight)
        self._review_badges = BadgeDelegate(self.view)
        self.view.setItemDelegateForColumn(REVIEW_COLUMN, self._review_badges)
        self.editor.supersede_requested.connect(self.supersede)
        self.editor.decision_link_activated.connect(self.open_record)

    def _create_model(self) -> PagedTableModel[DecisionDTO]:
        return DecisionTableModel(self.context, parent=self)

    def _create_editor(self) -> DecisionEditor:
        return DecisionEditor(self.context)

    def _repository(self) -> type[Repository[DecisionDTO]]:
        return DecisionListRepository

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        """The editor with its history needs more room than other pages' editors."""
        first = not self._sized
        super().showEvent(event)
        if first:
            total = max(self.splitter.width(), 800)
            list_width = int(total * LIST_SHARE)
            self.splitter.setSizes([list_width, total - list_width])
            body = max(self.editor.body_splitter.width(), total - list_width - 24)
            history = int(body * HISTORY_SHARE)
            self.editor.body_splitter.setSizes([body - history, history])

    # -- filters ----------------------------------------------------------------------------
    def _build_quick_filters(self, row: QHBoxLayout) -> None:
        self.due_button = QPushButton("Due for review")
        self.due_button.setCheckable(True)
        self.due_button.setAccessibleName("Preset: due for review")
        self.due_button.setToolTip("Proposed or accepted decisions whose review date has come")
        self.due_button.toggled.connect(self._apply_filters)
        row.addWidget(self.due_button)
        # A child from the start: shown before the page's layout is set, a parentless button
        # would open (and close) as a window of its own, taking the activation away.
        self.deleted_button = QPushButton("Show deleted", self)
        self.deleted_button.setCheckable(True)
        self.deleted_button.setAccessibleName("Show deleted decisions")
        self.deleted_button.setToolTip("List deleted decisions instead (admins can restore them)")
        self.deleted_button.toggled.connect(self._apply_filters)
        self.deleted_button.setVisible(self.context.is_admin)
        row.addWidget(self.deleted_button)

    def _build_filters(self, bar: FilterBar) -> None:
        self.status_filter = choice_combo("Status filter", STATUS_FILTERS)
        self.status_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.status_filter, "&Status:")
        self.tag_filter = choice_combo("Tag filter", [("Any tag", None)])
        self.tag_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.tag_filter, "Ta&g:")
        self.participant_filter = choice_combo("Participant filter", [("Anyone", None)])
        self.participant_filter.currentIndexChanged.connect(self._apply_filters)
        bar.add(self.participant_filter, "&Participant:")
        self.date_filter = DateRangeFilter("Decided")
        self.date_filter.changed.connect(self._apply_filters)
        bar.add(self.date_filter, "Deci&ded:")

    def _date_range(self) -> tuple[dt.date | None, dt.date | None]:
        preset = self.date_filter.combo.currentData()
        if preset is None:
            return None, None
        if preset == CUSTOM:
            start = pydate(self.date_filter.from_edit.date())
            end = pydate(self.date_filter.to_edit.date())
            return (start, end) if start <= end else (end, start)
        assert isinstance(preset, int)
        return dt.date.today() - dt.timedelta(days=max(0, preset - 1)), None

    def _filters(self, text: str | None) -> DecisionFilter:
        if not hasattr(self, "deleted_button"):
            return DecisionFilter(text=text)
        date_from, date_to = self._date_range()
        statuses = self.status_filter.currentData()
        tag = self.tag_filter.currentData()
        participant = self.participant_filter.currentData()
        return DecisionFilter(
            tag=tag if isinstance(tag, str) else None,
            participant_id=participant if isinstance(participant, int) else None,
            date_from=date_from,
            date_to=date_to,
            text=text,
            statuses=tuple(statuses or ()),
            due_for_review_on=dt.date.today() if self.due_button.isChecked() else None,
            deleted=self.deleted_button.isChecked() and self.context.is_admin,
        )

    def current_filters(self) -> DecisionFilter:
        """The filter the list shows now: the controls and the search text."""
        return self._filters(self.search_box.search_text() or None)

    def current_sort(self) -> Sort:
        """The list's sort now."""
        return self.model.current_sort

    def _reset_filter_controls(self) -> None:
        for combo in (self.status_filter, self.tag_filter, self.participant_filter):
            combo.setCurrentIndex(0)
        self.date_filter.set_preset(None)
        self.due_button.setChecked(False)
        self.deleted_button.setChecked(False)

    def set_due_for_review(self, on: bool) -> None:
        """The "Due for review" quick filter."""
        self.due_button.setChecked(on)

    def set_show_deleted(self, on: bool) -> None:
        """List deleted decisions instead of live ones (admins)."""
        self.deleted_button.setChecked(on and self.context.is_admin)

    # -- people, tags -----------------------------------------------------------------------
    def _people_loaded(self) -> None:
        fill_people(
            self.participant_filter,
            self.users,
            [("Anyone", None)],
            me=self.context.actor.user_id,
        )
        self.editor.set_people(list(self.users))

    def _refresh_extras(self) -> None:
        self.context.submit(tags_in_use, self._on_tags, self._on_aux_failed)

    def _on_tags(self, tags: list[tuple[str, int]]) -> None:
        if not shiboken6.isValid(self):
            return
        self.editor.tag_edit.set_suggestions(tags)
        current = self.tag_filter.currentData()
        self.tag_filter.blockSignals(True)
        self.tag_filter.clear()
        self.tag_filter.addItem("Any tag", None)
        for tag, count in sorted(tags, key=lambda item: item[0].casefold()):
            self.tag_filter.addItem(f"{tag} ({count:,})", tag)
        if not select_data(self.tag_filter, current):
            self.tag_filter.setCurrentIndex(0)
        self.tag_filter.blockSignals(False)

    # -- supersede --------------------------------------------------------------------------
    def supersede(self, old: DecisionDTO) -> None:
        """Open a new decision prefilled from ``old`` that will replace it (asks about edits)."""
        if not self.confirm_leave(functools.partial(self.supersede, old)):
            return
        self._syncing = True
        self.view.clearSelection()
        self._syncing = False
        self.editor.begin_supersede(old)
        self.detail.setCurrentWidget(self.editor)
