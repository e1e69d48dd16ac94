"""The database worker: one thread that runs database jobs in order and reports by signal.

The GUI thread never waits on the database (a remote server can take seconds to answer):
it submits a job, keeps going, and gets the result or a readable error sentence back as a
queued signal on the GUI thread. One thread also means one ``Session`` at a time, so jobs
never race each other.

A connection lost while a COMMIT is on its way leaves the save's fate unknown: the server
may have stored it and only the answer been lost. On PostgreSQL the worker notes each write
transaction's id just before its COMMIT goes out (``watch_commits``), so such a failure is
reported as ``Unsettled`` (the id, and the rows the transaction wrote) rather than "not
saved"; whoever submitted the job asks the server later what became of it, instead of
saving again and storing the record twice.
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, Signal, Slot
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from asyncops_desktop.db import describe_error
from asyncops_desktop.domain.errors import AsyncOpsError, DatabaseUnavailable
from asyncops_desktop.logs import redact

T = TypeVar("T")

logger = logging.getLogger(__name__)

# How long a thread may hold the GIL while another waits for it (Python's default is 5 ms).
SWITCH_INTERVAL_S = 0.001

# Posted (at low priority) to deliver the next queued reply: see ``DatabaseWorker``.
_DELIVER_REPLY = QEvent.Type(QEvent.registerEventType())


def error_sentence(exc: BaseException) -> str:
    """One readable sentence for an exception raised by a job (never a traceback)."""
    if isinstance(exc, AsyncOpsError):
        return str(exc)
    if isinstance(exc, SQLAlchemyError):
        return describe_error(exc)
    return f"Something unexpected went wrong ({type(exc).__name__}: {redact(str(exc))})."


def is_connection_lost(exc: BaseException) -> bool:
    """Whether a job failed because the database cannot be reached (not because of the data)."""
    if isinstance(exc, DatabaseUnavailable | OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


@dataclass(frozen=True)
class Unsettled:
    """A write whose COMMIT went out when the connection was lost: stored or not is unknown."""

    # The server's id of the transaction (``txid_current()``), to ask ``txid_status`` later.
    transaction_id: int
    # The server process that ran it, which may still hold it open (``pg_backend_pid()``).
    backend_pid: int
    # (table, id) of the rows the transaction inserted or changed, in the order written.
    rows: tuple[tuple[str, int], ...] = ()


@dataclass
class _CommitWatch:
    """What the job running on this thread has sent: its open write transaction."""

    transaction_id: int | None = None
    backend_pid: int = 0
    rows: list[tuple[str, int]] = field(default_factory=list)


# The watch of the job running on the current thread (only the worker thread sets one).
_running = threading.local()


def _watch() -> _CommitWatch | None:
    return getattr(_running, "watch", None)


def _on_begin(_conn: Connection) -> None:
    watch = _watch()
    if watch is not None:
        watch.transaction_id = None
        watch.rows.clear()


def _on_commit(conn: Connection) -> None:
    watch = _watch()
    # Only ``Database.write()`` transactions (marked by their execution option) can store
    # anything; reads are not asked, which saves them a round trip.
    if watch is None or not conn.get_execution_options().get("sqlite_immediate", False):
        return
    try:
        # On the driver's cursor: the transaction is being committed and must not see more
        # SQLAlchemy statements.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("SELECT txid_current_if_assigned(), pg_backend_pid()")
            row = cursor.fetchone()
        finally:
            cursor.close()
    except Exception:
        # The link is gone already: the COMMIT fails before it is sent, nothing is unsettled.
        return
    if row is not None and row[0] is not None:
        watch.transaction_id, watch.backend_pid = int(row[0]), int(row[1])


def _on_flush(session: Session, _context: object) -> None:
    watch = _watch()
    if watch is None:
        return
    for instance in [*session.new, *session.dirty]:
        mapper = inspect(instance).mapper
        key = mapper.primary_key_from_instance(instance)
        if len(key) == 1 and isinstance(key[0], int):
            row = (str(mapper.local_table.name), key[0])
            if row not in watch.rows:
                watch.rows.append(row)


def _on_session_commit(_session: Session) -> None:
    watch = _watch()
    if watch is not None:
        # The server confirmed it: nothing is left to settle.
        watch.transaction_id = None
        watch.rows.clear()


def watch_commits(engine: Engine) -> None:
    """Note each write transaction's id before its COMMIT goes out (PostgreSQL; idempotent)."""
    if engine.dialect.name != "postgresql" or event.contains(engine, "commit", _on_commit):
        return
    event.listen(engine, "begin", _on_begin)
    event.listen(engine, "commit", _on_commit)
    if not event.contains(Session, "after_flush", _on_flush):
        event.listen(Session, "after_flush", _on_flush)
        event.listen(Session, "after_commit", _on_session_commit)


def commit_status(session: Session, pending: Unsettled) -> str | None:
    """What the server says became of a transaction: committed, aborted, in progress (or None).

    A transaction still in progress belongs to a connection the app has lost; its server
    process may wait a long time before noticing (a network that drops packets sends no
    reset). It is ended here, so the next question gets a final answer: a COMMIT the server
    already received still completes, anything else is rolled back.
    """
    status = session.execute(
        text("SELECT txid_status(:xid)"), {"xid": pending.transaction_id}
    ).scalar_one_or_none()
    if status == "in progress":
        # Only that process, and only while it still runs that transaction (xids are 32-bit
        # in pg_stat_activity). Ending one's own sessions needs no special privilege.
        session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid = :pid AND backend_xid::text = :xid"
            ),
            {"pid": pending.backend_pid, "xid": str(pending.transaction_id % 2**32)},
        )
    return None if status is None else str(status)


class _JobRunner(QObject):
    """Lives on the worker thread; runs each job it is handed."""

    job_succeeded = Signal(int, object)
    # job id, the sentence, whether the database could not be reached, and an ``Unsettled``
    # when a COMMIT was on its way (else None)
    job_failed = Signal(int, str, bool, object)

    @Slot(int, object)
    def run(self, job_id: int, job: Callable[[], object]) -> None:
        """Run one job and report its result or its error."""
        watch = _CommitWatch()
        _running.watch = watch
        try:
            result = job()
        except Exception as exc:
            if not isinstance(exc, AsyncOpsError | SQLAlchemyError):
                # A bug, not a user-facing condition: keep the traceback for the log.
                logger.exception("Database job %d failed", job_id)
            lost = is_connection_lost(exc)
            unsettled = (
                Unsettled(watch.transaction_id, watch.backend_pid, tuple(watch.rows))
                if lost and watch.transaction_id is not None
                else None
            )
            self.job_failed.emit(job_id, error_sentence(exc), lost, unsettled)
        else:
            self.job_succeeded.emit(job_id, result)
        finally:
            _running.watch = None


class DatabaseWorker(QObject):
    """Runs database jobs one at a time on its own thread; callbacks run on the GUI thread.

    Replies are delivered one per turn of the event loop, in order: after each callback the
    next one waits behind the paints it asked for (both are low-priority posted events), so
    a page's first rows are on screen before the answers queued behind them (people, tags,
    another page's list) are handled, and several answers arriving at once never add up to
    one long stall of the GUI thread.
    """

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
        self._unsettled_callbacks: dict[int, Callable[[Unsettled, str], None]] = {}
        self._stopping = False
        # Replies that arrived and await delivery: (job id, succeeded, payload); a deferred
        # call has no job id and None for ``succeeded``.
        self._replies: deque[tuple[int, bool | None, tuple[Any, ...]]] = deque()
        self._deferred = 0
        self._delivery_posted = False
        # A job's Python work (decoding rows) holds the GIL; the GUI thread, which needs it
        # for every cell it paints, gets it back within a millisecond rather than five.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
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
        """Jobs submitted whose result has not been delivered yet, and deferred calls."""
        return len(self._callbacks) + self._deferred

    def defer(self, call: Callable[[], None]) -> None:
        """Run ``call`` on this thread after the paints already asked for, in reply order."""
        self._deferred += 1
        self._replies.append((0, None, (call,)))
        self._post_delivery()

    def submit(
        self,
        job: Callable[[], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[str], None],
        on_unsettled: Callable[[Unsettled, str], None] | None = None,
    ) -> int:
        """Queue ``job`` on the worker thread; one of the callbacks runs later on this thread.

        ``on_unsettled`` (if given) replaces ``on_failure`` when the connection was lost
        while the job's COMMIT was on its way; without it such a job simply failed.
        """
        if self._stopping:
            raise RuntimeError("The database worker is stopping and takes no new jobs.")
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_success, on_failure)
        if on_unsettled is not None:
            self._unsettled_callbacks[job_id] = on_unsettled
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
        self._replies.append((job_id, True, (result,)))
        self._post_delivery()

    def _post_delivery(self) -> None:
        if not self._delivery_posted:
            self._delivery_posted = True
            QCoreApplication.postEvent(
                self, QEvent(_DELIVER_REPLY), Qt.EventPriority.LowEventPriority.value
            )

    def event(self, event: QEvent) -> bool:
        """Deliver the oldest waiting reply; the next one gets a turn of its own."""
        if event.type() != _DELIVER_REPLY:
            return super().event(event)
        self._delivery_posted = False
        if self._replies:
            job_id, succeeded, payload = self._replies.popleft()
            try:
                if succeeded is None:
                    self._deferred -= 1
                    payload[0]()
                elif succeeded:
                    self._deliver_success(job_id, payload[0])
                else:
                    message, lost, unsettled = payload
                    self._deliver_failure(job_id, str(message), bool(lost), unsettled)
            finally:
                if self._replies:
                    self._post_delivery()
        return True

    def _deliver_success(self, job_id: int, result: object) -> None:
        on_success, _ = self._callbacks.pop(job_id)
        self._unsettled_callbacks.pop(job_id, None)
        on_success(result)

    @property
    def is_stopping(self) -> bool:
        """True once ``stop`` was called: new jobs are refused."""
        return self._stopping

    @Slot(int, str, bool, object)
    def _on_job_failed(self, job_id: int, message: str, lost: bool, unsettled: object) -> None:
        self._replies.append((job_id, False, (message, lost, unsettled)))
        self._post_delivery()

    def _deliver_failure(self, job_id: int, message: str, lost: bool, unsettled: object) -> None:
        _, on_failure = self._callbacks.pop(job_id)
        on_unsettled = self._unsettled_callbacks.pop(job_id, None)
        if lost and not self._stopping:
            self.connection_lost.emit(message)
        if on_unsettled is not None and isinstance(unsettled, Unsettled):
            on_unsettled(unsettled, message)
        else:
            on_failure(message)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._thread.wait()
        self.stopped.emit()
