"""Take decisions offline: choose what to copy and where, then copy with progress and Cancel."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import data_dir
from asyncops_desktop.offline import (
    Cancellation,
    Progress,
    SnapshotFilter,
    SnapshotReport,
    remember_snapshot,
    take_snapshot,
)
from asyncops_desktop.profiles import Profile, ProfileStore
from ui.dialogs.common import FormGrid, MessageLabel
from ui.offline.jobs import OfflineJob, OfflineJobDialog, ServerSource, open_server, progress_text
from ui.worker import error_sentence


def default_snapshot_path(source_name: str, now: dt.datetime | None = None) -> Path:
    """``<data dir>/offline/<source>-2026-11-21-1405.db``: new for every snapshot."""
    slug = re.sub(r"[^a-z0-9]+", "-", source_name.lower()).strip("-")[:40] or "server"
    moment = (now or dt.datetime.now()).strftime("%Y-%m-%d-%H%M")
    folder = data_dir() / "offline"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{slug}-{moment}.db"


def _date_edit(name: str, value: QDate) -> QDateEdit:
    edit = QDateEdit(value)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setAccessibleName(name)
    edit.setEnabled(False)
    return edit


class TakeOfflineDialog(OfflineJobDialog):
    """Copies a server's decisions (all, or filtered) into a new SQLite file to work offline.

    ``source`` is the server's URL or a factory returning a new ``Database``; it is opened
    and disposed on the copy's own thread. On success the copy is added to the profiles.
    """

    # After the file is complete: the SnapshotReport, then the profile it was added as.
    snapshot_taken = Signal(object)
    profile_added = Signal(object)

    def __init__(
        self,
        source: ServerSource,
        *,
        source_name: str,
        owner_email: str | None,
        profile_store: ProfileStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.source_name = source_name
        self.owner_email = owner_email
        self.profile_store = profile_store
        self.job: OfflineJob | None = None
        self.cancellation: Cancellation | None = None
        self.report: SnapshotReport | None = None
        self.profile: Profile | None = None
        self.file_dialog: QFileDialog | None = None
        self.setObjectName("takeOfflineDialog")
        self.setAccessibleName("Take decisions offline")
        self.setWindowTitle("Take decisions offline")
        intro = QLabel(
            f"Copy decisions from <b>{source_name}</b> to a file on this computer, with their "
            "participants and full history, to read and edit without a network. Your edits "
            "are synced back later."
        )
        intro.setWordWrap(True)
        intro.setAccessibleName("About offline copies")
        self.tag_field = QLineEdit()
        self.tag_field.setAccessibleName("Only decisions with the tag")
        self.tag_field.setPlaceholderText("any tag")
        self.from_check = QCheckBox("From")
        self.from_check.setAccessibleName("Limit from a date")
        today = QDate.currentDate()
        self.from_date = _date_edit("From date", today.addMonths(-3))
        self.to_check = QCheckBox("to")
        self.to_check.setAccessibleName("Limit to a date")
        self.to_date = _date_edit("To date", today)
        self.from_check.toggled.connect(self.from_date.setEnabled)
        self.to_check.toggled.connect(self.to_date.setEnabled)
        dates = QHBoxLayout()
        for widget in (self.from_check, self.from_date, self.to_check, self.to_date):
            dates.addWidget(widget)
        dates.addStretch(1)
        self.mine_check = QCheckBox("Only decisions where I take part")
        self.mine_check.setAccessibleName("Only decisions where I take part")
        self.mine_check.setEnabled(owner_email is not None)
        self.path_field = QLineEdit(str(default_snapshot_path(source_name)))
        self.path_field.setAccessibleName("Offline file")
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setAccessibleName("Choose the offline file")
        self.browse_button.clicked.connect(self.choose_file)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_field, 1)
        path_row.addWidget(self.browse_button)
        form = FormGrid()
        form.add_row("&Tag", self.tag_field)
        form.add_row("Decision date", dates)
        form.add_under(self.mine_check)
        form.add_row("&Save as", path_row, buddy=self.path_field)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Copy progress")
        self.progress.setTextVisible(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        self.message = MessageLabel("Offline copy result")
        self.buttons = QDialogButtonBox()
        self.take_button = QPushButton("&Take offline")
        self.take_button.setAccessibleName("Take offline")
        self.take_button.setDefault(True)
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close or cancel the copy")
        self.buttons.addButton(self.take_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.take_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self._close_or_cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form.grid)
        layout.addStretch(1)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(620, 300)

    def filters(self) -> SnapshotFilter:
        """The filter as chosen in the form."""
        tag = self.tag_field.text().strip() or None
        return SnapshotFilter(
            tag=tag,
            date_from=self.from_date.date().toPython() if self.from_check.isChecked() else None,  # type: ignore[arg-type]
            date_to=self.to_date.date().toPython() if self.to_check.isChecked() else None,  # type: ignore[arg-type]
            mine=self.owner_email if self.mine_check.isChecked() else None,
        )

    def choose_file(self) -> None:
        """Open a Save dialog for the file (answered through ``fileSelected``)."""
        dialog = QFileDialog(self, "Save the offline copy as")
        dialog.setObjectName("offlineFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("Offline copies (*.db)")
        dialog.setDefaultSuffix("db")
        dialog.selectFile(self.path_field.text())
        dialog.fileSelected.connect(self.path_field.setText)
        self.file_dialog = dialog
        dialog.open()

    def _problem(self, out: Path) -> str | None:
        filters = self.filters()
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            return "The start date is after the end date: swap them or clear one."
        if out.exists():
            # An existing copy may hold edits not yet synced; a new copy must not erase them.
            return (
                f"{out} already exists: choose a new file name (Sync refreshes an existing copy)."
            )
        if not out.parent.is_dir():
            return f"The folder {out.parent} does not exist: choose another place."
        return None

    def start(self) -> None:
        """Start copying on the copy's own thread."""
        if self.busy:
            return
        out = Path(self.path_field.text().strip()).expanduser()
        problem = self._problem(out) if self.path_field.text().strip() else "Choose a file."
        if problem is not None:
            self.message.show_error(problem)
            return
        self.cancellation = Cancellation()
        cancel, filters, source = self.cancellation, self.filters(), self.source
        owner, name = self.owner_email, self.source_name

        def job(progress: Callable[[Progress], None]) -> SnapshotReport:
            database = open_server(source)
            try:
                return take_snapshot(
                    database,
                    out,
                    filters=filters,
                    owner_email=owner,
                    source_profile=name,
                    progress=progress,
                    cancel=cancel,
                )
            finally:
                database.dispose()

        self.job = OfflineJob(job, self)
        self.job.progressed.connect(self._on_progress)
        self.job.finished.connect(self._on_job_finished)
        self.progress.setRange(0, 0)
        self.progress.setFormat("Connecting to the server…")
        self.message.show_note("Copying… you can cancel at any time; nothing is kept then.")
        self._set_form_enabled(False)
        self.close_button.setText("Cancel")
        self.job.start()

    def _set_form_enabled(self, enabled: bool) -> None:
        for widget in (
            self.tag_field,
            self.from_check,
            self.to_check,
            self.path_field,
            self.browse_button,
            self.take_button,
        ):
            widget.setEnabled(enabled)
        self.from_date.setEnabled(enabled and self.from_check.isChecked())
        self.to_date.setEnabled(enabled and self.to_check.isChecked())
        self.mine_check.setEnabled(enabled and self.owner_email is not None)

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
        self._set_form_enabled(True)
        kind, value = job.outcome
        if kind == "succeeded":
            assert isinstance(value, SnapshotReport)
            self._on_taken(value)
        elif kind == "cancelled":
            self._on_cancelled()
        else:
            self._on_failed(str(value))

    def _on_taken(self, report: SnapshotReport) -> None:
        self.report = report
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat("Done")
        decisions = f"{report.decisions:,} decision{'' if report.decisions == 1 else 's'}"
        sentence = (
            f"Copied {decisions} with {report.audit_entries:,} history entries and "
            f"{report.users:,} people to {report.info.path}."
        )
        try:
            self.profile = remember_snapshot(self.profile_store or ProfileStore(), report.info)
        except Exception as exc:
            self.message.show_error(
                f"{sentence[:-1]}, but it could not be added to your profiles: "
                f"{error_sentence(exc)}"
            )
        else:
            self.message.show_success(f"{sentence[:-1]}; open it as “{self.profile.name}”.")
        self.take_button.setText("Take &another")
        # The default name was used up: offer a fresh one for another copy.
        self.path_field.setText(str(default_snapshot_path(self.source_name)))
        self.snapshot_taken.emit(report)
        if self.profile is not None:
            self.profile_added.emit(self.profile)

    def _on_failed(self, message: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Not copied")
        self.message.show_error(f"Nothing was written: {message[:1].lower()}{message[1:]}")

    def _on_cancelled(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Cancelled")
        self.message.show_note("Cancelled: no file was written.")

    def _show_cancelling(self) -> None:
        self.message.show_note("Cancelling…")
