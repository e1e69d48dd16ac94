"""Sync an offline copy back to its server, then resolve each conflict field by field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from asyncops_desktop.domain.dto import DecisionDetail
from asyncops_desktop.domain.models import Decision, User
from asyncops_desktop.offline import (
    Cancellation,
    ConflictRecord,
    OfflineWorkspace,
    Progress,
    SnapshotReport,
    SyncReport,
    is_local_id,
)
from asyncops_desktop.services.base import Actor
from ui.dialogs.common import MessageLabel, field_label, local_time_text
from ui.dialogs.conflict import ConflictDialog, Describe, plain_value
from ui.offline.jobs import (
    Job,
    OfflineJob,
    OfflineJobDialog,
    ServerSource,
    open_server,
    progress_text,
)
from ui.widgets.diff_html import escape_text

# Free text a person can merge by hand; other fields are a choice between the two values.
TEXT_FIELDS = ("title", "description", "context", "outcome")
LABELS = {
    "participants": "Participants",
    "decision_date": "Decision date",
    "review_by": "Review by",
    "superseded_by_id": "Superseded by",
    "deleted_at": "Deleted",
}
RESULT_TEXT = {
    "applied": "Applied",
    "already applied": "Already on the server",
    "conflict": "Conflict",
    "failed": "Refused",
}


def choices_for(record: ConflictRecord, resolved: Mapping[str, object]) -> dict[str, object]:
    """The conflict dialog's values as ``OfflineWorkspace.resolve`` choices.

    Only fields whose chosen value differs from the server's are sent: keeping theirs needs
    no write. ``deleted_at`` is sent when the chosen side differs from the server's in
    whether the decision is deleted (the two deletion times themselves never match).
    """
    theirs = {f.field: f.theirs for f in record.fields}
    choices: dict[str, object] = {}
    for name, value in resolved.items():
        if name == "deleted_at":
            if (value is None) != (theirs.get(name) is None):
                choices[name] = value
            continue
        if value == theirs.get(name):
            continue
        choices["participant_ids" if name == "participants" else name] = value
    return choices


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 conflict`` / ``2 conflicts``."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


class SyncDialog(OfflineJobDialog):
    """Sends the pending changes, shows applied / conflicts / refused, and resolves conflicts.

    ``server`` is the server's URL or a factory returning a new ``Database``; either way it
    is opened on the sync's own thread and disposed when the job ends.
    """

    # After a sync pass (the SyncReport), when the copy and the server changed.
    synced = Signal(object)
    # After a conflict was saved on the server (the pending change's id).
    conflict_resolved = Signal(int)
    # After anything changed the copy (sync, resolve, refresh): lists should reload.
    workspace_changed = Signal()

    def __init__(
        self,
        workspace: OfflineWorkspace,
        server: ServerSource,
        *,
        actor: Actor | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.server = server
        self.actor = actor
        self.setObjectName("syncDialog")
        self.setAccessibleName("Sync offline changes")
        self.setWindowTitle("Sync with the server")
        self.job: OfflineJob | None = None
        self.cancellation: Cancellation | None = None
        self.report: SyncReport | None = None
        self.open_conflicts: list[ConflictRecord] = []
        self.conflict_dialog: ConflictDialog | None = None
        self._current: ConflictRecord | None = None
        self._descriptions: dict[int, str] = {}
        self._on_success: Callable[[Any], None] = lambda _result: None
        self._resolving = False
        source = workspace.info.source_profile or workspace.info.source
        self.intro = QLabel(
            f"Send the changes you made offline to <b>{source}</b>. Each one is applied only "
            "if nobody changed the decision since your copy; otherwise you choose, field by "
            "field, what to keep. Then this copy is refreshed from the server."
        )
        self.intro.setWordWrap(True)
        self.intro.setAccessibleName("About syncing")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sync progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        self.progress.setTextVisible(True)
        self.summary = MessageLabel("Sync result")
        self.results = QTreeWidget()
        self.results.setAccessibleName("What happened to each change")
        self.results.setHeaderLabels(["Change", "Result", "Details"])
        self.results.setRootIsDecorated(False)
        self.results.setWordWrap(True)
        header = self.results.header()
        # The change and the details share the width the result leaves (see fit_columns);
        # a change cut short reads whole in its tooltip.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.results.hide()
        self.buttons = QDialogButtonBox()
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setAccessibleName("Sync now")
        self.sync_button.setDefault(True)
        self.resolve_button = QPushButton("&Resolve conflicts…")
        self.resolve_button.setAccessibleName("Resolve conflicts")
        self.resolve_button.hide()
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close or cancel the sync")
        self.buttons.addButton(self.sync_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.resolve_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.sync_button.clicked.connect(self.start)
        self.resolve_button.clicked.connect(self.resolve_next)
        self.close_button.clicked.connect(self._close_or_cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.buttons)
        self.resize(820, 420)
        # Conflicts left by an earlier sync can be resolved at once.
        self._reload_conflicts()
        if self.open_conflicts:
            self.resolve_button.show()
            self.summary.show_note(
                f"{plural(len(self.open_conflicts), 'conflict')} from an earlier sync "
                f"{'waits' if len(self.open_conflicts) == 1 else 'wait'} to be resolved."
            )

    # -- sync ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the sync on its own thread."""
        if self.busy:
            return
        changes = self.workspace.pending_changes()
        pending = sum(c.state == "pending" for c in changes)
        # Applied changes leave the copy when it is refreshed: describe them from before.
        titles = self.workspace.decision_titles()
        self._descriptions = {c.id: c.describe(titles) for c in changes}
        self.cancellation = Cancellation()
        cancel = self.cancellation
        workspace, server, actor = self.workspace, self.server, self.actor

        def job(progress: Callable[[Progress], None]) -> SyncReport:
            database = open_server(server)
            try:
                return workspace.sync(
                    database,
                    actor,
                    progress=progress,
                    cancel=cancel,
                )
            finally:
                database.dispose()

        self.summary.show_note(f"Sending {plural(pending, 'change')}…")
        self._run(job, self._on_synced)

    def _run(self, job: Job, on_success: Callable[[Any], None], resolving: bool = False) -> None:
        self._resolving = resolving
        self.job = OfflineJob(job, self)
        self._on_success = on_success
        self.job.progressed.connect(self._on_progress)
        self.job.finished.connect(self._on_job_finished)
        self.progress.setRange(0, 0)
        self.progress.setFormat("Connecting to the server…")
        self.sync_button.setEnabled(False)
        self.resolve_button.setEnabled(False)
        self.close_button.setText("Cancel")
        self.job.start()

    def _on_progress(self, progress: Progress) -> None:
        self.progress.setRange(0, max(progress.total, 1))
        self.progress.setValue(progress.done)
        self.progress.setFormat(progress_text(progress))

    def _on_job_finished(self) -> None:
        job, self.job = self.job, None
        if job is None:
            return
        job.wait()
        job.deleteLater()
        self.close_button.setText("Close")
        self.sync_button.setEnabled(True)
        self.resolve_button.setEnabled(True)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
        kind, value = job.outcome
        if kind == "succeeded":
            self._on_success(value)
        elif kind == "cancelled":
            self._on_cancelled()
        else:
            self._on_failed(str(value))

    def _on_failed(self, message: str) -> None:
        self.progress.setFormat("Not synced")
        if self._resolving:
            # The conflict stays open, restated if the server changed once more.
            self.summary.show_error(f"Your choices were not saved: {_lower_first(message)}")
        else:
            kept = len(self.workspace.pending_changes())
            self.summary.show_error(
                f"Nothing more was sent and your {plural(kept, 'offline change')} "
                f"{'is' if kept == 1 else 'are'} kept on this computer: {_lower_first(message)}"
            )
        self._reload_conflicts()
        self.resolve_button.setVisible(bool(self.open_conflicts))
        self.workspace_changed.emit()

    def _on_cancelled(self) -> None:
        self.progress.setFormat("Cancelled")
        self.summary.show_note(
            "Sync cancelled: changes already sent stay on the server, the rest stay here."
        )
        self.workspace_changed.emit()

    def _on_synced(self, report: SyncReport) -> None:
        self.report = report
        # Every open conflict, also ones left from an earlier sync.
        self._reload_conflicts()
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat("Synced")
        self._show_outcomes(report)
        self.summary_text(report)
        self.resolve_button.setVisible(bool(self.open_conflicts))
        self.synced.emit(report)
        self.workspace_changed.emit()

    def summary_text(self, report: SyncReport) -> str:
        """``Synced: 2 applied, 1 conflict, 0 refused.``

        Shown as a success when everything was applied, as an error when the server refused
        a change, and as a plain note when conflicts only wait for the user's choice.
        """
        conflicts, failed = len(report.conflicts), len(report.failed)
        text = (
            f"Synced: {report.applied} applied, {plural(conflicts, 'conflict')}, {failed} refused."
        )
        if conflicts:
            text += " Resolve the conflicts to finish."
        if failed:
            self.summary.show_error(text)
        elif conflicts:
            self.summary.show_note(text)
        else:
            self.summary.show_success(text + " This copy now matches the server.")
        return text

    def _show_outcomes(self, report: SyncReport) -> None:
        descriptions = dict(self._descriptions)
        titles = self.workspace.decision_titles()
        for change in self.workspace.pending_changes(include_applied=True):
            descriptions.setdefault(change.id, change.describe(titles))
        self.results.clear()
        for outcome in report.outcomes:
            what = descriptions.get(outcome.change_id, f"Change {outcome.change_id}")
            details = outcome.message or ""
            theirs = (
                [f for f in outcome.conflict.fields if f.changed_by_them]
                if outcome.conflict
                else []
            )
            if theirs:
                fields = ", ".join(LABELS.get(f.field, field_label(f.field)) for f in theirs)
                details = f"Changed on the server meanwhile: {fields}"
            elif outcome.server_id is not None and outcome.server_id != outcome.local_id:
                details = f"Now decision {outcome.server_id} on the server"
            item = QTreeWidgetItem([what, RESULT_TEXT.get(outcome.result, outcome.result), details])
            item.setToolTip(0, what)
            item.setToolTip(2, details)
            self.results.addTopLevelItem(item)
        if not report.outcomes:
            self.results.addTopLevelItem(QTreeWidgetItem(["No changes to send", "", ""]))
        self.results.show()
        self.fit_columns()

    def fit_columns(self) -> None:
        """Give the Change column the width its longest text needs, leaving Details at least
        a third of the room the Result column leaves (or all it needs, if less)."""
        header = self.results.header()
        metrics = self.results.fontMetrics()
        room = self.results.viewport().width() - header.sectionSize(1)
        items = [self.results.topLevelItem(i) for i in range(self.results.topLevelItemCount())]
        widest = max(
            (metrics.horizontalAdvance(item.text(0)) for item in items if item is not None),
            default=0,
        )
        # Item text padding, and the header's own label.
        wanted = max(widest + 24, metrics.horizontalAdvance("Change") + 24)
        details = max(
            (metrics.horizontalAdvance(item.text(2)) for item in items if item is not None),
            default=0,
        )
        share = max(room - min(details + 24, room // 3), room // 2)
        header.resizeSection(0, max(120, min(wanted, share)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Share the results table's width out again."""
        super().resizeEvent(event)
        if self.results.isVisible():
            QTimer.singleShot(0, self.fit_columns)

    # -- conflicts ----------------------------------------------------------------------------
    def resolve_next(self) -> None:
        """Open the conflict dialog for the next unresolved conflict."""
        if self.busy or not self.open_conflicts:
            return
        record = self.open_conflicts[0]
        self._current = record
        what = self._decision_name(record)
        deleted_by_them = any(
            f.field == "deleted_at" and f.theirs is not None and f.mine is None
            for f in record.fields
        )
        if deleted_by_them:
            intro = (
                f"<b>Someone on the server deleted {escape_text(what)} while you were "
                "offline.</b><br>Keep your side of <i>Deleted</i> to restore it with your "
                "changes, or keep theirs to leave it deleted without them. “Decide later” "
                "keeps this conflict with your pending changes."
            )
        else:
            intro = (
                f"<b>Someone on the server changed {escape_text(what)} while you were "
                "offline.</b><br>For each field below, keep their value, yours, or write "
                "one from both. Your choices are saved on the server on top of their "
                "version; “Decide later” keeps this conflict with your pending changes."
            )
        dialog = ConflictDialog(
            list(record.fields),
            labels=LABELS,
            describe=self._describer(),
            editable=[f.field for f in record.fields if f.field in TEXT_FIELDS],
            what=what,
            changed_by="Someone on the server",
            intro_html=intro,
            cancel_text=("Decide &later", "Decide later"),
            parent=self,
        )
        dialog.setWindowTitle("Changed on the server while you were offline")
        deletion = dialog.choices.get("deleted_at")
        if deleted_by_them and deletion is not None:
            # A deleted decision takes no edits: leaving it deleted means their version.
            others = [c for name, c in dialog.choices.items() if name != "deleted_at"]

            def follow_deletion(stays_deleted: bool) -> None:
                for choice in others:
                    # Restored: each field back to its own default (theirs unless edited).
                    edited = choice.conflict.mine != choice.conflict.base
                    choice.set_choice("theirs" if stays_deleted or not edited else "mine")
                    choice.setEnabled(not stays_deleted)

            deletion.theirs_button.toggled.connect(follow_deletion)
            follow_deletion(deletion.theirs_button.isChecked())
        dialog.accepted.connect(self._on_conflict_chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.conflict_dialog = dialog
        dialog.open()

    def _on_conflict_chosen(self) -> None:
        dialog, record = self.conflict_dialog, self._current
        if dialog is None or record is None:
            return
        choices = choices_for(record, dialog.resolved())
        self.conflict_dialog = None
        workspace, server, actor = self.workspace, self.server, self.actor

        def job(_progress: Callable[[Progress], None]) -> tuple[int, DecisionDetail]:
            database = open_server(server)
            try:
                return record.change_id, workspace.resolve(
                    record.change_id, database, choices, actor
                )
            finally:
                database.dispose()

        self.summary.show_note("Saving your choices on the server…")
        self._run(job, self._on_resolved, resolving=True)

    def _reload_conflicts(self) -> None:
        """The open conflicts as the copy now has them (a resolve restates later ones)."""
        self.open_conflicts = [
            c.conflict
            for c in self.workspace.pending_changes()
            if c.state == "conflict" and c.conflict is not None
        ]

    def _on_resolved(self, result: tuple[int, DecisionDetail]) -> None:
        change_id, detail = result
        self._reload_conflicts()
        self.conflict_resolved.emit(change_id)
        self.progress.setFormat("Saved")
        if self.open_conflicts:
            self.summary.show_note(
                f"Saved “{detail.decision.title}”. "
                f"{plural(len(self.open_conflicts), 'conflict')} left to resolve."
            )
            self.workspace_changed.emit()
            return
        self.resolve_button.hide()
        if any(c.state == "pending" for c in self.workspace.pending_changes()):
            self.summary.show_success(f"Saved “{detail.decision.title}”. Sync again to finish.")
            self.workspace_changed.emit()
            return
        workspace, server = self.workspace, self.server

        def refresh(progress: Callable[[Progress], None]) -> SnapshotReport:
            database = open_server(server)
            try:
                return workspace.refresh(database, progress=progress)
            finally:
                database.dispose()

        self._run(refresh, self._on_refreshed)

    def _on_refreshed(self, _report: SnapshotReport) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat("Up to date")
        left = len(self.workspace.pending_changes())
        if left:
            self.summary.show_note(
                f"Conflicts resolved and this copy refreshed; {plural(left, 'change')} "
                "the server refused can be discarded in the pending-changes panel."
            )
        else:
            self.summary.show_success("All conflicts resolved; this copy now matches the server.")
        self.workspace_changed.emit()

    def _decision_name(self, record: ConflictRecord) -> str:
        """The decision by the title the user gave it offline, and the server's if it differs."""
        title_conflict = next((f for f in record.fields if f.field == "title"), None)
        if title_conflict is not None and isinstance(title_conflict.mine, str):
            mine = title_conflict.mine
            theirs = title_conflict.theirs
        else:
            try:
                mine = self.workspace.decisions.get(record.decision_id).decision.title
            except Exception:
                return f"decision {record.decision_id}"
            theirs = None
        if isinstance(theirs, str) and theirs != mine:
            return f"decision “{mine}” (“{theirs}” on the server)"
        return f"decision “{mine}”"

    def _describer(self) -> Describe:
        with self.workspace.database.read() as session:
            names: dict[int, str] = {
                uid: name for uid, name in session.execute(select(User.id, User.full_name))
            }
            titles: dict[int, str] = {
                did: title for did, title in session.execute(select(Decision.id, Decision.title))
            }
        # A decision a supersede made offline is known by the title it was given.
        made_offline = {
            c.new_decision_id: str(c.arguments.get("title"))
            for c in self.workspace.pending_changes(include_applied=True)
            if c.new_decision_id is not None
        }

        def describe(field: str, value: object) -> str:
            if field == "participants" and isinstance(value, list | tuple):
                return ", ".join(names.get(int(v), f"user {v}") for v in value) or "—"
            if field == "deleted_at":
                if not isinstance(value, dt.datetime):
                    return "Not deleted"
                return f"Deleted at {local_time_text(value)}"
            if field == "superseded_by_id" and isinstance(value, int):
                if is_local_id(value):
                    return f"“{made_offline.get(value, value)}”, new (made offline)"
                title = titles.get(value)
                return f"Decision {value} “{title}”" if title else f"Decision {value}"
            if isinstance(value, dt.datetime):
                return local_time_text(value)
            return plain_value(field, value)

        return describe

    # -- closing ------------------------------------------------------------------------------
    def _show_cancelling(self) -> None:
        self.summary.show_note("Cancelling at the next safe point…")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


__all__ = ["SyncDialog", "choices_for"]
