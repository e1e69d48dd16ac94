"""Screenshots of every page and the main dialogs, in the light and the dark theme.

``python -m ui.screenshots --out docs/screenshots`` (``make screenshots``) builds two throw-away
SQLite databases in a temporary folder, one filled with sample data (``demo_data.generate``) and
a first admin, one empty, and drives the real app on them offscreen at 1280×800: the sign-in,
every page with a row selected and its editor filled, every page empty, the Connect dialog and
its profile editor, the first-admin welcome, the decision history with its word diff, an edit
conflict, the decision export and import, and an offline copy with its banner, pending changes
and a sync that meets a conflict. Each picture is saved as ``<what>-<theme>.png``.

Profiles, settings and the keyring are stand-ins kept in the temporary folder (an in-memory
keyring for the run), so the person's own profiles, settings and passwords are never touched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Before Qt is imported anywhere: a rendering tool needs no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QMessageLogContext,
    QSettings,
    QSize,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget
from sqlalchemy import func, select

from asyncops_desktop import demo_data, migrate
from asyncops_desktop.credentials import CredentialStore
from asyncops_desktop.db import Database, sqlite_url
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.models import DecisionAuditEntry, User
from asyncops_desktop.memory_keyring import MemoryKeyring
from asyncops_desktop.offline import remember_snapshot, take_snapshot
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore
from asyncops_desktop.services.auth import AuthService
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.summaries import backfill
from ui.dialogs.conflict import ConflictDialog

WINDOW_SIZE = QSize(1280, 800)
THEMES = ("light", "dark")
# The pages of the signed-in window, as the sidebar names them, and their file names.
PAGES = {
    "Dashboard": "dashboard",
    "Status updates": "status-updates",
    "Incidents": "incidents",
    "Blockers": "blockers",
    "Decisions": "decisions",
    "Users": "users",
}
TEXT_FIELDS = ("title", "description", "context", "outcome")
TIMEOUT_S = 60.0

# The screenshot accounts. The databases live only as long as the run, so a fixed password
# protects nothing; it is here so the sign-in dialog shows someone real signing in.
ADMIN_NAME = "Alex Morgan"
ADMIN_EMAIL = "alex.morgan@example.com"
ADMIN_PASSWORD = "screenshots only 2026"
FULL_PROFILE = "Platform team"
EMPTY_PROFILE = "New team"
SERVER_PROFILE = "Team server"


@contextmanager
def _isolated(root: Path) -> Iterator[None]:
    """User directories, settings and keyring of the run's own; put back afterwards."""
    import keyring

    saved = {name: os.environ.get(name) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    os.environ["XDG_CONFIG_HOME"] = str(root / "config")
    os.environ["XDG_DATA_HOME"] = str(root / "data")
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def wait_until(condition: Callable[[], object], what: str, timeout: float = TIMEOUT_S) -> None:
    """Run the event loop until ``condition`` holds; a clear error names ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Screenshots: gave up waiting for {what} after {timeout:.0f} s.")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def pump(seconds: float = 0.15) -> None:
    """Let queued events, layouts and repaints run for a moment."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def visible_dialog(kind: type[QDialog], parent: QWidget) -> QDialog | None:
    """The visible dialog of this kind under ``parent``, if any."""
    for dialog in parent.findChildren(kind):
        if dialog.isVisible():
            return dialog
    return None


@dataclass
class Databases:
    """The run's SQLite files: pristine copies are taken for each theme."""

    root: Path
    full: Path
    empty: Path
    counts: dict[str, int] = field(default_factory=dict)

    def fresh(self, name: str, theme: str) -> Path:
        """A copy of ``full`` or ``empty`` for one theme's run."""
        source = self.full if name == "full" else self.empty
        # Named like a person's files: the dialogs and the status bar show these paths.
        folder = self.root / theme
        folder.mkdir(exist_ok=True)
        target = folder / ("platform-team.db" if name == "full" else "new-team.db")
        _copy_sqlite(source, target)
        return target


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite file with its write-ahead log through SQLite's backup API."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def build_databases(root: Path, scale: int) -> Databases:
    """A database with a first admin and sample data at ``scale``, and an empty one."""
    full = root / "full.db"
    database = migrate.open_database(sqlite_url(full))
    # A low bcrypt cost: the file is thrown away after the run.
    AuthService(database, bcrypt_rounds=demo_data.DEMO_BCRYPT_ROUNDS).create_first_admin(
        full_name=ADMIN_NAME, email=ADMIN_EMAIL, password=ADMIN_PASSWORD
    )
    counts = demo_data.generate(database, scale=scale, seed=7)
    # Every past day's summary now, once for both themes; the app computes today's at sign-in.
    backfill(database, dt.date.today() - dt.timedelta(days=1))
    database.dispose()
    empty = root / "empty.db"
    migrate.open_database(sqlite_url(empty)).dispose()
    return Databases(root, full, empty, counts)


class Shooter:
    """Saves pictures of widgets into the output folder and remembers what it wrote."""

    def __init__(self, out: Path, theme: str) -> None:
        self.out = out
        self.theme = theme
        self.written: list[Path] = []

    def save(self, widget: QWidget, name: str) -> Path:
        """Repaint ``widget`` and save it as ``<name>-<theme>.png``."""
        pump()
        path = self.out / f"{name}-{self.theme}.png"
        image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        # Quality 0 is PNG's strongest compression. The stubs type the format as bytes, but
        # PySide6 takes it as a str at run time.
        if not image.save(str(path), "PNG", 0):  # type: ignore[call-overload]
            raise OSError(f"Screenshots: could not write {path}.")
        self.written.append(path)
        if os.environ.get("ASYNCOPS_SHOTS_VERBOSE"):
            print(f"{time.monotonic():.1f} {path.name}", file=sys.stderr)
        return path


class Session:
    """One app controller on one profile, driven like a person would, and shut down after."""

    def __init__(self, store: ProfileStore, settings: QSettings, profile: str) -> None:
        from ui.app import AppController

        self.controller = AppController(
            profile_name=profile,
            profiles=store,
            credentials=CredentialStore(),
            settings=settings,
        )
        self.window = self.controller.window

    def start(self) -> None:
        """Show the window at the screenshot size and open the profile's database."""
        self.window.resize(WINDOW_SIZE)
        self.controller.start()
        self.window.resize(WINDOW_SIZE)

    def settle(self) -> None:
        """Wait until the database worker has answered every job and the window repainted."""
        worker = self.controller.worker
        wait_until(lambda: worker.pending_jobs == 0, "the database worker")
        pump()
        wait_until(lambda: worker.pending_jobs == 0, "the database worker")

    def wait_summaries(self) -> None:
        """Wait until the daily summaries computed at sign-in are in."""
        runner = self.controller.summary_runner
        if runner is not None:
            wait_until(
                lambda: runner.last_result is not None or runner.last_error is not None,
                "the daily summaries",
            )
        self.settle()

    def show_page(self, name: str) -> QWidget:
        """Switch to a page and wait for its loads."""
        self.window.show_page(name)
        self.settle()
        return self.window.current_page()

    def close(self) -> None:
        """Close the window and wait until the database worker has stopped."""
        controller = self.controller
        if controller.exit_code is None:
            done: list[int] = []
            controller.finished.connect(done.append)
            controller.quit()
            for box in self.window.findChildren(QMessageBox):
                # An unsaved-edit question: the screenshots keep nothing.
                if box.isVisible() and (discard := box.button(QMessageBox.StandardButton.Discard)):
                    discard.click()
            wait_until(lambda: bool(done) or not controller.worker.is_running, "the app to close")
        self.window.deleteLater()
        self.controller.deleteLater()
        pump(0.05)


def _fill_line(widget: Any, text: str) -> None:
    widget.setFocus()
    widget.setText(text)


def _richest_decision(database: Database, ids: Sequence[int]) -> int | None:
    """Among ``ids``, the decision whose text fields were changed most often (a history to show)."""
    if not ids:
        return None
    with database.read() as session:
        row = session.execute(
            select(DecisionAuditEntry.decision_id, func.count())
            .where(DecisionAuditEntry.decision_id.in_(ids))
            .where(DecisionAuditEntry.field_name.in_(TEXT_FIELDS))
            .group_by(DecisionAuditEntry.decision_id)
            .order_by(func.count().desc(), DecisionAuditEntry.decision_id)
            .limit(1)
        ).first()
    return int(row[0]) if row is not None else ids[0]


def _another_admin(database: Database, email: str) -> Actor:
    """An admin other than ``email`` (someone who edits at the same moment), else that one."""
    with database.read() as session:
        users = session.execute(select(User.id, User.email, User.role)).all()
    others = [u for u in users if u.role == Role.ADMIN.value and u.email != email]
    chosen = others[0] if others else next(u for u in users if u.email == email)
    return Actor(int(chosen.id), Role(chosen.role))


def _select_decision(page: Any, database: Database) -> int:
    """Select the loaded decision with the richest history and wait for that history."""
    model = page.model
    # Near the top of the list, so the selected row shows without scrolling.
    ids = [model.row_at(row).id for row in range(min(model.rowCount(), 12))]
    chosen = _richest_decision(database, ids)
    if chosen is None:
        raise RuntimeError("Screenshots: the Decisions page loaded no decisions.")
    row = model.row_of(chosen)
    assert row is not None
    page.view.selectRow(row)
    page.view.scrollTo(model.index(row, 0))
    editor = page.editor
    wait_until(
        lambda: (
            editor.record is not None
            and editor.record.id == chosen
            and len(editor.history.entries) > 0
        ),
        "the decision's history",
    )
    return chosen


def shoot_filled(
    shooter: Shooter, store: ProfileStore, settings: QSettings, database_path: Path
) -> None:
    """Sign in to the filled database; every page, the dialogs, export, import and a conflict."""
    session = Session(store, settings, FULL_PROFILE)
    controller, window = session.controller, session.window
    try:
        session.start()
        wait_until(
            lambda: controller.sign_in_dialog is not None and controller.sign_in_dialog.isVisible(),
            "the Sign-in dialog",
        )
        dialog = controller.sign_in_dialog
        assert dialog is not None
        _fill_line(dialog.email_edit, ADMIN_EMAIL)
        _fill_line(dialog.password_edit, ADMIN_PASSWORD)
        shooter.save(dialog, "sign-in")
        dialog.sign_in_button.click()
        wait_until(lambda: controller.session is not None, "the sign-in")
        window.resize(WINDOW_SIZE)
        session.wait_summaries()

        database = Database(sqlite_url(database_path))
        try:
            for name, slug in PAGES.items():
                page = session.show_page(name)
                if name == "Decisions":
                    _select_decision(page, database)
                    session.settle()
                elif name == "Users":
                    page.select_email(ADMIN_EMAIL)  # type: ignore[attr-defined]
                    pump()
                shooter.save(window, slug)
            shoot_user_editor(shooter, session)
            page = session.show_page("Decisions")
            shoot_history(shooter, page)
            session.show_page("Database")
            shooter.save(window, "database")
            session.show_page("Decisions")

            shoot_connect(shooter, controller)
            shoot_export_import(shooter, session, database_path.parent)
            shoot_edit_conflict(shooter, session, database)
        finally:
            database.dispose()
    finally:
        session.close()


def shoot_user_editor(shooter: Shooter, session: Session) -> None:
    """The Users page's editor on the selected account."""
    from ui.dialogs.users import UserEditorDialog

    page: Any = session.show_page("Users")
    page.edit_user()
    wait_until(
        lambda: visible_dialog(UserEditorDialog, session.window) is not None, "the user editor"
    )
    dialog = visible_dialog(UserEditorDialog, session.window)
    assert dialog is not None
    shooter.save(dialog, "user-editor")
    dialog.reject()
    pump()


def shoot_history(shooter: Shooter, page: Any) -> None:
    """The decision's History panel on its own, wide enough to read its word diffs."""
    from ui.pages.decision_history import HistoryPanel

    editor = page.editor
    panel = HistoryPanel()
    try:
        panel.set_names(editor.participants_edit.name_of)
        panel.set_entries(editor.history.entries)
        panel.resize(560, 700)
        panel.show()
        shooter.save(panel, "decision-history")
    finally:
        panel.close()
        panel.deleteLater()


def shoot_connect(shooter: Shooter, controller: Any) -> None:
    """File → Connect… with the profiles, and the editor of the server profile."""
    controller.choose_database()
    dialog = controller.connect_dialog
    wait_until(lambda: dialog is not None and dialog.isVisible(), "the Connect dialog")
    dialog.select(SERVER_PROFILE)
    shooter.save(dialog, "connect")
    dialog.edit_profile()
    editor = dialog.editor
    wait_until(lambda: editor is not None and editor.isVisible(), "the profile editor")
    shooter.save(editor, "profile-editor")
    editor.reject()
    dialog.reject()
    pump()


def shoot_export_import(shooter: Shooter, session: Session, root: Path) -> None:
    """Export the decisions as MADR files, then preview importing a folder of them."""
    controller = session.controller
    controller.export_decisions_madr()
    export = controller.decision_export
    assert export is not None
    wait_until(export.file_dialog.isVisible, "the export's folder dialog")
    export.file_dialog.reject()
    folder = root / "decisions-madr"
    done: list[object] = []
    export.exported.connect(done.append)
    export.failed.connect(done.append)
    export.start(str(folder))
    wait_until(lambda: bool(done) and export.result_box is not None, "the decision export")
    box = export.result_box
    assert box is not None
    wait_until(box.isVisible, "the export report")
    shooter.save(box, "decisions-export")
    box.accept()
    session.settle()

    # A folder to import: a few exported files (already there: skipped) and new ones.
    source = root / "decisions-to-import"
    source.mkdir()
    for path in sorted(folder.glob("*.md"))[:4]:
        shutil.copy(path, source / path.name)
    for number, (title, status) in enumerate(
        (
            ("Adopt OpenTelemetry for tracing", "accepted"),
            ("Move nightly backups to object storage", "proposed"),
            ("Retire the legacy status page", "rejected"),
        ),
        start=1,
    ):
        (source / f"9{number:03d}-imported.md").write_text(
            f"# {title}\n\n* Status: {status}\n* Date: 2026-11-0{number}\n"
            f"* Deciders: {ADMIN_NAME}, Pat Newcomer\n\n"
            "## Context and Problem Statement\n\nRaised in the weekly operations review.\n\n"
            f"## Decision Outcome\n\n{title}.\n\n"
            "## Consequences\n\nRevisit at the next quarterly review.\n",
            encoding="utf-8",
        )
    controller.import_decisions()
    dialog = controller.import_dialog
    assert dialog is not None
    wait_until(dialog.isVisible, "the import dialog")
    previewed: list[object] = []
    dialog.previewed.connect(previewed.append)
    dialog.folder_field.setText(str(source))
    dialog.preview()
    wait_until(lambda: bool(previewed) or dialog.summary.isVisible(), "the import preview")
    session.settle()
    shooter.save(dialog, "decisions-import")
    dialog.reject()
    pump()


def shoot_edit_conflict(shooter: Shooter, session: Session, database: Database) -> None:
    """Edit a decision while someone else saves it first: the per-field conflict dialog."""
    page: Any = session.window.current_page()
    editor = page.editor
    record = editor.record
    assert record is not None
    other = _another_admin(database, ADMIN_EMAIL)
    DecisionService(database, other).update(
        record.id,
        title=f"{record.title} (revised)",
        context="Reviewed again after the November incident review.",
        expected_version=record.version,
    )
    editor.title_edit.setText(f"{record.title}, for every team")
    editor.save_button.click()
    wait_until(
        lambda: visible_dialog(ConflictDialog, session.window) is not None,
        "the conflict dialog",
    )
    dialog = visible_dialog(ConflictDialog, session.window)
    assert dialog is not None
    dialog.resize(max(dialog.width(), 900), dialog.height())
    shooter.save(dialog, "decision-conflict")
    dialog.reject()
    session.settle()


def shoot_offline(
    shooter: Shooter, store: ProfileStore, settings: QSettings, database_path: Path
) -> None:
    """An offline copy with two changes, one also made on the server: banner, panel, sync."""
    source = Database(sqlite_url(database_path))
    try:
        out = database_path.parent / "platform-team-offline.db"
        report = take_snapshot(source, out, owner_email=ADMIN_EMAIL, source_profile=FULL_PROFILE)
        profile = remember_snapshot(store, report.info)
        with source.read() as s:
            ids = [
                int(i)
                for i in s.execute(
                    select(DecisionAuditEntry.decision_id)
                    .group_by(DecisionAuditEntry.decision_id)
                    .order_by(DecisionAuditEntry.decision_id.desc())
                    .limit(2)
                ).scalars()
            ]
        session = Session(store, settings, profile.name)
        controller, window = session.controller, session.window
        try:
            session.start()
            wait_until(lambda: controller.pending_panel is not None, "the offline copy to open")
            session.settle()
            workspace = controller.workspace
            assert workspace is not None
            first, second = (workspace.decisions.get(i).decision for i in ids)
            workspace.decisions.update(
                first.id, title=f"{first.title} for all services", expected_version=first.version
            )
            workspace.decisions.update(
                second.id,
                context="Offline review: the on-call rota changes in January.",
                expected_version=second.version,
            )
            # Meanwhile someone renames the first decision on the server.
            DecisionService(source, _another_admin(source, ADMIN_EMAIL)).update(
                first.id, title=f"{first.title} (server edit)", expected_version=first.version
            )
            controller.context.data_changed.emit("decisions")  # type: ignore[union-attr]
            session.settle()
            page: Any = window.current_page()
            row = page.model.row_of(first.id)
            if row is not None:
                page.view.selectRow(row)
                page.view.scrollTo(page.model.index(row, 0))
            session.settle()
            shooter.save(window, "offline")

            controller.sync_offline()
            dialog = controller.sync_dialog
            assert dialog is not None
            wait_until(dialog.isVisible, "the Sync dialog")
            dialog.sync_button.click()
            wait_until(lambda: dialog.report is not None and not dialog.busy, "the sync")
            session.settle()
            shooter.save(dialog, "offline-sync")
            dialog.resolve_button.click()
            wait_until(lambda: dialog.conflict_dialog is not None, "the sync's conflict dialog")
            conflict = dialog.conflict_dialog
            assert conflict is not None
            conflict.resize(max(conflict.width(), 900), conflict.height())
            shooter.save(conflict, "offline-sync-conflict")
            conflict.reject()
            dialog.close_button.click()
            session.settle()
        finally:
            session.close()
    finally:
        source.dispose()


def shoot_empty(shooter: Shooter, store: ProfileStore, settings: QSettings) -> None:
    """The welcome (first admin) on an empty database, then every page with nothing in it."""
    session = Session(store, settings, EMPTY_PROFILE)
    controller, window = session.controller, session.window
    try:
        session.start()
        wait_until(
            lambda: controller.welcome_dialog is not None and controller.welcome_dialog.isVisible(),
            "the Welcome dialog",
        )
        dialog = controller.welcome_dialog
        assert dialog is not None
        _fill_line(dialog.name_edit, ADMIN_NAME)
        _fill_line(dialog.email_edit, ADMIN_EMAIL)
        _fill_line(dialog.passwords.password_edit, ADMIN_PASSWORD)
        _fill_line(dialog.passwords.confirm_edit, ADMIN_PASSWORD)
        shooter.save(dialog, "welcome")
        dialog.create_button.click()
        wait_until(lambda: controller.session is not None, "the first admin's session", 90)
        window.resize(WINDOW_SIZE)
        session.wait_summaries()
        for name, slug in PAGES.items():
            session.show_page(name)
            shooter.save(window, f"{slug}-empty")
    finally:
        session.close()


def _profiles(root: Path, databases: Databases, theme: str) -> ProfileStore:
    """A profile store of the run's own: the two databases and a server profile to show."""
    store = ProfileStore(root / f"profiles-{theme}")
    store.add(
        Profile(
            name=FULL_PROFILE, kind=ProfileKind.SQLITE, path=str(databases.fresh("full", theme))
        )
    )
    store.add(
        Profile(
            name=EMPTY_PROFILE, kind=ProfileKind.SQLITE, path=str(databases.fresh("empty", theme))
        )
    )
    store.add(
        Profile(
            name=SERVER_PROFILE,
            kind=ProfileKind.POSTGRESQL,
            host="db.example.com",
            port=5432,
            database="asyncops",
            user="alex",
        )
    )
    return store


def generate(
    out: Path | str,
    *,
    scale: int = 2,
    themes: Sequence[str] = THEMES,
    work_dir: Path | None = None,
) -> list[Path]:
    """Render every screenshot into ``out`` for each theme; returns the files written."""
    from ui.app import application
    from ui.theme import THEME_KEY, Theme, ThemeManager

    for theme in themes:
        if theme not in THEMES:
            raise ValueError(f"themes: “{theme}” is not one of {', '.join(THEMES)}.")
    if scale < 1:
        raise ValueError("scale: must be 1 or more.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="asyncops-shots-", dir=work_dir) as temp:
        root = Path(temp)
        with _isolated(root):
            application()
            databases = build_databases(root, scale)
            try:
                for theme in themes:
                    shooter = Shooter(out, theme)
                    store = _profiles(root, databases, theme)
                    settings = QSettings(
                        str(root / f"settings-{theme}.ini"), QSettings.Format.IniFormat
                    )
                    settings.setValue(THEME_KEY, theme)
                    settings.sync()
                    full_path = Path(store.by_name(FULL_PROFILE).path)  # type: ignore[union-attr, arg-type]
                    shoot_filled(shooter, store, settings, full_path)
                    shoot_offline(shooter, store, settings, full_path)
                    shoot_empty(shooter, store, settings)
                    written.extend(shooter.written)
            finally:
                # Back to the desktop's own appearance for whoever uses the app next.
                ThemeManager().apply(Theme.SYSTEM)
                pump(0.05)
    return written


def _quiet_size_hints(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    # The offscreen platform says this whenever a window's size constraints change.
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ui.screenshots --out docs/screenshots``."""
    parser = argparse.ArgumentParser(
        prog="python -m ui.screenshots",
        description="Render every page and the main dialogs, light and dark, as PNG files.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("docs/screenshots"),
        help="folder for the PNG files (default: docs/screenshots)",
    )
    parser.add_argument(
        "--scale", type=int, default=2, help="sample-data scale (1: a few dozen records)"
    )
    parser.add_argument(
        "--theme", choices=THEMES, action="append", help="only this theme (repeatable)"
    )
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error(f"--scale: must be 1 or more, not {args.scale}")
    qInstallMessageHandler(_quiet_size_hints)
    started = time.monotonic()
    written = generate(args.out, scale=args.scale, themes=args.theme or THEMES)
    seconds = time.monotonic() - started
    print(f"Wrote {len(written)} screenshots to {args.out} in {seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
