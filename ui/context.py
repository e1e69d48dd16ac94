"""What every page and dialog gets after sign-in: the worker, the database and who is signed in.

Pages never touch the database themselves. They hand a job — a function of the open
``Database`` and the signed-in ``Actor`` — to ``AppContext.submit``; it runs on the
database worker thread and its result (or a one-sentence error) comes back on the GUI
thread. Services are created inside jobs, so every call is one transaction on the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import DatabaseUnavailable
from asyncops_desktop.services.auth import SignedIn
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from ui.connection import DatabaseHandle
from ui.worker import DatabaseWorker

T = TypeVar("T")
# Makes the decision service a job uses (an offline copy's keeps edits as pending changes).
DecisionServiceFactory = Callable[[Database, Actor], DecisionService]

# What ``AppContext.submit`` returns for a job dropped because the session has ended.
DROPPED_JOB = -1


class AppContext(QObject):
    """The signed-in session: submit database jobs, know the actor, hear about changes."""

    # Emitted (on the GUI thread) after a job changed data, with the entity name
    # ("status_updates", "incidents", "blockers", "decisions", "users"), so open lists refresh.
    data_changed = Signal(str)

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
        return database

    @property
    def ended(self) -> bool:
        """True once the session is over (signed out, another database, closing)."""
        return self._ended

    def end(self) -> None:
        """End the session: later jobs are dropped and answers still on their way are ignored."""
        self._ended = True

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

        return self.worker.submit(lambda: job(self._database(), actor), succeeded, failed)
