"""Offline review in the GUI: take a snapshot from PostgreSQL, the banner, pending changes, sync."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from asyncops_desktop.db import Database
from asyncops_desktop.domain.models import DecisionAuditEntry
from asyncops_desktop.offline import (
    ChangeOutcome,
    ConflictRecord,
    FieldConflict,
    OfflineWorkspace,
    Progress,
    SnapshotFilter,
    SyncReport,
    open_snapshot,
    take_snapshot,
)
from asyncops_desktop.profiles import ProfileKind, ProfileStore
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from ui.offline import OfflineBanner, PendingChangesPanel, SyncDialog, TakeOfflineDialog
from ui.offline.banner import age_text
from ui.theme import dark_palette

# The offline source is a shared server: these tests run on PostgreSQL only.
pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

MEMBER_EMAIL = "max.member@example.com"
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/asyncops"
TIMEOUT_MS = 60_000


def shot(widget: QWidget, name: str) -> None:
    """Save a picture of the widget when ``ASYNCOPS_SHOTS`` names a folder."""
    folder = os.environ.get("ASYNCOPS_SHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def save(widget: QWidget, folder: Path, name: str) -> Path:
    """Save a picture of the widget in ``folder`` (and in ``ASYNCOPS_SHOTS``, if set)."""
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path))
    shot(widget, name)
    return path


@pytest.fixture
def decision_ids(database: Database, admin: Actor, member: Actor) -> dict[str, int]:
    """Three infra decisions and one product decision, Max taking part in two."""
    service = DecisionService(database, admin)

    def decide(title: str, day: int, tags: list[str], people: list[int]) -> int:
        return service.record(
            title=title,
            description=f"{title}: what we chose",
            context="Growing team and a shared server",
            outcome=f"{title} from next sprint",
            decision_date=dt.date(2026, 3, day),
            tags=tags,
            participant_ids=people,
        ).decision.id

    return {
        "postgres": decide("Adopt PostgreSQL", 2, ["infra"], [member.user_id]),
        "backups": decide("Nightly backups", 3, ["infra"], [member.user_id, admin.user_id]),
        "vpn": decide("Replace the VPN", 4, ["infra"], [admin.user_id]),
        "pricing": decide("Pricing page", 5, ["product"], [member.user_id]),
    }


@pytest.fixture
def workspace(
    database: Database, decision_ids: dict[str, int], tmp_path: Path
) -> Iterator[OfflineWorkspace]:
    """An offline copy of the infra decisions, edited as Max."""
    out = tmp_path / "copy.db"
    take_snapshot(
        database,
        out,
        filters=SnapshotFilter(tag="infra"),
        owner_email=MEMBER_EMAIL,
        source_profile="Team server",
    )
    opened = open_snapshot(out)
    yield opened
    opened.close()


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


def leftovers(folder: Path) -> list[str]:
    """Files in the folder apart from the ones a test put there on purpose."""
    return sorted(p.name for p in folder.iterdir())


# -- taking a copy --------------------------------------------------------------------------------
def test_take_offline_copies_the_filtered_decisions_and_adds_a_profile(
    qtbot: QtBot, db_url: str, decision_ids: dict[str, int], tmp_path: Path
) -> None:
    store = ProfileStore(tmp_path / "config")
    dialog = TakeOfflineDialog(
        db_url, source_name="Team server", owner_email=MEMBER_EMAIL, profile_store=store
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert "/offline/team-server-" in dialog.path_field.text()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "infra.db"
    dialog.path_field.setText(str(out))
    dialog.tag_field.setText("infra")
    dialog.mine_check.setChecked(True)
    seen: list[Progress] = []
    dialog.progress.valueChanged.connect(lambda _v: seen.append(Progress("", 0, 0)))
    with qtbot.waitSignal(dialog.snapshot_taken, timeout=TIMEOUT_MS) as taken:
        dialog.take_button.click()
        assert dialog.busy and dialog.close_button.text() == "Cancel"
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
    report = taken.args[0]
    # Infra decisions where Max takes part: PostgreSQL and backups.
    assert report.decisions == 2 and out.is_file()
    assert report.info.filters == SnapshotFilter(tag="infra", mine=MEMBER_EMAIL)
    assert seen, "the progress bar moved"
    assert dialog.progress.format() == "Done"
    assert dialog.message.text().startswith("Copied 2 decisions with ")
    assert "Offline: Team server, as of" in dialog.message.text()
    [profile] = store.profiles()
    assert profile.kind is ProfileKind.OFFLINE and profile.path == str(out)
    assert leftovers(out_dir) == ["infra.db"]
    # A second copy onto the same file is refused: it could hold edits not yet synced.
    dialog.path_field.setText(str(out))
    dialog.take_button.click()
    assert "already exists" in dialog.message.text() and not dialog.busy


def test_cancelling_a_copy_leaves_no_file(
    qtbot: QtBot, db_url: str, decision_ids: dict[str, int], tmp_path: Path
) -> None:
    store = ProfileStore(tmp_path / "config")
    dialog = TakeOfflineDialog(
        db_url, source_name="Team server", owner_email=MEMBER_EMAIL, profile_store=store
    )
    qtbot.addWidget(dialog)
    dialog.show()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dialog.path_field.setText(str(out_dir / "all.db"))
    dialog.take_button.click()
    job = dialog.job
    assert job is not None
    with qtbot.waitSignal(job.cancelled, timeout=TIMEOUT_MS):
        dialog.close_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
    assert dialog.message.text() == "Cancelled: no file was written."
    assert leftovers(out_dir) == []
    assert store.profiles() == []
    dialog._set_form_enabled(False)
    dialog.close_button.setText("Cancel")
    dialog._on_progress(Progress("copying", 1500, 4000))
    dialog.message.show_note("Copying… you can cancel at any time; nothing is kept then.")
    shot(dialog, "take-offline-progress")


def test_an_unreachable_source_says_so_in_one_sentence(
    qtbot: QtBot, backend: str, tmp_path: Path
) -> None:
    dialog = TakeOfflineDialog(
        UNREACHABLE,
        source_name="Team server",
        owner_email=None,
        profile_store=ProfileStore(tmp_path),
    )
    qtbot.addWidget(dialog)
    dialog.path_field.setText(str(tmp_path / "copy.db"))
    dialog.take_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
    text = dialog.message.text()
    assert text.startswith("Nothing was written: ") and "\n" not in text
    assert not (tmp_path / "copy.db").exists()


# -- the banner and the pending changes -------------------------------------------------------------
def test_banner_says_whose_copy_and_how_old(qtbot: QtBot, workspace: OfflineWorkspace) -> None:
    banner = OfflineBanner(workspace.info)
    qtbot.addWidget(banner)
    banner.resize(900, 40)
    banner.show()
    taken = workspace.info.taken_at
    text = banner.text(now=taken + dt.timedelta(hours=3, minutes=5))
    assert text.startswith("Offline copy of Team server, as of ")
    assert text.endswith("(3 hours old)")
    banner.set_pending(2)
    assert banner.text(now=taken).endswith("(just taken) · 2 changes not yet synced")
    assert banner.close_button.isHidden() and banner.sync_button.isVisible()
    with qtbot.waitSignal(banner.sync_requested):
        banner.sync_button.click()
    assert age_text(dt.timedelta(minutes=1)) == "1 minute old"
    assert age_text(dt.timedelta(days=2, hours=5)) == "2 days old"
    shot(banner, "offline-banner")


def test_pending_changes_are_listed_and_discarded(
    qtbot: QtBot, workspace: OfflineWorkspace, decision_ids: dict[str, int]
) -> None:
    ids = decision_ids
    workspace.decisions.update(ids["postgres"], title="Adopt PostgreSQL 17", expected_version=1)
    workspace.decisions.update(ids["backups"], context="Disks fail", expected_version=1)
    panel = PendingChangesPanel(workspace)
    qtbot.addWidget(panel)
    panel.resize(760, 260)
    panel.show()
    rows = [
        [panel.tree.topLevelItem(i).text(c) for c in range(3)]  # type: ignore[union-attr]
        for i in range(panel.tree.topLevelItemCount())
    ]
    assert [r[1:] for r in rows] == [
        ["Changed title of “Adopt PostgreSQL 17”", "Waiting to sync"],
        ["Changed context of “Nightly backups”", "Waiting to sync"],
    ]
    assert panel.summary.text().startswith("2 changes are kept on this computer")
    shot(panel, "pending-changes")
    assert not panel.discard_button.isEnabled()
    panel.select_change(workspace.pending_changes()[0].id)
    panel.discard_button.click()
    box = panel.confirm
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text() == "Discard this offline change? Changed title of “Adopt PostgreSQL 17”."
    discard = next(b for b in box.buttons() if b.text() == "Discard")
    with qtbot.waitSignal(panel.changed):
        discard.click()
    assert panel.tree.topLevelItemCount() == 1
    assert panel.message.text() == "Discarded 1 change."
    assert workspace.decisions.get(ids["postgres"]).decision.title == "Adopt PostgreSQL"


# -- sync ------------------------------------------------------------------------------------------
def test_sync_with_a_conflict_resolved_in_the_conflict_dialog(
    qtbot: QtBot,
    db_url: str,
    database: Database,
    admin: Actor,
    workspace: OfflineWorkspace,
    decision_ids: dict[str, int],
) -> None:
    ids = decision_ids
    workspace.decisions.update(ids["postgres"], title="Adopt PostgreSQL 17", expected_version=1)
    workspace.decisions.update(ids["backups"], context="Disks fail", expected_version=1)
    # Meanwhile someone renames the same decision on the server.
    DecisionService(database, admin).update(
        ids["postgres"], title="Adopt PostgreSQL 18", expected_version=1
    )
    dialog = SyncDialog(workspace, db_url)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.synced, timeout=TIMEOUT_MS) as synced:
        dialog.sync_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
    report = synced.args[0]
    assert report.applied == 1 and len(report.conflicts) == 1
    assert dialog.summary.text() == (
        "Synced: 1 applied, 1 conflict, 0 refused. Resolve the conflicts to finish."
    )
    # Partly done, nothing refused: a note, not an error.
    assert dialog.summary.kind == "note"
    results = [dialog.results.topLevelItem(i).text(1) for i in range(2)]  # type: ignore[union-attr]
    assert results == ["Conflict", "Applied"]
    applied = dialog.results.topLevelItem(1)
    assert applied is not None
    assert applied.text(0) == "Changed context of “Nightly backups”"
    assert applied.toolTip(0) == applied.text(0)
    # A change that fits is shown whole, the details beside it, no sideways scrolling.
    header = dialog.results.header()
    metrics = dialog.results.fontMetrics()
    assert header.sectionSize(0) > metrics.horizontalAdvance(applied.text(0))
    assert header.sectionSize(2) >= metrics.horizontalAdvance(applied.text(2))
    assert header.sectionSize(0) + header.sectionSize(1) + header.sectionSize(2) <= (
        dialog.results.viewport().width() + 1
    )
    assert dialog.resolve_button.isVisible()
    shot(dialog, "sync-result-conflict")
    # Closed, and opened again later: the conflict is there to resolve straight away.
    dialog.reject()
    dialog = SyncDialog(workspace, db_url)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.resolve_button.isVisible()
    assert dialog.summary.text() == "1 conflict from an earlier sync waits to be resolved."

    dialog.resolve_button.click()
    conflict = dialog.conflict_dialog
    assert conflict is not None and conflict.fields() == ["title"]
    assert conflict.choices["title"].state_label.text() == "⚠ Changed by both of you"
    # Named by the title the user gave it, the server's new one beside it.
    intro = next(x for x in conflict.findChildren(QLabel) if x.accessibleName() == "What happened")
    assert "decision “Adopt PostgreSQL 17” (“Adopt PostgreSQL 18” on the server)" in intro.text()
    conflict.resize(900, 400)
    shot(conflict, "sync-conflict-dialog")
    conflict.set_choice("title", "mine")
    with qtbot.waitSignal(dialog.conflict_resolved, timeout=TIMEOUT_MS):
        conflict.save_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
    assert dialog.summary.text() == "All conflicts resolved; this copy now matches the server."
    server_title = DecisionService(database, admin).get(ids["postgres"]).decision.title
    assert server_title == "Adopt PostgreSQL 17"
    assert workspace.decisions.get(ids["postgres"]).decision.title == "Adopt PostgreSQL 17"
    assert workspace.pending_changes() == []


def test_the_sync_summary_is_an_error_only_when_the_server_refused_a_change(
    qtbot: QtBot, workspace: OfflineWorkspace
) -> None:
    dialog = SyncDialog(workspace, UNREACHABLE)
    qtbot.addWidget(dialog)
    applied = ChangeOutcome(1, "update", 7, 7, "applied")
    conflict = ChangeOutcome(
        2,
        "update",
        8,
        8,
        "conflict",
        conflict=ConflictRecord(2, 8, 3, (FieldConflict("title", "a", "b", "c"),)),
    )
    refused = ChangeOutcome(3, "update", 9, 9, "failed", message="Title: too long")
    for outcomes, kind in (
        ((applied,), "success"),
        ((applied, conflict), "note"),
        ((conflict,), "note"),
        ((applied, refused), "error"),
        ((applied, conflict, refused), "error"),
    ):
        dialog.summary_text(SyncReport(outcomes))
        assert dialog.summary.kind == kind, outcomes


def test_an_unreachable_server_keeps_every_change(
    qtbot: QtBot, workspace: OfflineWorkspace, decision_ids: dict[str, int]
) -> None:
    workspace.decisions.update(decision_ids["postgres"], title="Offline title", expected_version=1)
    dialog = SyncDialog(workspace, UNREACHABLE)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.sync_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
    text = dialog.summary.text()
    assert text.startswith(
        "Nothing more was sent and your 1 offline change is kept on this computer: "
    )
    assert "\n" not in text and "Traceback" not in text
    assert [c.state for c in workspace.pending_changes()] == ["pending"]
    assert dialog.report is None


# -- how it looks ----------------------------------------------------------------------------------
def test_offline_views_in_light_and_dark(
    qtbot: QtBot,
    db_url: str,
    database: Database,
    admin: Actor,
    decision_ids: dict[str, int],
    tmp_path: Path,
) -> None:
    """The banner, several kinds of pending change, a sync with conflicts: both themes."""
    out = tmp_path / "admin-copy.db"
    take_snapshot(
        database,
        out,
        filters=SnapshotFilter(tag="infra"),
        owner_email="admin@example.com",
        source_profile="Team server",
    )
    ids = decision_ids
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    pictures: list[Path] = []
    with open_snapshot(out) as workspace:
        decisions = workspace.decisions
        decisions.update(ids["postgres"], title="Adopt PostgreSQL 17", expected_version=1)
        decisions.supersede(
            ids["vpn"],
            title="WireGuard for remote access",
            description="Replaces the old VPN",
            context="The VPN appliance is end of life",
            outcome="WireGuard on the bastion",
            decision_date=dt.date(2026, 3, 20),
        )
        decisions.record(
            title="Status page",
            description="A public status page",
            context="Customers ask during incidents",
            outcome="Hosted status page",
            decision_date=dt.date(2026, 3, 21),
        )
        decisions.delete(ids["backups"], expected_version=1)
        decisions.restore(ids["backups"])
        assert [c.kind for c in workspace.pending_changes()] == [
            "update",
            "supersede",
            "record",
            "delete",
            "restore",
        ]
        # Meanwhile on the server: the same title renamed, the deleted-then-restored one edited.
        server = DecisionService(database, admin)
        server.update(ids["postgres"], title="Adopt PostgreSQL 18", expected_version=1)
        server.update(ids["backups"], outcome="Hourly snapshots as well", expected_version=1)
        try:
            for theme, palette in (("light", light), ("dark", dark_palette())):
                app.setPalette(palette)
                # Widgets already shown take the new palette from posted events.
                app.processEvents()
                banner = OfflineBanner(workspace.info)
                qtbot.addWidget(banner)
                banner.set_pending(len(workspace.pending_changes()))
                banner.resize(980, 44)
                banner.show()
                pictures.append(save(banner, tmp_path, f"offline-banner-{theme}"))
                panel = PendingChangesPanel(workspace)
                qtbot.addWidget(panel)
                panel.resize(760, 240)
                panel.show()
                assert [
                    panel.tree.topLevelItem(i).text(1)  # type: ignore[union-attr]
                    for i in range(5)
                ] == [
                    "Changed title of “Adopt PostgreSQL 17”",
                    "“Replace the VPN” superseded by “WireGuard for remote access”",
                    "New decision “Status page”",
                    "Deleted “Nightly backups”",
                    "Restored “Nightly backups”",
                ]
                pictures.append(save(panel, tmp_path, f"pending-changes-{theme}"))
        finally:
            app.setPalette(light)

        dialog = SyncDialog(workspace, db_url)
        qtbot.addWidget(dialog)
        dialog.show()
        with qtbot.waitSignal(dialog.synced, timeout=TIMEOUT_MS) as synced:
            dialog.sync_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
        report = synced.args[0]
        assert [o.result for o in report.outcomes] == [
            "conflict",
            "applied",
            "applied",
            "conflict",
            "conflict",
        ]
        # Each change keeps its description and its id through the refresh.
        assert [
            dialog.results.topLevelItem(i).text(0)  # type: ignore[union-attr]
            for i in range(5)
        ] == [
            "Changed title of “Adopt PostgreSQL 17”",
            "“Replace the VPN” superseded by “WireGuard for remote access”",
            "New decision “Status page”",
            "Deleted “Nightly backups”",
            "Restored “Nightly backups”",
        ]
        assert [c.change_id for c in dialog.open_conflicts] == [1, 4, 5]
        assert dialog.results.topLevelItem(3).text(2) == (  # type: ignore[union-attr]
            "Changed on the server meanwhile: Outcome"
        )
        try:
            for theme, palette in (("light", light), ("dark", dark_palette())):
                app.setPalette(palette)
                # Widgets already shown take the new palette from posted events.
                app.processEvents()
                pictures.append(save(dialog, tmp_path, f"sync-conflicts-{theme}"))
                panel = PendingChangesPanel(workspace)
                qtbot.addWidget(panel)
                panel.resize(760, 200)
                panel.show()
                pictures.append(save(panel, tmp_path, f"pending-after-sync-{theme}"))
                dialog.resolve_next()
                conflict = dialog.conflict_dialog
                assert conflict is not None
                conflict.resize(900, 420)
                pictures.append(save(conflict, tmp_path, f"sync-conflict-title-{theme}"))
                conflict.reject()
                # The delete crossing an edit on the server shows both, and says "Deleted".
                dialog.open_conflicts.append(dialog.open_conflicts.pop(0))
                dialog.resolve_next()
                deletion = dialog.conflict_dialog
                assert deletion is not None and deletion.fields() == ["outcome", "deleted_at"]
                mine = deletion.choices["deleted_at"].value_views[2]
                assert isinstance(mine, QLabel) and mine.text().startswith("Deleted at ")
                theirs = deletion.choices["deleted_at"].value_views[1]
                assert isinstance(theirs, QLabel) and theirs.text() == "Not deleted"
                deletion.resize(900, 560)
                pictures.append(save(deletion, tmp_path, f"sync-conflict-delete-{theme}"))
                deletion.reject()
                dialog.open_conflicts.insert(0, dialog.open_conflicts.pop())
        finally:
            app.setPalette(light)
        assert all(p.stat().st_size > 5_000 for p in pictures)

        # Resolved in the dialog, one after the other: my title, the deletion (their outcome
        # kept), then the restore, which now meets the deletion just saved and undoes it.
        start = max_audit_id(database)
        b = ids["backups"]
        for step, choices in enumerate(
            (
                {"title": "mine"},
                {"outcome": "theirs", "deleted_at": "mine"},
                {"outcome": "theirs", "deleted_at": "mine"},
            )
        ):
            dialog.resolve_next()
            conflict = dialog.conflict_dialog
            assert conflict is not None and conflict.fields() == list(choices)
            for field, side in choices.items():
                conflict.set_choice(field, side)
            with qtbot.waitSignal(dialog.conflict_resolved, timeout=TIMEOUT_MS):
                conflict.save_button.click()  # type: ignore[attr-defined]
            qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
            if step == 1:
                # The restore is restated against the deletion just saved on the server.
                [restore] = dialog.open_conflicts
                assert restore.fields[-1].field == "deleted_at"
                assert restore.fields[-1].mine is None and restore.fields[-1].theirs is not None
        assert dialog.summary.text() == "All conflicts resolved; this copy now matches the server."
        a = admin.user_id
        rows = new_audit(database, start)
        assert [r[:4] for r in rows] == [
            (ids["postgres"], a, "updated", "title"),
            (b, a, "deleted", "deleted_at"),
            (b, a, "updated", "deleted_at"),
        ]
        assert rows[0][5] == "Adopt PostgreSQL 17" and rows[2][5] is None
        final = DecisionService(database, admin).get(b).decision
        assert (final.deleted_at, final.outcome) == (None, "Hourly snapshots as well")
        assert workspace.pending_changes() == []


def test_an_edit_meeting_a_deletion_on_the_server_restores_it_when_kept(
    qtbot: QtBot,
    db_url: str,
    database: Database,
    admin: Actor,
    decision_ids: dict[str, int],
    tmp_path: Path,
) -> None:
    out = tmp_path / "admin-copy.db"
    take_snapshot(
        database,
        out,
        filters=SnapshotFilter(tag="infra"),
        owner_email="admin@example.com",
        source_profile="Team server",
    )
    b = decision_ids["backups"]
    with open_snapshot(out) as workspace:
        workspace.decisions.update(b, outcome="Hourly backups", expected_version=1)
        DecisionService(database, admin).delete(b, expected_version=1)
        deleted_at = DecisionService(database, admin).get(b).decision.deleted_at
        assert deleted_at is not None
        start = max_audit_id(database)
        dialog = SyncDialog(workspace, db_url)
        qtbot.addWidget(dialog)
        dialog.show()
        with qtbot.waitSignal(dialog.synced, timeout=TIMEOUT_MS):
            dialog.sync_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
        dialog.resolve_next()
        conflict = dialog.conflict_dialog
        assert conflict is not None and conflict.fields() == ["outcome", "deleted_at"]
        outcome, deleted = conflict.choices["outcome"], conflict.choices["deleted_at"]
        # Left deleted (the default), the edit cannot be kept: its field follows theirs.
        assert deleted.choice() == "theirs"
        assert outcome.choice() == "theirs" and not outcome.isEnabled()
        deleted.set_choice("mine")
        assert outcome.choice() == "mine" and outcome.isEnabled()
        deleted.set_choice("theirs")
        assert outcome.choice() == "theirs" and not outcome.isEnabled()
        deleted.set_choice("mine")
        with qtbot.waitSignal(dialog.conflict_resolved, timeout=TIMEOUT_MS):
            conflict.save_button.click()  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT_MS)
        assert dialog.summary.text() == "All conflicts resolved; this copy now matches the server."
    a = admin.user_id
    assert new_audit(database, start) == [
        (b, a, "updated", "deleted_at", deleted_at.isoformat(), None),
        (b, a, "updated", "outcome", "Nightly backups from next sprint", "Hourly backups"),
    ]
    final = DecisionService(database, admin).get(b).decision
    assert (final.deleted_at, final.outcome) == (None, "Hourly backups")
