"""What every record editor shares: fields with inline errors, saving on the worker, dirty state.

An editor shows one record (or a new one). It validates with the services' own rules before
anything is sent, saves through a service in one job, and maps a ``ValidationError`` coming
back from the service to the field it names. Any other failure (permission, a lost
connection) appears in a banner with Retry, and the typed text stays where it is.

Edits are saved against the version the form was loaded from. If someone saved the record
meanwhile, the service refuses and the conflict dialog shows, per field, the value the edit
started from, the other person's and the user's own; the choices are saved on top of the new
version. Cancelling keeps everything typed. A workflow change (resolve, reopen...) that meets
a newer version changes nothing and says so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import EditConflict, ValidationError
from asyncops_desktop.repositories.base import HasId
from asyncops_desktop.services.base import Actor
from ui.context import AppContext
from ui.dialogs.conflict import ConflictDialog, conflicts_between, plain_value
from ui.models.formatters import field_message
from ui.resources import resource_path
from ui.widgets.badges import BadgeLabel
from ui.widgets.banner import MessageBanner
from ui.widgets.fields import FieldRow
from ui.widgets.resolution import ResolutionPanel

D = TypeVar("D", bound=HasId)
T = TypeVar("T")
Values = dict[str, object]
Job = Callable[[Database, Actor], T]


@dataclass(frozen=True)
class Rejected:
    """A service refused the input: the field it named and the rule, in its words."""

    field: str
    message: str


@dataclass(frozen=True)
class Conflicted:
    """A save refused because someone saved first: their version (None if gone) and who."""

    current: object
    changed_by: str = "Someone else"


def keep_rule_errors(job: Job[T]) -> Job[T | Rejected | Conflicted]:
    """Wrap a job so a broken rule or an edit conflict comes back as a value, not a sentence."""

    def run(database: Database, actor: Actor) -> T | Rejected | Conflicted:
        try:
            return job(database, actor)
        except ValidationError as exc:
            return Rejected(exc.field, exc.message)
        except EditConflict as exc:
            return Conflicted(exc.current)

    return run


def collect(errors: list[ValidationError], check: Callable[[], object]) -> None:
    """Run one validation rule, keeping its error instead of stopping at the first."""
    try:
        check()
    except ValidationError as exc:
        errors.append(exc)


def _with_icon(name: str, text: str) -> str:
    try:
        icon = resource_path(f"icons/{name}.svg").as_uri()
    except FileNotFoundError:
        return text
    return f'<img src="{icon}" width="14" height="14" style="vertical-align: middle"> {text}'


class RecordEditor(QWidget, Generic[D]):
    """Base editor: subclasses build the fields and say how to read, check and save them."""

    # The saved record, after a successful save (new or existing).
    saved = Signal(object)
    # The id of a deleted record.
    deleted = Signal(int)
    # Whether the form now differs from the record.
    dirty_changed = Signal(bool)
    # A service error shown in the banner (for tests and the window's status bar).
    failed = Signal(str)
    # The conflict dialog opened (tests and the window's status bar listen).
    conflict_opened = Signal(object)

    noun: ClassVar[str] = "record"
    new_title: ClassVar[str] = "New record"
    save_new_text: ClassVar[str] = "&Save"
    read_only_note: ClassVar[str] = "You cannot change this record."
    # The fields an edit conflict compares, in the order shown (empty: the form's own order).
    conflict_fields: ClassVar[tuple[str, ...]] = ()
    # Free-text fields the person may rewrite by hand from both versions in the conflict dialog.
    conflict_text_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._record: D | None = None
        self._snapshot: Values = {}
        self._filling = False
        self._saving = False
        self._dirty = False
        self._fields: dict[str, FieldRow] = {}
        self.delete_box: QMessageBox | None = None
        self.conflict_dialog: ConflictDialog | None = None

        self.title_label = QLabel(self.new_title)
        self.title_label.setObjectName("editorTitle")
        self.title_label.setAccessibleName("Editor title")
        title_font = QFont(self.title_label.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.badge = BadgeLabel()
        self.badge.hide()
        self.meta_label = QLabel()
        self.meta_label.setObjectName("editorMeta")
        self.meta_label.setAccessibleName("Record details")
        self.meta_label.setWordWrap(True)
        # The palette's role, not a fixed colour, so a theme change recolours it.
        self.meta_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.banner = MessageBanner("Save problem")
        self.banner.retry_requested.connect(self._retry)
        self.note_label = QLabel(_with_icon("banner-info", self.read_only_note))
        self.note_label.setObjectName("readOnlyNote")
        self.note_label.setAccessibleName("Why this cannot be changed")
        self.note_label.setWordWrap(True)
        self.note_label.hide()

        heading = QHBoxLayout()
        heading.setSpacing(8)
        heading.addWidget(self.title_label, 1)
        heading.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)

        self.form = QWidget()
        self.form.setObjectName("editorForm")
        self.form_layout = QVBoxLayout(self.form)
        self.form_layout.setContentsMargins(0, 0, 4, 0)
        self.form_layout.setSpacing(10)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form)
        scroll.setAccessibleName(f"{self.noun.capitalize()} form")
        self.scroll_area = scroll

        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setAccessibleName(f"Delete this {self.noun}")
        self.delete_button.clicked.connect(self.ask_delete)
        self.delete_button.hide()
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setAccessibleName("Revert changes")
        self.revert_button.setToolTip("Undo every change since the last save")
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton(self.save_new_text)
        self.save_button.setAccessibleName("Save")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addLayout(heading)
        layout.addWidget(self.meta_label)
        layout.addWidget(self.banner)
        layout.addWidget(self.note_label)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

        self._stretched = False
        self._build_form()
        if not self._stretched:
            self.form_layout.addStretch(1)
        self.load(None)

    # -- for subclasses ---------------------------------------------------------------------
    def _build_form(self) -> None:
        """Create the fields (``add_field``) and connect their change signals to ``edited``."""
        raise NotImplementedError

    def _blank_values(self) -> Values:
        """The form of a new record."""
        raise NotImplementedError

    def _values_of(self, record: D) -> Values:
        """The form of ``record``."""
        raise NotImplementedError

    def _current_values(self) -> Values:
        """What the form holds now (same keys as ``_values_of``)."""
        raise NotImplementedError

    def _fill(self, values: Values) -> None:
        """Put values into the widgets."""
        raise NotImplementedError

    def _validate(self, values: Values) -> list[ValidationError]:
        """The services' rules, checked before sending (every broken rule, not just the first)."""
        raise NotImplementedError

    def _save_job(self, record: D | None, values: Values) -> Job[D]:
        """The job that creates or updates the record through its service."""
        raise NotImplementedError

    def _can_edit(self, record: D | None) -> bool:
        """Whether the signed-in user may change ``record`` (None: create one)."""
        return True

    def _can_delete(self, record: D) -> bool:
        """Whether the signed-in user may delete ``record`` (False where deleting is not offered)."""
        return False

    def _delete_job(self, record: D) -> Job[None]:
        """The job that deletes the record."""
        raise NotImplementedError

    def _title_of(self, record: D) -> str:
        """The heading for an existing record."""
        return f"{self.noun.capitalize()} #{record.id}"

    def _meta_of(self, record: D) -> str:
        """The line under the heading (rich text allowed)."""
        return ""

    def _record_changed(self, record: D | None) -> None:
        """Hook: the shown record changed (badges, workflow buttons, related lists)."""

    def _describe(self, field: str, value: object) -> str:
        """How a field's value reads in the conflict dialog (names, labels, dates)."""
        return plain_value(field, value)

    def _conflict_labels(self) -> dict[str, str]:
        """The conflict dialog's field names: the form's own labels."""
        return {key: row.label.text().replace("&", "") for key, row in self._fields.items()}

    def _conflict_record(self, current: object) -> D | None:
        """The other person's version as this editor shows records (None: it is gone)."""
        return cast("D | None", current)

    def add_field(self, key: str, row: FieldRow, *, stretch: int = 0) -> FieldRow:
        """Add a field row; ``key`` is the service's field name, so its errors land here.

        A field with ``stretch`` takes the height left over (otherwise empty space does).
        """
        self.register_field(key, row)
        self.form_layout.addWidget(row, stretch)
        self._stretched = self._stretched or stretch > 0
        return row

    def register_field(self, key: str, row: FieldRow) -> FieldRow:
        """Know a field row laid out by the subclass itself (e.g. two side by side)."""
        self._fields[key] = row
        return row

    def field(self, key: str) -> FieldRow:
        """The row of a field."""
        return self._fields[key]

    def edited(self, *_args: object) -> None:
        """Connect every input's change signal here: updates dirty state and shown errors."""
        if self._filling:
            return
        self._update_dirty()
        if any(row.error.message for row in self._fields.values()):
            # Re-check only the fields already marked, so errors clear as soon as they are fixed.
            current = {error.field: error for error in self._validate(self._current_values())}
            for key, row in self._fields.items():
                if row.error.message:
                    error = current.get(key)
                    row.set_error(self._message_for(error) if error else None)

    # -- state ------------------------------------------------------------------------------
    @property
    def record(self) -> D | None:
        """The record shown (None for a new one)."""
        return self._record

    @property
    def is_new(self) -> bool:
        """True while the form is for a record not yet saved."""
        return self._record is None

    @property
    def is_saving(self) -> bool:
        """True while a save is on its way."""
        return self._saving

    @property
    def can_edit(self) -> bool:
        """Whether the signed-in user may change what is shown."""
        return self._can_edit(self._record)

    def has_unsaved_changes(self) -> bool:
        """True when the form differs from the record (or a new form has anything typed)."""
        return self.form_changed()

    def form_changed(self) -> bool:
        """True when the form's fields differ from the record (workflow notes aside)."""
        return self.can_edit and self._current_values() != self._snapshot

    def error_for(self, key: str) -> str:
        """The inline error shown for a field (empty if none)."""
        return self._fields[key].error.message

    def errors(self) -> dict[str, str]:
        """Every inline error shown, by field."""
        return {key: row.error.message for key, row in self._fields.items() if row.error.message}

    # -- actions ----------------------------------------------------------------------------
    def load(self, record: D | None) -> None:
        """Show ``record`` (None: a blank form for a new one), discarding any edits."""
        self._record = record
        self._snapshot = self._blank_values() if record is None else self._values_of(record)
        self._put(self._snapshot)
        self.banner.dismiss()
        self._clear_errors()
        self._refresh_chrome()

    def merge(self, record: D) -> None:
        """Take a newer copy of the record, keeping whatever the person has changed meanwhile."""
        current = self._current_values()
        fresh = self._values_of(record)
        merged = {
            key: current[key] if current.get(key) != self._snapshot.get(key) else value
            for key, value in fresh.items()
        }
        self._record = record
        self._snapshot = fresh
        self._put(merged)
        self._refresh_chrome()

    def revert(self) -> None:
        """Undo every change since the record was loaded or saved."""
        self._put(self._snapshot)
        self._clear_errors()
        self.banner.dismiss()
        self._update_dirty()

    def save(self, then: Callable[[], None] | None = None) -> bool:
        """Check and save; ``then`` runs after a successful save. False if nothing was sent."""
        if self._saving or not self.can_edit:
            return False
        values = self._current_values()
        errors = self._validate(values)
        self._show_errors(errors)
        if errors:
            self._focus_field(errors[0].field)
            return False
        self.banner.dismiss()
        self._set_saving(True)
        self.context.submit(
            keep_rule_errors(self._save_job(self._record, values)),
            functools.partial(self._on_saved, values, then),
            self._on_failed,
        )
        return True

    def ask_delete(self) -> None:
        """Ask (non-blocking) whether to delete the record."""
        record = self._record
        if record is None or not self._can_delete(record):
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            f"Delete {self.noun}?",
            f"Delete “{self._title_of(record)}”?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("deleteBox")
        box.setInformativeText("This cannot be undone.")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        yes = box.button(QMessageBox.StandardButton.Yes)
        if yes is not None:
            yes.setText("Delete")
        box.finished.connect(functools.partial(self._on_delete_answer, box, record))
        self.delete_box = box
        box.open()

    # -- internals --------------------------------------------------------------------------
    def _put(self, values: Values) -> None:
        self._filling = True
        try:
            self._fill(values)
        finally:
            self._filling = False
        self._update_dirty()

    def _refresh_chrome(self) -> None:
        record = self._record
        self.title_label.setText(self.new_title if record is None else self._title_of(record))
        self.meta_label.setText("" if record is None else self._meta_of(record))
        self.meta_label.setVisible(record is not None)
        editable = self._can_edit(record)
        self.note_label.setVisible(not editable)
        self._set_read_only(not editable)
        self.delete_button.setVisible(record is not None and self._can_delete(record))
        self.save_button.setText(self.save_new_text if record is None else "&Save")
        self.save_button.setVisible(editable)
        self.revert_button.setVisible(editable)
        self._record_changed(record)
        self._update_buttons()

    def _set_read_only(self, read_only: bool) -> None:
        """Make every field read-only (subclasses with special widgets extend this)."""
        for row in self._fields.values():
            widget = row.widget
            set_read_only = getattr(widget, "setReadOnly", None) or getattr(
                widget, "set_read_only", None
            )
            if set_read_only is not None:
                set_read_only(read_only)
            else:
                widget.setEnabled(not read_only)

    def _update_dirty(self) -> None:
        dirty = self.has_unsaved_changes()
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
        self._update_buttons()

    def _update_buttons(self) -> None:
        editable = self.can_edit
        self.save_button.setEnabled(editable and not self._saving and self._dirty)
        self.revert_button.setEnabled(editable and not self._saving and self._dirty)
        self.delete_button.setEnabled(not self._saving)

    # Editors with a resolve/reopen workflow set this; resolution-note errors show there.
    resolution: ResolutionPanel | None = None

    def _submit_status_change(self, job: Job[D], action: str = "changed") -> None:
        """Run a workflow change (resolve, reopen, move on) on the worker, like a save.

        The job passes the shown version; ``action`` ("resolved") words the refusal when
        someone changed the record first.
        """
        self.banner.dismiss()
        self._set_saving(True)
        self.context.submit(
            keep_rule_errors(job),
            functools.partial(self._on_status_changed, action),
            self._on_failed,
        )

    def _on_status_changed(self, action: str, result: D | Rejected | Conflicted) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_saving(False)
        if isinstance(result, Conflicted):
            self._status_change_conflicted(action, result)
            return
        if isinstance(result, Rejected):
            if result.field == "resolution_notes" and self.resolution is not None:
                self.resolution.row.set_error(f"Resolution notes {result.message.rstrip('.')}.")
            else:
                self.banner.show_message(result.message[:1].upper() + result.message[1:] + ".")
            return
        if self.resolution is not None:
            self.resolution.hide()
        self.merge(result)
        self.saved.emit(result)
        self._status_change_saved(result)

    def _status_change_saved(self, record: D) -> None:
        """Called after a workflow change was stored (subclasses announce it)."""

    def _status_change_conflicted(self, action: str, conflict: Conflicted) -> None:
        """Someone changed the record first: nothing was changed, and the banner says so."""
        theirs = self._conflict_record(conflict.current)
        who = conflict.changed_by
        if theirs is None:
            message = f"Not {action}: this {self.noun} no longer exists."
        elif self.form_changed():
            # The form's edits stay based on the version they started from, so Save shows
            # their changes and these side by side instead of quietly taking either.
            message = (
                f"Not {action}: {who} changed this {self.noun} while you were editing it, so "
                "nothing was changed. Save your edits first (you choose per field between "
                "their version and yours), then try again."
            )
        else:
            notes_open = self.resolution is not None and self.resolution.isVisibleTo(self)
            self.load(theirs)
            if notes_open and self.resolution is not None:
                # The typed notes are still in the panel: show them again.
                self.resolution.show()
            message = (
                f"Not {action}: {who} changed this {self.noun} meanwhile, so nothing was "
                "changed. Their version is shown now; check it and try again."
            )
        self.banner.show_message(message)
        self.failed.emit(message)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        if saving:
            self.save_button.setText("Saving…")
        else:
            self.save_button.setText(self.save_new_text if self._record is None else "&Save")
        self._update_buttons()

    def _message_for(self, error: ValidationError) -> str:
        row = self._fields.get(error.field)
        label = row.label.text().replace("&", "") if row is not None else error.field
        return field_message(label, error.message)

    def _show_errors(self, errors: list[ValidationError]) -> None:
        by_field = {error.field: error for error in reversed(errors)}
        for key, row in self._fields.items():
            error = by_field.pop(key, None)
            row.set_error(self._message_for(error) if error else None)
        # A rule about no field on this form (e.g. "status") goes to the banner.
        if by_field:
            self.banner.show_message(
                " ".join(
                    field_message(e.field.replace("_", " ").capitalize(), e.message)
                    for e in by_field.values()
                )
            )

    def _clear_errors(self) -> None:
        for row in self._fields.values():
            row.set_error(None)

    def _focus_field(self, key: str) -> None:
        row = self._fields.get(key)
        if row is not None:
            row.widget.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroll_area.ensureWidgetVisible(row)

    def _on_saved(self, sent: Values, then: Callable[[], None] | None, result: Any) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_saving(False)
        if isinstance(result, Rejected):
            self._show_errors([ValidationError(result.field, result.message)])
            self._focus_field(result.field)
            return
        if isinstance(result, Conflicted):
            self._open_conflict(result, then)
            return
        record: D = result
        if self._current_values() == sent:
            self.load(record)
        else:
            # Typed on while the save was on its way: keep that, it is not saved yet.
            self.merge(record)
        self.saved.emit(record)
        if then is not None:
            then()

    def _on_failed(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_saving(False)
        self.banner.show_message(
            f"Not saved: {message} Your changes are kept; Retry saves them.",
            retry=True,
        )
        self.failed.emit(message)

    def _retry(self) -> None:
        self.save()

    # -- conflicts --------------------------------------------------------------------------
    def _open_conflict(self, conflict: Conflicted, then: Callable[[], None] | None) -> None:
        """Show their values beside the user's, per field, to choose what is saved."""
        theirs_record = self._conflict_record(conflict.current)
        if theirs_record is None:
            message = f"This {self.noun} was deleted by someone else."
            self.banner.show_message(
                f"Not saved: {message} Your text is still here to copy elsewhere."
            )
            self.failed.emit(message)
            return
        base = dict(self._snapshot)
        mine = self._current_values()
        theirs = self._values_of(theirs_record)
        conflicts = conflicts_between(base, theirs, mine, self.conflict_fields or tuple(mine))
        if not conflicts:
            # They saved exactly what the user has: nothing to choose.
            self.load(theirs_record)
            self.saved.emit(theirs_record)
            if then is not None:
                then()
            return
        dialog = ConflictDialog(
            conflicts,
            labels=self._conflict_labels(),
            describe=self._describe,
            editable=self.conflict_text_fields,
            what=f"{self.noun} #{theirs_record.id}",
            changed_by=conflict.changed_by,
            parent=self,
        )
        dialog.finished.connect(
            functools.partial(
                self._on_conflict_answer, dialog, theirs_record, theirs, conflict.changed_by, then
            )
        )
        self.conflict_dialog = dialog
        dialog.open()
        self.conflict_opened.emit(dialog)

    def _on_conflict_answer(
        self,
        dialog: ConflictDialog,
        theirs_record: D,
        theirs: Values,
        changed_by: str,
        then: Callable[[], None] | None,
        result: int,
    ) -> None:
        self.conflict_dialog = None
        dialog.deleteLater()
        if not shiboken6.isValid(self):
            return
        if result != ConflictDialog.DialogCode.Accepted:
            # The form keeps the version it started from, so the next Save compares again.
            self.banner.show_message(
                f"Not saved: {changed_by} changed this {self.noun} while you were editing it. "
                "Your edits are still here; Retry compares them with theirs again.",
                retry=True,
            )
            return
        chosen = dict(theirs)
        chosen.update(dialog.resolved())
        # Their version becomes the starting point; the choices are the edit on top of it.
        self._record = theirs_record
        self._snapshot = theirs
        self._put(chosen)
        self._refresh_chrome()
        if self.form_changed():
            self.save(then)
        else:
            self.load(theirs_record)
            self.saved.emit(theirs_record)
            if then is not None:
                then()

    def _on_save_clicked(self) -> None:
        # clicked(bool) would land in save()'s ``then``.
        self.save()

    def _on_delete_answer(self, box: QMessageBox, record: D, _result: int) -> None:
        confirmed = box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes
        box.deleteLater()
        self.delete_box = None
        if not confirmed:
            return
        self._set_saving(True)
        self.context.submit(
            keep_rule_errors(self._delete_job(record)),
            functools.partial(self._on_deleted, record),
            self._on_delete_failed,
        )

    def _on_deleted(self, record: D, result: Rejected | Conflicted | None) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_saving(False)
        if isinstance(result, Rejected):
            self._on_delete_failed(result.message[:1].upper() + result.message[1:] + ".")
            return
        if isinstance(result, Conflicted):
            self._status_change_conflicted("deleted", result)
            return
        self.load(None)
        self.deleted.emit(int(record.id))

    def _on_delete_failed(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_saving(False)
        self.banner.show_message(f"Not deleted: {message}")
        self.failed.emit(message)
