"""One long offline job (snapshot, sync, resolve) on its own thread, reporting by signal.

A snapshot or a sync holds its own connection to the server for minutes at worst, so it
does not queue behind (or block) the app's database worker: it gets a thread of its own,
and its server ``Database`` is opened and disposed on that thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog
from sqlalchemy.exc import SQLAlchemyError

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import AsyncOpsError
from asyncops_desktop.offline import Cancellation, OfflineCancelled, Progress
from ui.worker import error_sentence

logger = logging.getLogger(__name__)

ServerSource = str | Callable[[], Database]
Job = Callable[[Callable[[Progress], None]], object]


def open_server(source: ServerSource) -> Database:
    """A fresh ``Database`` for a URL, or whatever the factory returns (owned by the caller)."""
    return Database(source) if isinstance(source, str) else source()


class OfflineJob(QThread):
    """Runs ``job(progress)`` once; the signals reach GUI-thread receivers queued.

    How it ended is also kept in ``outcome`` (``("succeeded", result)``, ``("failed",
    sentence)`` or ``("cancelled", None)``) so a dialog can act on it from ``finished``,
    after the thread is over: a follow-up job started from there never overlaps this one.
    """

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = job
        self.outcome: tuple[str, object] = ("failed", "The job did not run.")

    def run(self) -> None:
        """Run the job on this thread and report how it ended."""
        try:
            result = self._job(self.progressed.emit)
        except OfflineCancelled:
            self.outcome = ("cancelled", None)
            self.cancelled.emit()
        except Exception as exc:
            if not isinstance(exc, AsyncOpsError | SQLAlchemyError):
                # A bug rather than a condition the user can act on: keep the traceback.
                logger.exception("Offline job failed")
            self.outcome = ("failed", error_sentence(exc))
            self.failed.emit(error_sentence(exc))
        else:
            self.outcome = ("succeeded", result)
            self.succeeded.emit(result)


def progress_text(progress: Progress) -> str:
    """``Copying decisions… 500 of 1,200`` for a progress bar's label."""
    phase = {
        "reading": "Reading the server",
        "copying": "Copying decisions",
        "syncing": "Sending changes",
    }.get(progress.phase, progress.phase.capitalize())
    if progress.total <= 0:
        return f"{phase}…"
    return f"{phase}… {progress.done:,} of {progress.total:,}"


class OfflineJobDialog(QDialog):
    """A dialog that runs one ``OfflineJob`` at a time and will not close under a running one.

    Closing (Close, Escape or the window's close button) while a job runs asks the job to
    stop at its next safe point instead; the dialog closes once the user asks again after
    it has stopped. Subclasses set ``job`` and ``cancellation`` and say how cancelling shows.
    """

    job: OfflineJob | None = None
    cancellation: Cancellation | None = None

    @property
    def busy(self) -> bool:
        """Whether a job is running."""
        return self.job is not None

    def _show_cancelling(self) -> None:
        """Tell the user the job was asked to stop."""

    def _close_or_cancel(self) -> None:
        if self.busy:
            if self.cancellation is not None:
                self.cancellation.cancel()
            self._show_cancelling()
            return
        self.reject()

    def reject(self) -> None:
        """Close, or ask the running job to stop first."""
        if self.busy:
            self._close_or_cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Keep the dialog while a job runs: it stops only at a safe point."""
        if self.busy:
            self._close_or_cancel()
            event.ignore()
            return
        super().closeEvent(event)
