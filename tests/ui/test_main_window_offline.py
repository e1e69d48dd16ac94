"""The main window's decision menu (export, import), taking decisions offline, offline profiles."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot
from session_support import ADMIN_EMAIL, ADMIN_PASSWORD, TIMEOUT_MS, Driver, driving, save_profile
from sqlalchemy import func, select

from asyncops_desktop.db import Database
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.models import DecisionAuditEntry, DecisionOfflineChange
from asyncops_desktop.offline import SnapshotFilter, remember_snapshot, take_snapshot
from asyncops_desktop.profiles import ProfileKind, ProfileStore
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.users import UserService
from ui.app import AppController
from ui.dialogs.decisions_io import ImportDecisionsDialog
from ui.main_window import DATABASE_PAGE
from ui.offline import OfflineBanner
from ui.pages.decisions import DecisionsPage


@pytest.fixture
def driver(qtbot: QtBot) -> Iterator[Driver]:
    """Starts controllers and closes them all after the test."""
    with driving(qtbot) as made:
        yield made


@pytest.fixture
def decisions(database: Database, admin: Actor) -> list[int]:
    """Two infra decisions and one product decision."""
    service = DecisionService(database, admin)
    return [
        service.record(
            title=title,
            description=f"{title}: what we chose",
            context="A shared server",
            outcome=f"{title} from next sprint",
            decision_date=dt.date(2026, 3, day),
            tags=[tag],
            participant_ids=[],
        ).decision.id
        for title, day, tag in (
            ("Adopt PostgreSQL", 2, "infra"),
            ("Nightly backups", 3, "infra"),
            ("Pricing page", 5, "product"),
        )
    ]


def settle(qtbot: QtBot, controller: AppController) -> None:
    """Wait until the database worker has answered every job."""
    qtbot.waitUntil(lambda: controller.worker.pending_jobs == 0, timeout=TIMEOUT_MS)


def max_audit_id(database: Database) -> int:
    """The id of the newest audit row on the server."""
    with database.read() as session:
        return int(session.execute(select(func.max(DecisionAuditEntry.id))).scalar() or 0)


def new_audit(database: Database, after_id: int) -> list[tuple[object, ...]]:
    """(decision, author, type, field, old, new) of the server's audit rows after ``after_id``."""
    with database.read() as session:
        rows = session.execute(
            select(
                DecisionAuditEntry.decision_id,
                DecisionAuditEntry.changed_by_id,
                DecisionAuditEntry.change_type,
                DecisionAuditEntry.field_name,
                DecisionAuditEntry.old_value,
                DecisionAuditEntry.new_value,
            )
            .where(DecisionAuditEntry.id > after_id)
            .order_by(DecisionAuditEntry.id)
        ).all()
    return [tuple(r) for r in rows]


def signed_in_admin(driver: Driver, db_url: str) -> AppController:
    """A controller on a saved profile with the admin signed in and the first loads done."""
    save_profile(db_url)
    controller = driver.start()
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD)
    settle(driver.qtbot, controller)
    return controller


def decisions_page(qtbot: QtBot, controller: AppController) -> DecisionsPage:
    """Show the Decisions page and wait for its list."""
    controller.window.show_page("Decisions")
    page = controller.window.current_page()
    assert isinstance(page, DecisionsPage)
    settle(qtbot, controller)
    return page


def test_decision_menu_exports_the_filtered_list_and_imports(
    driver: Driver, qtbot: QtBot, db_url: str, decisions: list[int], tmp_path: Path
) -> None:
    controller = signed_in_admin(driver, db_url)
    window = controller.window
    assert [a.text() for a in window.decision_actions] == [
        "Export list as &CSV…",
        "Export as &Markdown (MADR)…",
        "&Import Markdown folder…",
    ]
    assert all(action.isEnabled() for action in window.decision_actions)
    page = decisions_page(qtbot, controller)
    page.search_box.setText("backups")
    page.search_box.flush()
    settle(qtbot, controller)

    window.export_csv_action.trigger()
    export = controller.decision_export
    assert export is not None and export.file_dialog.isVisible()
    assert export.filters == page.current_filters() and export.filters is not None
    assert export.filters.text == "backups"
    out = tmp_path / "decisions.csv"
    export.file_dialog.reject()
    with qtbot.waitSignal(export.exported, timeout=TIMEOUT_MS):
        export.start(str(out))
    text = out.read_text(encoding="utf-8")
    assert "Nightly backups" in text and "Pricing page" not in text
    assert export.result_box is not None
    export.result_box.accept()

    window.export_madr_action.trigger()
    madr = controller.decision_export
    assert madr is not None and madr is not export and madr.format == "madr"
    folder = tmp_path / "madr"
    madr.file_dialog.reject()
    with qtbot.waitSignal(madr.exported, timeout=TIMEOUT_MS):
        madr.start(str(folder))
    assert [p.name for p in folder.glob("*.md") if "backups" in p.name]
    assert madr.result_box is not None
    madr.result_box.accept()

    window.import_madr_action.trigger()
    dialog = controller.import_dialog
    assert isinstance(dialog, ImportDecisionsDialog) and dialog.isVisible()
    dialog.reject()
    # The offline copy comes from a shared server only.
    assert window.take_offline_action.isEnabled() == db_url.startswith("postgresql")

    controller.sign_out()
    assert not any(action.isEnabled() for action in window.decision_actions)
    assert not window.take_offline_action.isEnabled()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_take_decisions_offline_adds_an_offline_profile(
    driver: Driver, qtbot: QtBot, db_url: str, decisions: list[int], tmp_path: Path
) -> None:
    controller = signed_in_admin(driver, db_url)
    window = controller.window
    assert window.take_offline_action.isEnabled()
    window.take_offline_action.trigger()
    dialog = controller.take_offline_dialog
    assert dialog is not None and dialog.isVisible()
    # The URL the app opened, held in memory; the owner is whoever is signed in.
    assert dialog.source == controller.url and dialog.owner_email == ADMIN_EMAIL
    out = tmp_path / "copy.db"
    dialog.path_field.setText(str(out))
    dialog.tag_field.setText("infra")
    with qtbot.waitSignal(dialog.profile_added, timeout=TIMEOUT_MS) as added:
        dialog.take_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
    profile = added.args[0]
    assert profile.name.startswith("Offline: Test database")
    assert controller.profiles.by_name(profile.name) is not None and out.is_file()
    assert profile.name in window.statusBar().currentMessage()
    dialog.reject()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_offline_profile_opens_without_sign_in_and_syncs_an_edit(
    driver: Driver,
    qtbot: QtBot,
    db_url: str,
    database: Database,
    decisions: list[int],
    admin: Actor,
    tmp_path: Path,
) -> None:
    save_profile(db_url)
    report = take_snapshot(
        database,
        tmp_path / "copy.db",
        filters=SnapshotFilter(tag="infra"),
        owner_email=ADMIN_EMAIL,
        source_profile="Test database",
    )
    offline = remember_snapshot(ProfileStore(), report.info)
    assert offline.kind is ProfileKind.OFFLINE

    controller = driver.make(profile_name=offline.name)
    with qtbot.waitSignal(controller.signed_in, timeout=TIMEOUT_MS) as entered:
        controller.start()
    assert entered.args[0].user.email == ADMIN_EMAIL
    assert entered.args[0].user.role == "admin"
    assert controller.sign_in_dialog is None
    settle(qtbot, controller)
    window = controller.window
    assert [window.sidebar.item(r).text() for r in range(window.sidebar.count())] == [
        "Decisions",
        DATABASE_PAGE,
    ]
    banner = controller.offline_banner
    assert isinstance(banner, OfflineBanner) and banner.isVisible()
    assert banner.text().startswith("Offline copy of Test database, as of ")
    page = window.current_page()
    assert isinstance(page, DecisionsPage)
    assert page.model.rowCount() == 2
    assert not window.sign_out_action.isEnabled() and not window.import_madr_action.isEnabled()
    assert controller.pending_dock is not None and controller.pending_dock.isVisible()

    with qtbot.waitSignal(page.editor.history_loaded, timeout=TIMEOUT_MS):
        page.open_record(decisions[0])
    page.editor.title_edit.setText("Adopt PostgreSQL 17")
    with qtbot.waitSignal(page.editor.saved, timeout=TIMEOUT_MS):
        assert page.editor.save()
    settle(qtbot, controller)
    workspace = controller.workspace
    assert workspace is not None
    assert [c.state for c in workspace.pending_changes()] == ["pending"]
    assert banner.text().endswith("· 1 change not yet synced")
    panel = controller.pending_panel
    assert panel is not None and panel.tree.topLevelItemCount() == 1
    window.resize(1180, 720)
    window.grab().save("/tmp/offline-window.png")
    # Not yet on the server.
    assert DecisionService(database, admin).get(decisions[0]).decision.title == "Adopt PostgreSQL"

    banner.sync_button.click()
    # The server profile's password: the test server needs none.
    prompt = driver.dialog(lambda: controller.sync_dialog)
    with qtbot.waitSignal(prompt.synced, timeout=TIMEOUT_MS) as synced:
        prompt.sync_button.click()
    qtbot.waitUntil(lambda: not prompt.busy, timeout=TIMEOUT_MS)
    assert synced.args[0].applied == 1
    detail = DecisionService(database, admin).get(decisions[0])
    assert detail.decision.title == "Adopt PostgreSQL 17"
    settle(qtbot, controller)
    assert workspace.pending_changes() == []
    qtbot.waitUntil(lambda: banner.text().endswith(")"), timeout=TIMEOUT_MS)
    prompt.reject()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_sync_from_the_menu_resolves_a_conflict_field_by_field(
    driver: Driver,
    qtbot: QtBot,
    db_url: str,
    database: Database,
    decisions: list[int],
    admin: Actor,
    tmp_path: Path,
) -> None:
    save_profile(db_url)
    report = take_snapshot(
        database,
        tmp_path / "copy.db",
        filters=SnapshotFilter(tag="infra"),
        owner_email=ADMIN_EMAIL,
        source_profile="Test database",
    )
    offline = remember_snapshot(ProfileStore(), report.info)
    olga_user = UserService(database, admin).create(
        email="olga@example.com", full_name="Olga Ops", password="olga password 12", role="admin"
    )
    olga = Actor(olga_user.id, Role.ADMIN)
    target = decisions[0]
    controller = driver.make(profile_name=offline.name)
    with qtbot.waitSignal(controller.signed_in, timeout=TIMEOUT_MS):
        controller.start()
    settle(qtbot, controller)
    window = controller.window
    page = window.current_page()
    assert isinstance(page, DecisionsPage)

    # Offline: a new title and context in one save.
    with qtbot.waitSignal(page.editor.history_loaded, timeout=TIMEOUT_MS):
        page.open_record(target)
    page.editor.title_edit.setText("Adopt PostgreSQL 17")
    page.editor.context_edit.setPlainText("Reports need window functions")
    with qtbot.waitSignal(page.editor.saved, timeout=TIMEOUT_MS):
        assert page.editor.save()
    settle(qtbot, controller)
    workspace = controller.workspace
    assert workspace is not None
    [pending] = workspace.pending_changes()
    # Meanwhile, in another session, Olga renames the same decision on the server.
    DecisionService(database, olga).update(target, title="Adopt PostgreSQL 18", expected_version=1)
    start = max_audit_id(database)

    # File ▸ Sync offline changes…
    [file_menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "&File"]
    assert isinstance(file_menu, QMenu)
    sync_action = next(a for a in file_menu.actions() if a.objectName() == "syncOfflineAction")
    assert sync_action.text() == "S&ync offline changes…" and sync_action.isEnabled()
    if os.environ.get("ASYNCOPS_SHOTS"):
        file_menu.adjustSize()
        file_menu.grab().save(str(Path(os.environ["ASYNCOPS_SHOTS"]) / "offline-file-menu.png"))
    sync_action.trigger()
    sync = driver.dialog(lambda: controller.sync_dialog)
    with qtbot.waitSignal(sync.synced, timeout=TIMEOUT_MS) as synced:
        sync.sync_button.click()
    qtbot.waitUntil(lambda: not sync.busy, timeout=TIMEOUT_MS)
    assert synced.args[0].applied == 0 and len(synced.args[0].conflicts) == 1
    assert sync.summary.text() == (
        "Synced: 0 applied, 1 conflict, 0 refused. Resolve the conflicts to finish."
    )
    assert max_audit_id(database) == start
    # The copy now shows the server's version; the change waits as a conflict.
    settle(qtbot, controller)
    assert workspace.decisions.get(target).decision.title == "Adopt PostgreSQL 18"
    panel = controller.pending_panel
    assert panel is not None
    assert panel.tree.topLevelItem(0).text(2) == "Conflict — resolve in Sync"  # type: ignore[union-attr]

    sync.resolve_button.click()
    conflict = sync.conflict_dialog
    assert conflict is not None and conflict.isVisible()
    assert conflict.fields() == ["title", "context"]
    assert conflict.choices["title"].state_label.text() == "⚠ Changed by both of you"
    assert conflict.choices["context"].state_label.text() == "Changed by you"
    # A title written from both versions, and my context.
    conflict.set_edited("title", "Adopt PostgreSQL 18 (17 features)")
    conflict.set_choice("context", "mine")
    with qtbot.waitSignal(sync.conflict_resolved, timeout=TIMEOUT_MS):
        conflict.save_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not sync.busy, timeout=TIMEOUT_MS)
    assert sync.summary.text() == "All conflicts resolved; this copy now matches the server."

    # The server, exactly: the two fields, by the copy's owner, recorded as made offline.
    a = admin.user_id
    assert new_audit(database, start) == [
        (target, a, "updated", "title", "Adopt PostgreSQL 18", "Adopt PostgreSQL 18 (17 features)"),
        (target, a, "updated", "context", "A shared server", "Reports need window functions"),
    ]
    server = DecisionService(database, admin).get(target).decision
    assert (server.title, server.context, server.version) == (
        "Adopt PostgreSQL 18 (17 features)",
        "Reports need window functions",
        3,
    )
    with database.read() as session:
        marks = session.execute(
            select(
                DecisionOfflineChange.decision_id,
                DecisionOfflineChange.changed_by_id,
                DecisionOfflineChange.kind,
                DecisionOfflineChange.made_at,
            )
        ).all()
    assert [tuple(m) for m in marks] == [(target, a, "update", pending.made_at)]
    # The copy and the window follow the server.
    settle(qtbot, controller)
    assert workspace.pending_changes() == []
    assert workspace.decisions.get(target).decision.title == "Adopt PostgreSQL 18 (17 features)"
    assert panel.tree.topLevelItemCount() == 0
    banner = controller.offline_banner
    assert banner is not None and "not yet synced" not in banner.text()
    sync.reject()
