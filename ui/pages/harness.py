"""Render the list pages offscreen for screenshots, or open one in a window to try it.

    python -m ui.pages.harness --screenshots /tmp/shots          # demo data and empty, light and dark
    python -m ui.pages.harness --db sqlite:///file.db --page incidents   # a window on a database

It signs in as the database's first active admin without a password, so it is a developer
tool only: the application itself always goes through the sign-in dialog.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QStyleFactory

from asyncops_desktop import demo_data, migrate
from asyncops_desktop.db import Database, sqlite_url
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.repositories.users import UserFilter, UserRepository
from asyncops_desktop.services.auth import SignedIn, actor_for
from asyncops_desktop.services.users import hash_password
from ui.connection import DatabaseHandle
from ui.context import AppContext
from ui.pages import BlockersPage, IncidentsPage, StatusUpdatesPage
from ui.pages.page import RecordPage
from ui.resources import style_sheet
from ui.theme import dark_palette
from ui.worker import DatabaseWorker

PAGES: dict[str, Callable[[AppContext], RecordPage[Any]]] = {
    "status-updates": StatusUpdatesPage,
    "incidents": IncidentsPage,
    "blockers": BlockersPage,
}
SIZE = (1280, 760)


def first_admin(database: Database, *, create: bool = False) -> SignedIn:
    """The first active admin as signed in (created on an empty database if asked)."""
    with database.write() as session:
        users = UserRepository(session)
        admins = users.page(UserFilter(role=Role.ADMIN.value, active=True), limit=1).rows
        if not admins:
            if not create:
                raise SystemExit("The database has no active admin to sign in as.")
            users.add(
                email="admin@example.com",
                password_hash=hash_password("harness password", rounds=4),
                full_name="Ada Admin",
                role=Role.ADMIN.value,
            )
            admins = users.page(UserFilter(role=Role.ADMIN.value), limit=1).rows
    user = admins[0]
    return SignedIn(user, actor_for(user))


def wait_until_idle(context: AppContext, timeout_s: float = 30.0) -> None:
    """Run the event loop until every database job has reported back (and timers settled)."""
    deadline = time.monotonic() + timeout_s
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if context.worker.pending_jobs == 0:
            quiet_since = quiet_since or time.monotonic()
            # A debounced preview or search may still fire: stay a moment.
            if time.monotonic() - quiet_since > 0.4:
                return
        else:
            quiet_since = None
        time.sleep(0.01)
    raise TimeoutError("The database jobs did not finish in time.")


def open_context(url: str, signed_in: SignedIn) -> AppContext:
    """A context with its worker, the handle opened on it."""
    worker = DatabaseWorker()
    handle = DatabaseHandle(url)
    done: list[object] = []
    worker.submit(handle.open, done.append, done.append)
    while not done:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    if isinstance(done[0], str):
        raise SystemExit(done[0])
    return AppContext(worker, handle, signed_in)


def close_context(context: AppContext) -> None:
    """Stop the worker after closing the database."""
    stopped: list[bool] = []
    context.worker.stopped.connect(lambda: stopped.append(True))
    context.worker.stop(context.handle.close)
    while not stopped:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def screenshots(directory: Path, scale: int) -> list[Path]:
    """Render every page with demo data and empty, light and dark, into ``directory``."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    directory.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as folder:
        databases = {}
        for name in ("full", "empty"):
            url = sqlite_url(Path(folder) / f"{name}.db")
            database = migrate.open_database(url)
            if name == "full":
                demo_data.generate(database, scale=scale)
            signed_in = first_admin(database, create=True)
            database.dispose()
            databases[name] = (url, signed_in)
        for theme, palette in (("light", light), ("dark", dark_palette())):
            app.setPalette(palette)
            for data, (url, signed_in) in databases.items():
                context = open_context(url, signed_in)
                for page_name, page_class in PAGES.items():
                    page = page_class(context)
                    page.resize(*SIZE)
                    page.show()
                    wait_until_idle(context)
                    path = directory / f"{page_name}-{data}-{theme}.png"
                    page.grab().save(str(path))
                    saved.append(path)
                    page.close()
                    page.deleteLater()
                    wait_until_idle(context)
                close_context(context)
    return saved


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ui.pages.harness``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", help="database URL or SQLite path (default: a demo database)")
    parser.add_argument("--page", choices=sorted(PAGES), default="incidents")
    parser.add_argument("--screenshots", type=Path, help="render PNGs into this folder and exit")
    parser.add_argument("--scale", type=int, default=1, help="demo data scale")
    parser.add_argument("--dark", action="store_true", help="use a dark palette")
    args = parser.parse_args(argv)
    if args.screenshots is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication(sys.argv[:1])
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setStyleSheet(style_sheet())
    if args.screenshots is not None:
        for path in screenshots(args.screenshots, args.scale):
            print(path)
        return 0
    if args.dark:
        app.setPalette(dark_palette())
    url = args.db
    if url is None:
        url = sqlite_url(Path(tempfile.mkdtemp()) / "demo.db")
        database = migrate.open_database(url)
        demo_data.generate(database, scale=args.scale)
    else:
        database = migrate.open_database(url)
    signed_in = first_admin(database, create=True)
    database.dispose()
    context = open_context(url, signed_in)
    page = PAGES[args.page](context)
    page.resize(*SIZE)
    page.show()
    code = app.exec()
    close_context(context)
    return code


if __name__ == "__main__":
    sys.exit(main())
