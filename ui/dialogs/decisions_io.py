"""Export decisions as CSV or MADR files, and import a MADR folder with a preview first.

All database work runs as jobs on the database worker (``AppContext.submit``); progress
comes back through a relay object whose signal is queued to the GUI thread.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.decisions_io import (
    DecisionExporter,
    DecisionImporter,
    ExportReport,
    FileAction,
    ImportPlan,
    ImportReport,
)
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.decisions import DecisionFilter
from asyncops_desktop.services.base import Actor
from ui.context import AppContext
from ui.dialogs.common import MessageLabel
from ui.widgets.wrapping import wrap_columns

PLAN_TEXT = {
    FileAction.IMPORT: "Will import",
    FileAction.SKIP: "Skipped",
    FileAction.PRESENT: "Already present",
    FileAction.IGNORED: "Ignored",
}
REPORT_TEXT = {
    FileAction.IMPORT: "Imported",
    FileAction.SKIP: "Skipped",
    FileAction.PRESENT: "Already present",
    FileAction.IGNORED: "Ignored",
}


class ProgressRelay(QObject):
    """Carries ``(done, total)`` from a worker-thread job to the GUI thread (queued)."""

    progressed = Signal(int, int)

    def report(self, done: int, total: int) -> None:
        """Called by the job on the worker thread."""
        self.progressed.emit(done, total)


class DecisionExport(QObject):
    """One export: a Save dialog, the job on the worker with progress, then the report."""

    exported = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        parent: QWidget,
        context: AppContext,
        filters: DecisionFilter | None,
        fmt: str,
        sort: Sort | None = None,
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.context = context
        self.filters = filters
        self.format = fmt
        self.sort = sort
        self.relay = ProgressRelay(self)
        self.progress: QProgressDialog | None = None
        self.result_box: QMessageBox | None = None
        self.report: ExportReport | None = None
        caption = "Export decisions as CSV" if fmt == "csv" else "Export decisions as MADR files"
        self.file_dialog = QFileDialog(parent, caption)
        self.file_dialog.setObjectName("decisionExportDialog")
        if fmt == "csv":
            self.file_dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            self.file_dialog.setNameFilter("CSV files (*.csv)")
            self.file_dialog.setDefaultSuffix("csv")
            self.file_dialog.selectFile("decisions.csv")
        else:
            # A new or empty folder: MADR files from an earlier export must not mix in.
            self.file_dialog.setFileMode(QFileDialog.FileMode.Directory)
            self.file_dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        self.file_dialog.fileSelected.connect(self.start)

    def start(self, path: str) -> None:
        """Export to ``path`` on the worker."""
        destination = Path(path)
        filters, sort, fmt, relay = self.filters, self.sort, self.format, self.relay

        def job(database: Database, actor: Actor) -> ExportReport:
            exporter = DecisionExporter(database, actor)
            if fmt == "csv":
                return exporter.export_csv(destination, filters, sort, progress=relay.report)
            return exporter.export_madr(destination, filters, progress=relay.report)

        self.progress = QProgressDialog(
            "Exporting decisions…", "", 0, 0, self.parent_widget, Qt.WindowType.Dialog
        )
        self.progress.setObjectName("decisionExportProgress")
        self.progress.setAccessibleName("Export progress")
        self.progress.setWindowTitle("Exporting decisions")
        self.progress.setCancelButton(None)
        self.progress.setMinimumDuration(0)
        self.relay.progressed.connect(self._on_progress)
        self.progress.open()
        self.context.submit(job, self._on_done, self._on_failed)

    def _on_progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.setMaximum(max(total, 1))
            self.progress.setValue(min(done, max(total, 1)))

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _on_done(self, report: ExportReport) -> None:
        self._close_progress()
        self.report = report
        self.result_box = QMessageBox(
            QMessageBox.Icon.Information,
            "Export finished",
            report.render().strip(),
            QMessageBox.StandardButton.Ok,
            self.parent_widget,
        )
        self.result_box.setObjectName("decisionExportResult")
        self.result_box.open()
        self.exported.emit(report)

    def _on_failed(self, message: str) -> None:
        self._close_progress()
        self.result_box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Export failed",
            f"Nothing was exported: {message[:1].lower()}{message[1:]}",
            QMessageBox.StandardButton.Ok,
            self.parent_widget,
        )
        self.result_box.setObjectName("decisionExportResult")
        self.result_box.open()
        self.failed.emit(message)


def export_decisions_csv(
    parent: QWidget,
    context: AppContext,
    filters: DecisionFilter | None,
    sort: Sort | None = None,
) -> DecisionExport:
    """Ask for a CSV file and export the filtered list to it (the Save dialog is opened)."""
    export = DecisionExport(parent, context, filters, "csv", sort)
    export.file_dialog.open()
    return export


def export_decisions_madr(
    parent: QWidget, context: AppContext, filters: DecisionFilter | None
) -> DecisionExport:
    """Ask for a new or empty folder and export the decisions to it as MADR files."""
    export = DecisionExport(parent, context, filters, "madr")
    export.file_dialog.open()
    return export


def _file_details(title: str | None, reason: str | None, notes: tuple[str, ...]) -> str:
    parts = [p for p in (reason, *notes) if p]
    return "; ".join(parts)


class ImportDecisionsDialog(QDialog):
    """Choose a folder, preview what will be imported or skipped and why, import, see the report."""

    previewed = Signal(object)
    imported = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.plan: ImportPlan | None = None
        self.report: ImportReport | None = None
        self.folder_dialog: QFileDialog | None = None
        self.busy = False
        self.stop_event = threading.Event()
        self.relay = ProgressRelay(self)
        self.relay.progressed.connect(self._on_progress)
        self.setObjectName("importDecisionsDialog")
        self.setAccessibleName("Import decisions")
        self.setWindowTitle("Import decisions from Markdown")
        intro = QLabel(
            "Import a folder of MADR or adr-tools Markdown files as decisions. Nothing is "
            "written until you press Import; unknown participants are reported, never invented."
        )
        intro.setWordWrap(True)
        intro.setAccessibleName("About importing")
        self.folder_field = QLineEdit()
        self.folder_field.setAccessibleName("Folder to import")
        self.folder_field.setPlaceholderText("A folder of .md files")
        self.choose_button = QPushButton("&Choose folder…")
        self.choose_button.setAccessibleName("Choose the folder")
        self.choose_button.clicked.connect(self.choose_folder)
        self.preview_button = QPushButton("&Preview")
        self.preview_button.setAccessibleName("Preview the import")
        self.preview_button.clicked.connect(self.preview)
        row = QHBoxLayout()
        row.addWidget(self.folder_field, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.preview_button)
        self.table = QTreeWidget()
        self.table.setAccessibleName("Files and what happens to them")
        self.table.setHeaderLabels(["File", "Action", "Decision", "Why / notes"])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(2, 220)
        # The titles and reasons are sentences ("already present as decision #12", unknown
        # people): wrapped, not cut to a few words.
        wrap_columns(self.table, (2, 3))
        self.summary = MessageLabel("Import summary")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.import_button = QPushButton("&Import")
        self.import_button.setAccessibleName("Import the files")
        self.import_button.setEnabled(False)
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close or stop the import")
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.clicked.connect(self.run_import)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.resize(1040, 520)

    def choose_folder(self) -> None:
        """Open a folder chooser; the choice is previewed at once."""
        dialog = QFileDialog(self, "Folder of decision files")
        dialog.setObjectName("importFolderDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self._on_folder_chosen)
        self.folder_dialog = dialog
        dialog.open()

    def _on_folder_chosen(self, folder: str) -> None:
        self.folder_field.setText(folder)
        self.preview()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.folder_field, self.choose_button, self.preview_button):
            widget.setEnabled(not busy)
        self.import_button.setEnabled(not busy and self._importable())
        self.close_button.setText("Stop" if busy else "Close")

    def _importable(self) -> bool:
        return (
            self.plan is not None
            and self.report is None
            and bool(self.plan.with_action(FileAction.IMPORT))
        )

    def preview(self) -> None:
        """Read the folder on the worker and show what an import would do."""
        text = self.folder_field.text().strip()
        if not text:
            self.summary.show_error("Choose a folder of Markdown files first.")
            return
        path = Path(text).expanduser()
        self.plan, self.report = None, None
        self._set_busy(True)
        self.summary.show_note("Reading the files…")

        def job(database: Database, actor: Actor) -> ImportPlan:
            return DecisionImporter(database, actor).plan(path)

        self.context.submit(job, self._on_planned, self._on_failed)

    def _on_planned(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.table.clear()
        for planned in plan.files:
            title = planned.record.title if planned.record is not None else ""
            # The plan's notes already name unknown participants.
            notes = planned.notes
            item = QTreeWidgetItem(
                [
                    planned.name,
                    PLAN_TEXT.get(planned.action, planned.action.value),
                    title,
                    _file_details(title, planned.reason, notes),
                ]
            )
            item.setToolTip(3, item.text(3))
            self.table.addTopLevelItem(item)
        # Measured again now that the contents have set the column widths.
        self.table.scheduleDelayedItemsLayout()
        counts = {a: len(plan.with_action(a)) for a in FileAction}
        sentence = (
            f"{counts[FileAction.IMPORT]} to import, {counts[FileAction.SKIP]} skipped, "
            f"{counts[FileAction.PRESENT]} already present."
        )
        if counts[FileAction.IMPORT]:
            self.summary.show_note(sentence + " Press Import to record them.")
        else:
            self.summary.show_error(sentence + " There is nothing to import.")
        self._set_busy(False)
        self.previewed.emit(plan)

    def run_import(self) -> None:
        """Import the previewed files on the worker, with progress and Stop."""
        plan = self.plan
        if plan is None or self.busy:
            return
        self.stop_event.clear()
        stop, relay = self.stop_event, self.relay

        def job(database: Database, actor: Actor) -> ImportReport:
            return DecisionImporter(database, actor).apply(
                plan, progress=relay.report, should_stop=stop.is_set
            )

        self.progress.setRange(0, max(len(plan.with_action(FileAction.IMPORT)), 1))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self._set_busy(True)
        self.summary.show_note("Importing…")
        self.context.submit(job, self._on_imported, self._on_failed)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))

    def _on_imported(self, report: ImportReport) -> None:
        self.report = report
        self.table.clear()
        for result in report.files:
            item = QTreeWidgetItem(
                [
                    result.name,
                    REPORT_TEXT.get(result.action, result.action.value),
                    f"Decision {result.decision_id}" if result.decision_id else "",
                    _file_details(None, result.reason, result.notes),
                ]
            )
            self.table.addTopLevelItem(item)
        for link in report.links:
            status = "Linked" if link.made else "Link not made"
            item = QTreeWidgetItem(
                [link.source, status, f"superseded by {link.target}", link.reason or ""]
            )
            self.table.addTopLevelItem(item)
        imported = len(report.imported_ids)
        skipped = len(report.with_action(FileAction.SKIP))
        sentence = f"Imported {imported} decision{'' if imported == 1 else 's'}, {skipped} skipped"
        sentence += " (stopped early)." if report.cancelled else "."
        if report.has_problems:
            self.summary.show_error(sentence)
        else:
            self.summary.show_success(sentence)
        self.progress.setVisible(False)
        self._set_busy(False)
        if imported:
            self.context.data_changed.emit("decisions")
        self.imported.emit(report)

    def _on_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self._set_busy(False)
        self.summary.show_error(message)

    def reject(self) -> None:
        """Stop a running import at the next file, or close."""
        if self.busy:
            self.stop_event.set()
            self.summary.show_note("Stopping after the current file…")
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Stay open until a running job has reported."""
        if self.busy:
            self.reject()
            event.ignore()
            return
        super().closeEvent(event)
