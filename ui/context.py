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
from ui.connection import DatabaseHandle
from ui.worker import DatabaseWorker

T = TypeVar("T")


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
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.handle = handle
        self.signed_in = signed_in
        self.profile_name = profile_name

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

    def submit(
        self,
        job: Callable[[Database, Actor], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[str], None],
    ) -> int:
        """Run ``job(database, actor)`` on the worker; one callback runs later on the GUI thread."""
        actor = self.actor
        return self.worker.submit(lambda: job(self._database(), actor), on_success, on_failure)
