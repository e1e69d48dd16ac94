"""The database worker: one thread that runs database jobs in order and reports by signal.

The GUI thread never waits on the database (a remote server can take seconds to answer):
it submits a job, keeps going, and gets the result or a readable error sentence back as a
queued signal on the GUI thread. One thread also means one ``Session`` at a time, so jobs
never race each other.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QThread, Signal, Slot
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from asyncops_desktop.db import describe_error
from asyncops_desktop.domain.errors import AsyncOpsError, DatabaseUnavailable

T = TypeVar("T")

logger = logging.getLogger(__name__)


def error_sentence(exc: BaseException) -> str:
    """One readable sentence for an exception raised by a job (never a traceback)."""
    if isinstance(exc, AsyncOpsError):
        return str(exc)
    if isinstance(exc, SQLAlchemyError):
        return describe_error(exc)
    return f"Something unexpected went wrong ({type(exc).__name__}: {exc})."


def is_connection_lost(exc: BaseException) -> bool:
    """Whether a job failed because the database cannot be reached (not because of the data)."""
    if isinstance(exc, DatabaseUnavailable | OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class _JobRunner(QObject):
    """Lives on the worker thread; runs each job it is handed."""

    job_succeeded = Signal(int, object)
    # job id, the sentence, and whether the database could not be reached
    job_failed = Signal(int, str, bool)

    @Slot(int, object)
    def run(self, job_id: int, job: Callable[[], object]) -> None:
        """Run one job and report its result or its error."""
        try:
            result = job()
        except Exception as exc:
            if not isinstance(exc, AsyncOpsError | SQLAlchemyError):
                # A bug, not a user-facing condition: keep the traceback for the log.
                logger.exception("Database job %d failed", job_id)
            self.job_failed.emit(job_id, error_sentence(exc), is_connection_lost(exc))
        else:
            self.job_succeeded.emit(job_id, result)


class DatabaseWorker(QObject):
    """Runs database jobs one at a time on its own thread; callbacks run on the GUI thread."""

    # Emitted once the thread has run its last job and ended.
    stopped = Signal()
    # A job failed because the database could not be reached (its sentence); the job's own
    # failure callback runs right after.
    connection_lost = Signal(str)
    _job_submitted = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[str], None]]] = {}
        self._stopping = False
        self._thread = QThread(self)
        self._thread.setObjectName("database-worker")
        self._runner = _JobRunner()
        self._runner.moveToThread(self._thread)
        # The runner lives on the worker thread, so these connections are queued both ways.
        self._job_submitted.connect(self._runner.run)
        self._runner.job_succeeded.connect(self._on_job_succeeded)
        self._runner.job_failed.connect(self._on_job_failed)
        self._thread.finished.connect(self._runner.deleteLater)
        self._thread.finished.connect(self._on_thread_finished)
        self._thread.start()

    @property
    def is_running(self) -> bool:
        """True until the thread has ended."""
        return self._thread.isRunning()

    @property
    def pending_jobs(self) -> int:
        """Jobs submitted whose result has not been delivered yet."""
        return len(self._callbacks)

    def submit(
        self,
        job: Callable[[], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[str], None],
    ) -> int:
        """Queue ``job`` on the worker thread; one of the callbacks runs later on this thread."""
        if self._stopping:
            raise RuntimeError("The database worker is stopping and takes no new jobs.")
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_success, on_failure)
        self._job_submitted.emit(job_id, job)
        return job_id

    def stop(self, last_job: Callable[[], object] | None = None) -> None:
        """Run ``last_job`` after the queued ones, then end the thread; ``stopped`` follows."""
        if self._stopping:
            return
        self._stopping = True
        job_id = next(self._ids)
        self._callbacks[job_id] = (self._quit_thread, self._log_and_quit)
        self._job_submitted.emit(job_id, last_job or (lambda: None))

    def _quit_thread(self, _result: object = None) -> None:
        self._thread.quit()

    def _log_and_quit(self, message: str) -> None:
        logger.warning("Closing the database failed: %s", message)
        self._thread.quit()

    @Slot(int, object)
    def _on_job_succeeded(self, job_id: int, result: object) -> None:
        on_success, _ = self._callbacks.pop(job_id)
        on_success(result)

    @property
    def is_stopping(self) -> bool:
        """True once ``stop`` was called: new jobs are refused."""
        return self._stopping

    @Slot(int, str, bool)
    def _on_job_failed(self, job_id: int, message: str, lost: bool) -> None:
        _, on_failure = self._callbacks.pop(job_id)
        if lost and not self._stopping:
            self.connection_lost.emit(message)
        on_failure(message)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._thread.wait()
        self.stopped.emit()
