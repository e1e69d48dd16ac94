"""What every page and dialog gets after sign-in: the worker, the database and who is signed in.

Pages never touch the database themselves. They hand a job — a function of the open
``Database`` and the signed-in ``Actor`` — to ``AppContext.submit``; it runs on the
database worker thread and its result (or a one-sentence error) comes back on the GUI
thread. Services are created inside jobs, so every call is one transaction on the worker.

A save whose COMMIT was on its way when the server went away is neither reported failed nor
sent again at once: it may be stored. The context asks the server what became of the
transaction as soon as it answers again (``txid_status``). Not stored: the job fails with a
sentence saying so, and Retry is safe. Stored: the job's failure callback hears that it was
stored after all, and ``stored_without_reply`` names the rows, so the window can show the
saved record instead of letting the person save it a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import DatabaseUnavailable
from asyncops_desktop.services.auth import SignedIn
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from ui.connection import DatabaseHandle
from ui.worker import DatabaseWorker, Unsettled, commit_status, watch_commits

T = TypeVar("T")
# Makes the decision service a job uses (an offline copy's keeps edits as pending changes).
DecisionServiceFactory = Callable[[Database, Actor], DecisionService]

# What ``AppContext.submit`` returns for a job dropped because the session has ended.
DROPPED_JOB = -1

# How often the fate of an unsettled save is asked while the server does not answer.
SETTLE_RETRY_MS = 1_000

STORED_AFTER_ALL = (
    "The server stored this change, but its answer was lost with the connection; "
    "it is shown as saved now."
)
NOT_STORED = (
    "The connection to the database server was lost before the server confirmed this "
    "change, and the server has not stored it."
)


class AppContext(QObject):
    """The signed-in session: submit database jobs, know the actor, hear about changes."""

    # Emitted (on the GUI thread) after a job changed data, with the entity name
    # ("status_updates", "incidents", "blockers", "decisions", "users"), so open lists refresh.
    data_changed = Signal(str)
    # A save whose answer was lost turned out stored (``Unsettled``: the rows it wrote); its
    # job's failure callback has just run with ``STORED_AFTER_ALL``.
    stored_without_reply = Signal(object)

    def __init__(
        self,
        worker: DatabaseWorker,
        handle: DatabaseHandle,
        signed_in: SignedIn,
        *,
        profile_name: str = "",
        decision_service: DecisionServiceFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.handle = handle
        self.signed_in = signed_in
        self.profile_name = profile_name
        # Called inside jobs, on the worker thread.
        self.decision_service: DecisionServiceFactory = decision_service or DecisionService
        self._ended = False
        # Saves whose fate is being asked of the server.
        self._settling = 0

    @property
    def settling(self) -> int:
        """Saves lost with the connection whose fate is not known yet."""
        return self._settling

    @property
    def actor(self) -> Actor:
        """The signed-in user as services see them."""
        return self.signed_in.actor

    @property
    def is_admin(self) -> bool:
        """Whether admin-only actions are offered."""
        return self.signed_in.actor.is_admin

    def _database(self) -> Database:
        # Runs on the worker thread, inside the job.
        database = self.handle.database
        if database is None:
            raise DatabaseUnavailable("The database is not open.")
        watch_commits(database.engine)
        return database

    @property
    def ended(self) -> bool:
        """True once the session is over (signed out, another database, closing)."""
        return self._ended

    def end(self) -> None:
        """End the session: later jobs are dropped and answers still on their way are ignored."""
        self._ended = True

    def report_connection_lost(self, message: str) -> None:
        """Work done off the worker (the summary thread) lost the server: say so as jobs do."""
        if not self._ended and not self.worker.is_stopping:
            self.worker.connection_lost.emit(message)

    def after_paint(self, call: Callable[[], None]) -> None:
        """Run ``call`` once the paints already asked for are done (dropped after ``end``)."""

        def run() -> None:
            if not self._ended:
                call()

        self.worker.defer(run)

    def submit(
        self,
        job: Callable[[Database, Actor], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[str], None],
    ) -> int:
        """Run ``job(database, actor)`` on the worker; one callback runs later on the GUI thread.

        After ``end()`` the job is dropped quietly and ``DROPPED_JOB`` returned: pages may
        still queue a reload while the window winds down, and nobody is left to answer.
        """
        if self._ended:
            return DROPPED_JOB
        actor = self.actor

        def succeeded(result: T) -> None:
            if not self._ended:
                on_success(result)

        def failed(message: str) -> None:
            if not self._ended:
                on_failure(message)

        def unsettled(pending: Unsettled, _message: str) -> None:
            if not self._ended:
                self._settling += 1
                self._settle(pending, failed)

        return self.worker.submit(
            lambda: job(self._database(), actor), succeeded, failed, unsettled
        )

    def _settle(self, pending: Unsettled, on_failure: Callable[[str], None]) -> None:
        """Ask the server whether ``pending`` committed; again later while it does not answer."""
        if self._ended:
            self._settling -= 1
            return

        def ask(database: Database, _actor: Actor) -> str | None:
            with database.read() as session:
                return commit_status(session, pending)

        def answered(status: str | None) -> None:
            if status == "in progress":
                # The server had not noticed the lost connection; ``commit_status`` ended it.
                QTimer.singleShot(SETTLE_RETRY_MS, self, lambda: self._settle(pending, on_failure))
                return
            self._settling -= 1
            if self._ended:
                return
            if status == "committed":
                on_failure(STORED_AFTER_ALL)
                self.stored_without_reply.emit(pending)
            else:
                on_failure(NOT_STORED)

        def unanswered(_message: str) -> None:
            if self._ended:
                self._settling -= 1
                return
            QTimer.singleShot(SETTLE_RETRY_MS, self, lambda: self._settle(pending, on_failure))

        if self.worker.is_stopping:
            self._settling -= 1
            return
        self.worker.submit(lambda: ask(self._database(), self.actor), answered, unanswered)
