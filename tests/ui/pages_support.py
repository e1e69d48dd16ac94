"""Helpers for the list, editor and widget tests: a real signed-in context and seeded rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from asyncops_desktop.db import Database
from asyncops_desktop.domain.models import utcnow
from asyncops_desktop.repositories.blockers import BlockerRepository
from asyncops_desktop.repositories.incidents import IncidentRepository
from asyncops_desktop.repositories.status_updates import StatusUpdateRepository
from asyncops_desktop.services.auth import SignedIn
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.users import UserService
from ui.connection import ConnectionInfo, DatabaseHandle
from ui.context import AppContext
from ui.pages.editor import RecordEditor
from ui.pages.page import RecordPage
from ui.worker import DatabaseWorker

TIMEOUT_MS = 30_000


def signed_in_as(database: Database, actor: Actor) -> SignedIn:
    """The SignedIn an actor would get from the sign-in dialog."""
    return SignedIn(UserService(database, actor).get(actor.user_id), actor)


@contextmanager
def app_context(qtbot: QtBot, db_url: str, signed_in: SignedIn) -> Iterator[AppContext]:
    """A real context: the database worker thread and a handle opened on it."""
    worker = DatabaseWorker()
    handle = DatabaseHandle(db_url)
    opened: list[object] = []
    # Open on the worker thread, as the app does; waitUntil keeps the GUI loop running.
    worker.submit(handle.open, opened.append, opened.append)
    qtbot.waitUntil(lambda: bool(opened), timeout=TIMEOUT_MS)
    assert isinstance(opened[0], ConnectionInfo), opened[0]
    context = AppContext(worker, handle, signed_in)
    try:
        yield context
    finally:
        if worker.is_running:
            with qtbot.waitSignal(worker.stopped, timeout=TIMEOUT_MS):
                worker.stop(handle.close)


def wait_idle(qtbot: QtBot, context: AppContext) -> None:
    """Wait until every submitted job has reported back."""
    qtbot.waitUntil(lambda: context.worker.pending_jobs == 0, timeout=TIMEOUT_MS)


def add_status_updates(
    database: Database, author_id: int, count: int, *, tags: tuple[str, ...] = ()
) -> list[int]:
    """Insert ``count`` status updates titled ``Update 000``…, returning their ids."""
    with database.write() as session:
        repo = StatusUpdateRepository(session)
        return [
            repo.add(
                user_id=author_id,
                title=f"Update {n:03d}",
                content=f"Body of update {n}",
                tags=list(tags),
            )
            for n in range(count)
        ]


def add_incidents(
    database: Database,
    reporter_id: int,
    count: int,
    *,
    severity: str = "medium",
    status: str = "open",
    assigned_to_id: int | None = None,
    title: str = "Incident",
) -> list[int]:
    """Insert ``count`` incidents one minute apart (newest last), returning their ids."""
    start = utcnow() - dt.timedelta(minutes=count - 1)
    with database.write() as session:
        repo = IncidentRepository(session)
        return [
            repo.add(
                reported_by_id=reporter_id,
                assigned_to_id=assigned_to_id,
                title=f"{title} {n:03d}",
                description=f"What happened in incident {n}",
                severity=severity,
                status=status,
                created_at=start + dt.timedelta(minutes=n),
                updated_at=start + dt.timedelta(minutes=n),
            )
            for n in range(count)
        ]


def add_blockers(
    database: Database,
    reporter_id: int,
    count: int,
    *,
    age: dt.timedelta = dt.timedelta(0),
    related_incident_id: int | None = None,
    related_status_id: int | None = None,
    status: str = "active",
) -> list[int]:
    """Insert ``count`` blockers created ``age`` ago, returning their ids."""
    created = utcnow() - age
    with database.write() as session:
        repo = BlockerRepository(session)
        return [
            repo.add(
                reported_by_id=reporter_id,
                description=f"Blocker {n:03d} waits on something",
                impact=f"Impact {n}",
                status=status,
                related_incident_id=related_incident_id,
                related_status_id=related_status_id,
                created_at=created,
                updated_at=created,
                resolved_at=created if status == "resolved" else None,
                resolution_notes="Done" if status == "resolved" else None,
            )
            for n in range(count)
        ]


def show_page(qtbot: QtBot, page: QWidget, context: AppContext) -> None:
    """Show a page at a desktop size and wait until its first loads are in."""
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    qtbot.waitExposed(page)
    wait_idle(qtbot, context)


def answer_unsaved(qtbot: QtBot, page: RecordPage[Any], button: QMessageBox.StandardButton) -> None:
    """Click one button of the page's save/discard/cancel question."""
    qtbot.waitUntil(lambda: page.leave_box is not None and page.leave_box.isVisible())
    box = page.leave_box
    assert box is not None
    clicked = box.button(button)
    assert clicked is not None
    clicked.click()
    qtbot.waitUntil(lambda: page.leave_box is None)


def save_and_wait(qtbot: QtBot, editor: RecordEditor[Any]) -> object:
    """Click Save and wait for the saved record."""
    with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS) as saved:
        assert editor.save_button.isEnabled()
        editor.save_button.click()
    return saved.args[0]


def count_rows(database: Database, table: str) -> int:
    """Rows in a table, read directly."""
    with database.read() as session:
        return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
