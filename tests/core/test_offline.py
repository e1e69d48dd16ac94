"""Offline review: snapshot, work without the server, sync back (SQLite and PostgreSQL sources)."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from asyncops_desktop import cli, migrate, offline
from asyncops_desktop.db import Database, sqlite_url
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import (
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from asyncops_desktop.domain.models import DecisionAuditEntry, DecisionOfflineChange, utcnow
from asyncops_desktop.offline import (
    Cancellation,
    OfflineCancelled,
    Progress,
    SnapshotFilter,
    is_local_id,
    open_snapshot,
    remember_snapshot,
    take_snapshot,
)
from asyncops_desktop.profiles import ProfileKind, ProfileStore
from asyncops_desktop.repositories.decisions import DecisionFilter
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService, replay, state_of
from asyncops_desktop.services.users import UserService
from asyncops_desktop.verify import verify

MEMBER_EMAIL = "max.member@example.com"
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/asyncops"


@dataclass
class Team:
    """A server with three people and decisions, some tagged infra, some not."""

    database: Database
    admin: Actor
    member: Actor
    bea: Actor
    ids: dict[str, int]


def _decide(
    service: DecisionService, title: str, day: int, tags: list[str], people: list[int]
) -> int:
    return service.record(
        title=title,
        description=f"{title}: what we chose",
        context="Growing team and a shared server",
        outcome=f"{title} from next sprint",
        decision_date=dt.date(2026, 3, day),
        tags=tags,
        participant_ids=people,
    ).decision.id


@pytest.fixture
def team(database: Database, admin: Actor, member: Actor) -> Team:
    bea_user = UserService(database, admin).create(
        email="bea@example.com", full_name="Bea Bystander", password="bea password 12"
    )
    bea = Actor(bea_user.id, Role.MEMBER)
    by_admin = DecisionService(database, admin)
    ids = {
        "postgres": _decide(by_admin, "Adopt PostgreSQL", 2, ["infra"], [member.user_id]),
        "backups": _decide(
            by_admin, "Nightly backups", 3, ["infra"], [member.user_id, admin.user_id]
        ),
        "pricing": _decide(by_admin, "Pricing page", 4, ["product"], [member.user_id]),
        "vpn": _decide(by_admin, "Replace the VPN", 5, ["infra"], [bea.user_id]),
        "zero": _decide(by_admin, "Zero-trust access", 6, ["security"], [bea.user_id]),
    }
    by_admin.update(ids["postgres"], title="Adopt PostgreSQL 16", expected_version=1)
    # "vpn" (infra, without Max) is superseded by "zero" (not infra): both stay linked offline.
    by_admin.update(ids["vpn"], superseded_by_id=ids["zero"], expected_version=1)
    # Secrets that must never leave the server.
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO remember_tokens (user_id, token_hash, expires_at) VALUES (:u, :h, :e)"
            ),
            {"u": member.user_id, "h": "f00d" * 16, "e": dt.datetime(2030, 1, 1)},
        )
        conn.execute(
            text("INSERT INTO sign_in_throttle (email, failed_attempts) VALUES (:e, 3)"),
            {"e": "bea@example.com"},
        )
    return Team(database, admin, member, bea, ids)


def _snapshot(team: Team, out: Path, **filters: Any) -> offline.SnapshotReport:
    return take_snapshot(
        team.database,
        out,
        filters=SnapshotFilter(**filters),
        owner_email=MEMBER_EMAIL,
        source_profile="Team server",
    )


def _audit_rows(database: Database, decision_ids: list[int] | None = None) -> list[tuple[Any, ...]]:
    with database.read() as session:
        query = select(
            DecisionAuditEntry.id,
            DecisionAuditEntry.decision_id,
            DecisionAuditEntry.changed_by_id,
            DecisionAuditEntry.change_type,
            DecisionAuditEntry.field_name,
            DecisionAuditEntry.old_value,
            DecisionAuditEntry.new_value,
            DecisionAuditEntry.changed_at,
        ).order_by(DecisionAuditEntry.id)
        if decision_ids is not None:
            query = query.where(DecisionAuditEntry.decision_id.in_(decision_ids))
        return [tuple(r) for r in session.execute(query).all()]


def _all_ids(database: Database) -> list[int]:
    with database.read() as session:
        return [
            int(i) for i in session.execute(text("SELECT id FROM decisions ORDER BY id")).scalars()
        ]


def _new_audit(
    database: Database, after_id: int
) -> list[tuple[int, int, str, str | None, str | None]]:
    """(decision, author, type, field, new value) of the audit rows after ``after_id``."""
    return [(r[1], r[2], r[3], r[4], r[6]) for r in _audit_rows(database) if r[0] > after_id]


def _dir(tmp_path: Path) -> Path:
    """A folder of the test's own for snapshot files (a SQLite server lives in tmp_path)."""
    folder = tmp_path / "snapshots"
    folder.mkdir(exist_ok=True)
    return folder


def _max_audit_id(database: Database) -> int:
    rows = _audit_rows(database)
    return rows[-1][0] if rows else 0


# -- snapshot ---------------------------------------------------------------------------------
def test_snapshot_with_a_filter_keeps_ids_history_and_links(team: Team, tmp_path: Path) -> None:
    out = _dir(tmp_path) / "offline.db"
    seen: list[Progress] = []
    report = take_snapshot(
        team.database,
        out,
        filters=SnapshotFilter(tag="infra", mine=MEMBER_EMAIL),
        source_profile="Team server",
        progress=seen.append,
    )
    ids = team.ids
    # Max takes part in postgres and backups (infra); vpn is infra without Max; pricing is
    # Max's but not infra.
    copy = Database(sqlite_url(out))
    assert _all_ids(copy) == sorted([ids["postgres"], ids["backups"]])
    copy.dispose()
    assert report.decisions == 2 and report.users == 2
    assert report.info.owner_email == MEMBER_EMAIL and report.info.owner_role == "member"
    assert report.info.schema_revision == migrate.head_revision()
    assert report.info.source == team.database.masked_url
    assert {p.phase for p in seen} == {"reading", "copying"}
    assert seen[-1].done == seen[-1].total == 2
    assert [p.name for p in _dir(tmp_path).iterdir()] == ["offline.db"]

    with open_snapshot(out) as workspace:
        kept = [ids["postgres"], ids["backups"]]
        assert _audit_rows(workspace.database) == _audit_rows(team.database, kept)
        server = DecisionService(team.database, team.admin)
        for decision_id in kept:
            assert workspace.decisions.get(decision_id) == server.get(decision_id)
        assert verify(workspace.database).ok
        assert workspace.info.title().startswith("Offline: Team server, as of ")

    # The infra filter alone takes vpn and, to keep its link, zero which replaces it.
    report = _snapshot(team, _dir(tmp_path) / "infra.db", tag="infra")
    infra = Database(sqlite_url(_dir(tmp_path) / "infra.db"))
    assert _all_ids(infra) == sorted([ids["postgres"], ids["backups"], ids["vpn"], ids["zero"]])
    assert verify(infra).ok
    infra.dispose()


def test_snapshot_holds_no_secret(team: Team, tmp_path: Path) -> None:
    out = _dir(tmp_path) / "offline.db"
    _snapshot(team, out)
    with team.database.read() as session:
        hashes = [
            str(h) for h in session.execute(text("SELECT password_hash FROM users")).scalars()
        ]
        tokens = [
            str(h)
            for h in session.execute(text("SELECT token_hash FROM remember_tokens")).scalars()
        ]
    secrets = hashes + tokens
    assert len(hashes) == 3 and all(len(s) > 20 for s in secrets)
    conn = sqlite3.connect(out)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        cells = [
            str(value)
            for table in tables
            for row in conn.execute(f'SELECT * FROM "{table}"')
            for value in row
        ]
        users = conn.execute(
            "SELECT email, full_name, role, is_active FROM users ORDER BY id"
        ).fetchall()
        assert conn.execute("SELECT count(*) FROM remember_tokens").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM sign_in_throttle").fetchone() == (0,)
        stored = [r[0] for r in conn.execute("SELECT password_hash FROM users")]
    finally:
        conn.close()
    assert not [s for s in secrets if any(s in cell for cell in cells)]
    raw = out.read_bytes()
    assert not [s for s in secrets if s.encode() in raw]
    assert len(set(stored)) == len(stored)
    assert users == [
        ("admin@example.com", "Ada Admin", "member", 1),
        (MEMBER_EMAIL, "Max Member", "member", 1),
        ("bea@example.com", "Bea Bystander", "member", 1),
    ]


def test_cancelled_or_failed_snapshot_leaves_no_file(team: Team, tmp_path: Path) -> None:
    out = _dir(tmp_path) / "offline.db"
    cancel = Cancellation()

    def stop(_progress: Progress) -> None:
        cancel.cancel()

    with pytest.raises(OfflineCancelled):
        take_snapshot(team.database, out, progress=stop, cancel=cancel)
    assert list(_dir(tmp_path).iterdir()) == []

    _snapshot(team, out, tag="infra")
    before = out.read_bytes()
    with pytest.raises(ValidationError):
        take_snapshot(team.database, out, filters=SnapshotFilter(mine="nobody@example.com"))
    again = Cancellation()
    again.cancel()
    with pytest.raises(OfflineCancelled):
        take_snapshot(team.database, out, cancel=again)
    assert out.read_bytes() == before
    assert [p.name for p in _dir(tmp_path).iterdir()] == ["offline.db"]


def test_opening_needs_no_server(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _dir(tmp_path) / "offline.db"
    _snapshot(team, out)
    postgres_id = team.ids["postgres"]
    history = DecisionService(team.database, team.admin).history(postgres_id)
    # The copy says where it came from; point that, and the environment, at nothing.
    conn = sqlite3.connect(out)
    conn.execute("UPDATE offline_snapshot_info SET source = ?", (UNREACHABLE,))
    conn.commit()
    conn.close()
    monkeypatch.setenv("ASYNCOPS_DATABASE_URL", UNREACHABLE)
    with open_snapshot(out) as workspace:
        decisions = workspace.decisions
        assert workspace.info.source == UNREACHABLE
        page = decisions.page(DecisionFilter(tag="infra"))
        assert {d.id for d in page.rows} == {
            team.ids["postgres"],
            team.ids["backups"],
            team.ids["vpn"],
        }
        hits = decisions.search("postgresql")
        assert [h.decision.id for h in hits] == [postgres_id]
        assert decisions.history(postgres_id) == history
        created = history[-1]
        first = decisions.state_at(postgres_id, created.changed_at)
        assert first is not None and first["title"] == "Adopt PostgreSQL"
        assert decisions.count() == 5
        # An edit works offline and is kept for later.
        decisions.update(postgres_id, outcome="Migrate in April", expected_version=2)
        assert [c.kind for c in workspace.pending_changes()] == ["update"]
        # Syncing needs the server: nothing is lost when it is unreachable.
        unreachable = Database(UNREACHABLE)
        with pytest.raises(DatabaseUnavailable):
            workspace.sync(unreachable)
        unreachable.dispose()
        assert [c.state for c in workspace.pending_changes()] == ["pending"]
        assert verify(workspace.database).ok


# -- working offline ----------------------------------------------------------------------------
def test_offline_edits_are_pending_and_discarding_puts_rows_back(
    team: Team, tmp_path: Path
) -> None:
    out = _dir(tmp_path) / "offline.db"
    _snapshot(team, out)
    ids = team.ids
    with open_snapshot(out) as workspace:
        decisions = workspace.decisions
        assert workspace.actor.user_id == team.member.user_id
        original = decisions.get(ids["postgres"])
        decisions.update(ids["postgres"], title="Adopt PostgreSQL 17", expected_version=2)
        decisions.update(
            ids["postgres"],
            participant_ids=[team.member.user_id, team.bea.user_id],
            expected_version=3,
        )
        new = decisions.record(
            title="Offline note",
            description="Written on a train",
            context="No network",
            outcome="Review on Monday",
            decision_date=dt.date(2026, 3, 20),
            tags=["infra"],
            participant_ids=[team.member.user_id],
        )
        assert is_local_id(new.decision.id)
        decisions.update(ids["backups"], status="deprecated", expected_version=1)
        # A save that changes nothing leaves nothing to sync.
        decisions.update(ids["backups"], status="deprecated")
        with pytest.raises(PermissionDenied):
            decisions.update(ids["vpn"], title="Not mine")
        pending = workspace.pending_changes()
        assert [(c.kind, c.decision_id, c.base_version) for c in pending] == [
            ("update", ids["postgres"], 2),
            ("update", ids["postgres"], 3),
            ("record", new.decision.id, None),
            ("update", ids["backups"], 1),
        ]
        assert pending[0].arguments == {"title": "Adopt PostgreSQL 17"}
        assert pending[1].describe() == f"Changed participants of decision {ids['postgres']}"

        # Discarding the first change drops the one built on it and restores the row.
        assert workspace.discard(pending[0].id) == [pending[0].id, pending[1].id]
        restored = decisions.get(ids["postgres"])
        assert state_of(restored) == state_of(original)
        assert restored.decision.version == original.decision.version
        assert workspace.discard(pending[2].id) == [pending[2].id]
        assert decisions.get(new.decision.id).decision.deleted_at is not None
        assert [c.id for c in workspace.pending_changes()] == [pending[3].id]
        assert verify(workspace.database).ok


# -- sync ----------------------------------------------------------------------------------------
def _edit_offline(workspace: offline.OfflineWorkspace, team: Team) -> int:
    """Four changes: an update, a new decision, a link to it, and accepting it."""
    ids = team.ids
    decisions = workspace.decisions
    decisions.update(ids["postgres"], outcome="Migrate in April", expected_version=2)
    new = decisions.record(
        title="Connection pooling",
        description="PgBouncer in front of the server",
        context="Many desktop clients",
        outcome="Transaction pooling",
        decision_date=dt.date(2026, 3, 21),
        tags=["infra"],
        # Offline, only people the copy mentions can be added (Bea is not in this one).
        participant_ids=[team.member.user_id, team.admin.user_id],
        status="proposed",
    )
    decisions.update(ids["backups"], superseded_by_id=new.decision.id, expected_version=1)
    # Accepting the new decision marks the one it replaces as superseded, offline too.
    decisions.update(new.decision.id, status="accepted", review_by=dt.date(2026, 9, 1))
    return new.decision.id


def _server_state(team: Team, decision_id: int) -> dict[str, object]:
    return state_of(DecisionService(team.database, team.admin).get(decision_id))


def test_sync_without_conflicts(team: Team, tmp_path: Path) -> None:
    out = _dir(tmp_path) / "offline.db"
    _snapshot(team, out, tag="infra", mine=MEMBER_EMAIL)
    ids = team.ids
    start = _max_audit_id(team.database)
    before_ids = _all_ids(team.database)
    with open_snapshot(out) as workspace:
        local_new = _edit_offline(workspace, team)
        made = {c.id: c.made_at for c in workspace.pending_changes()}
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["applied"] * 4
        new_id = report.id_map[local_new]
        assert new_id == max(_all_ids(team.database)) and new_id not in before_ids
        assert [o.server_id for o in report.outcomes] == [
            ids["postgres"],
            new_id,
            ids["backups"],
            new_id,
        ]

        # The server, exactly: three decisions changed or created, each change audited once.
        m, a = team.member.user_id, team.admin.user_id
        audit = _new_audit(team.database, start)
        assert audit == [
            (ids["postgres"], m, "updated", "outcome", "Migrate in April"),
            (new_id, m, "created", None, audit[1][4]),
            (ids["backups"], m, "updated", "superseded_by_id", str(new_id)),
            (new_id, m, "updated", "status", "accepted"),
            (new_id, m, "updated", "review_by", "2026-09-01"),
            (ids["backups"], m, "updated", "status", "superseded"),
        ]
        created = json.loads(str(_new_audit(team.database, start)[1][4]))
        assert created["title"] == "Connection pooling" and created["status"] == "proposed"
        assert json.loads(created["participants"]) == sorted([m, a])
        assert _server_state(team, ids["backups"])["status"] == "superseded"
        assert _server_state(team, new_id)["review_by"] == dt.date(2026, 9, 1)
        # Audit rows carry the offline time; the server records each change as made offline.
        rows = [r for r in _audit_rows(team.database) if r[0] > start]
        assert rows[0][7] == made[1]
        assert rows[1][7] == made[2]
        with team.database.read() as session:
            marks = session.execute(
                select(DecisionOfflineChange.decision_id, DecisionOfflineChange.kind).order_by(
                    DecisionOfflineChange.made_at
                )
            ).all()
        assert [tuple(r) for r in marks] == [
            (ids["postgres"], "update"),
            (new_id, "record"),
            (ids["backups"], "update"),
            (new_id, "update"),
        ]
        assert verify(team.database).ok

        # The copy is refreshed: server ids, no pending change, same rows as the server.
        assert report.refreshed is not None
        assert workspace.pending_changes() == []
        assert _all_ids(workspace.database) == sorted([ids["postgres"], ids["backups"], new_id])
        for decision_id in (ids["postgres"], ids["backups"], new_id):
            assert state_of(workspace.decisions.get(decision_id)) == _server_state(
                team, decision_id
            )
        assert _audit_rows(workspace.database) == _audit_rows(
            team.database, [ids["postgres"], ids["backups"], new_id]
        )
        assert verify(workspace.database).ok


def test_sync_with_a_conflict_then_resolve(team: Team, tmp_path: Path) -> None:
    out = _dir(tmp_path) / "offline.db"
    _snapshot(team, out, tag="infra")
    ids = team.ids
    with open_snapshot(out) as workspace:
        workspace.decisions.update(ids["postgres"], title="Adopt PostgreSQL 17", expected_version=2)
        workspace.decisions.update(ids["postgres"], outcome="Mine", expected_version=3)
        workspace.decisions.update(ids["backups"], context="Disks fail", expected_version=1)
        # Meanwhile someone else renames the same decision on the server.
        DecisionService(team.database, team.admin).update(
            ids["postgres"], title="Adopt PostgreSQL 18", expected_version=2
        )
        start = _max_audit_id(team.database)
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["conflict", "conflict", "applied"]
        first = report.conflicts[0]
        assert first.decision_id == ids["postgres"] and first.server_version == 3
        assert [(f.field, f.base, f.theirs, f.mine, f.changed_by_them) for f in first.fields] == [
            ("title", "Adopt PostgreSQL 16", "Adopt PostgreSQL 18", "Adopt PostgreSQL 17", True)
        ]
        second = report.conflicts[1].fields[0]
        assert (second.field, second.theirs, second.mine) == (
            "outcome",
            "Adopt PostgreSQL from next sprint",
            "Mine",
        )
        assert not second.changed_by_them
        assert _new_audit(team.database, start) == [
            (ids["backups"], team.member.user_id, "updated", "context", "Disks fail")
        ]
        # Conflicts survive the refresh, which shows the server's version.
        assert [c.state for c in workspace.pending_changes()] == ["conflict", "conflict"]
        assert workspace.decisions.get(ids["postgres"]).decision.title == "Adopt PostgreSQL 18"
        assert verify(workspace.database).ok

        # The user keeps their title and drops their outcome change.
        conflict_id = workspace.pending_changes()[0].id
        detail = workspace.resolve(conflict_id, team.database, {"title": "Adopt PostgreSQL 17"})
        assert detail.decision.title == "Adopt PostgreSQL 17" and detail.decision.version == 4
        workspace.discard(workspace.pending_changes()[-1].id)
        assert workspace.pending_changes() == []
        workspace.refresh(team.database)
        assert state_of(workspace.decisions.get(ids["postgres"])) == _server_state(
            team, ids["postgres"]
        )
        assert verify(team.database).ok and verify(workspace.database).ok


def test_changes_keep_their_ids_through_the_refresh(team: Team, tmp_path: Path) -> None:
    out = _dir(tmp_path) / "offline.db"
    _snapshot(team, out, tag="infra")
    ids = team.ids
    with open_snapshot(out) as workspace:
        workspace.decisions.update(ids["backups"], context="Disks fail", expected_version=1)
        workspace.decisions.update(ids["postgres"], title="Adopt PostgreSQL 17", expected_version=2)
        DecisionService(team.database, team.admin).update(
            ids["postgres"], title="Adopt PostgreSQL 18", expected_version=2
        )
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["applied", "conflict"]
        [conflict] = report.conflicts
        # The report's conflict is the copy's change after the refresh, under the same id.
        [kept] = workspace.pending_changes()
        assert (kept.id, kept.conflict) == (conflict.change_id, conflict)
        detail = workspace.resolve(conflict.change_id, team.database, {"title": "PostgreSQL 17"})
        assert detail.decision.title == "PostgreSQL 17"
        assert workspace.pending_changes() == []


class _Killed(Exception):
    """Stands for the app being killed at that point."""


def test_interrupted_sync_resumes_without_duplicates(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _dir(tmp_path) / "offline.db"
    _snapshot(team, out, tag="infra", mine=MEMBER_EMAIL)
    ids = team.ids
    start = _max_audit_id(team.database)
    with open_snapshot(out) as workspace:
        local_new = _edit_offline(workspace, team)

        # 1. Interrupted after two changes, between changes (the network drops).
        def drop_after_two(progress: Progress) -> None:
            if progress.phase == "syncing" and progress.done == 2:
                raise _Killed

        with pytest.raises(_Killed):
            workspace.sync(team.database, progress=drop_after_two)
        assert [c.state for c in workspace.pending_changes(include_applied=True)] == [
            "applied",
            "applied",
            "pending",
            "pending",
        ]

        # 2. Killed after the server committed the third change, before the copy noted it.
        real_mark = offline._mark_done
        calls = {"n": 0}

        def killed_once(snapshot: Database, change_id: int, outcome: offline.ChangeOutcome) -> None:
            calls["n"] += 1
            if calls["n"] == 1:
                raise _Killed
            real_mark(snapshot, change_id, outcome)

        monkeypatch.setattr(offline, "_mark_done", killed_once)
        with pytest.raises(_Killed):
            workspace.sync(team.database)
        monkeypatch.setattr(offline, "_mark_done", real_mark)
        assert [c.state for c in workspace.pending_changes(include_applied=True)] == [
            "applied",
            "applied",
            "pending",
            "pending",
        ]

        # 3. Run again: the third is recognised, the fourth applied, nothing twice.
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["already applied", "applied"]
        new_id = report.id_map[local_new]
    m = team.member.user_id
    audit = _new_audit(team.database, start)
    assert [row[:4] for row in audit] == [
        (ids["postgres"], m, "updated", "outcome"),
        (new_id, m, "created", None),
        (ids["backups"], m, "updated", "superseded_by_id"),
        (new_id, m, "updated", "status"),
        (new_id, m, "updated", "review_by"),
        (ids["backups"], m, "updated", "status"),
    ]
    with team.database.read() as session:
        titles = list(session.execute(text("SELECT title FROM decisions ORDER BY id")).scalars())
        marks = session.execute(text("SELECT count(*) FROM decision_offline_changes")).scalar_one()
    assert titles.count("Connection pooling") == 1 and len(titles) == 6
    assert marks == 4
    server_new = _server_state(team, new_id)
    assert (server_new["status"], server_new["review_by"]) == ("accepted", dt.date(2026, 9, 1))
    assert verify(team.database).ok
    with open_snapshot(out) as workspace:
        assert workspace.pending_changes() == []
        assert verify(workspace.database).ok
        for decision_id in (ids["postgres"], ids["backups"], new_id):
            assert state_of(workspace.decisions.get(decision_id)) == _server_state(
                team, decision_id
            )
            history = list(reversed(workspace.decisions.history(decision_id)))
            assert replay(history) == _server_state(team, decision_id)


# -- deletes, restores and edits that cross on the server ----------------------------------------
ADMIN_EMAIL = "admin@example.com"


def _second_admin(team: Team) -> Actor:
    """Another admin, working online while the snapshot's owner is offline."""
    user = UserService(team.database, team.admin).create(
        email="olga@example.com", full_name="Olga Ops", password="olga password 12", role="admin"
    )
    return Actor(user.id, Role.ADMIN)


def _marks(database: Database) -> list[tuple[Any, ...]]:
    """(decision, user, kind, made_at) of every change recorded as made offline."""
    with database.read() as session:
        rows = session.execute(
            select(
                DecisionOfflineChange.decision_id,
                DecisionOfflineChange.changed_by_id,
                DecisionOfflineChange.kind,
                DecisionOfflineChange.made_at,
            ).order_by(DecisionOfflineChange.made_at)
        ).all()
    return [tuple(r) for r in rows]


def _full_new_audit(database: Database, after_id: int) -> list[tuple[Any, ...]]:
    """(decision, author, type, field, old, new, changed_at) of the rows after ``after_id``."""
    return [r[1:] for r in _audit_rows(database) if r[0] > after_id]


def test_offline_delete_of_a_decision_edited_on_the_server(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _dir(tmp_path) / "offline.db"
    taken = take_snapshot(team.database, out, owner_email=ADMIN_EMAIL)
    assert taken.info.owner_user_id == team.admin.user_id
    ids, a = team.ids, team.admin.user_id
    with open_snapshot(out) as workspace:
        workspace.decisions.delete(ids["backups"], expected_version=1)
        made = workspace.pending_changes()[0].made_at
        # Meanwhile Max, a participant, sharpens its context on the server.
        DecisionService(team.database, team.member).update(
            ids["backups"], context="Two disks failed in March", expected_version=1
        )
        start = _max_audit_id(team.database)
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["conflict"]
        record = report.conflicts[0]
        # The user sees what the other person changed next to the deletion they asked for.
        assert [(f.field, f.base, f.theirs, f.mine) for f in record.fields] == [
            (
                "context",
                "Growing team and a shared server",
                "Two disks failed in March",
                "Growing team and a shared server",
            ),
            ("deleted_at", None, None, made),
        ]
        assert record.server_version == 2
        assert _new_audit(team.database, start) == []
        # Keep theirs for the context, mine for the deletion: the decision is deleted.
        change_id = workspace.pending_changes()[0].id
        before_resolve = utcnow()
        # The app is killed after the server saved the choice, before the copy noted it.
        real_get = DecisionService.get

        def killed(service: DecisionService, decision_id: int) -> Any:
            raise _Killed

        monkeypatch.setattr(DecisionService, "get", killed)
        with pytest.raises(_Killed):
            workspace.resolve(change_id, team.database, {"deleted_at": made})
        monkeypatch.setattr(DecisionService, "get", real_get)
        assert [c.state for c in workspace.pending_changes()] == ["conflict"]
        assert len(_full_new_audit(team.database, start)) == 1
        # Resolved again: found on the server, noted, not repeated.
        detail = workspace.resolve(change_id, team.database, {"deleted_at": made})
        assert detail.decision.deleted_at is not None and detail.decision.version == 3
        assert detail.decision.context == "Two disks failed in March"
        rows = _full_new_audit(team.database, start)
        assert [r[:5] for r in rows] == [(ids["backups"], a, "deleted", "deleted_at", None)]
        assert rows[0][5] == detail.decision.deleted_at.isoformat()
        assert rows[0][6] >= before_resolve
        assert _marks(team.database) == [(ids["backups"], a, "delete", made)]
        # Resolving again changes nothing: the change is applied and no longer a conflict.
        assert workspace.pending_changes() == []
        with pytest.raises(NotFound):
            workspace.resolve(change_id, team.database, {"deleted_at": made})
        assert len(_full_new_audit(team.database, start)) == 1
        workspace.refresh(team.database)
        assert ids["backups"] not in _all_ids(workspace.database)
    assert verify(team.database).ok


def test_offline_edit_of_a_decision_deleted_on_the_server(team: Team, tmp_path: Path) -> None:
    out = _dir(tmp_path) / "offline.db"
    take_snapshot(team.database, out, owner_email=ADMIN_EMAIL)
    olga = _second_admin(team)
    ids, a, o = team.ids, team.admin.user_id, olga.user_id
    with open_snapshot(out) as workspace:
        workspace.decisions.update(ids["backups"], outcome="Hourly backups", expected_version=1)
        workspace.decisions.update(ids["backups"], title="Hourly backups", expected_version=2)
        DecisionService(team.database, olga).delete(ids["backups"], expected_version=1)
        start = _max_audit_id(team.database)
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["conflict", "conflict"]
        deleted_at = DecisionService(team.database, olga).get(ids["backups"]).decision.deleted_at
        assert deleted_at is not None
        first, second = report.conflicts
        assert [(f.field, f.base, f.theirs, f.mine) for f in first.fields] == [
            (
                "outcome",
                "Nightly backups from next sprint",
                "Nightly backups from next sprint",
                "Hourly backups",
            ),
            ("deleted_at", None, deleted_at, None),
        ]
        assert [f.field for f in second.fields] == ["title", "deleted_at"]
        # The refreshed copy keeps the deleted decision the conflicts are about.
        assert workspace.decisions.get(ids["backups"]).decision.deleted_at == deleted_at
        # Their deletion kept while saving an edit cannot be: said, and nothing is written.
        with pytest.raises(ValidationError) as refused:
            workspace.resolve(first.change_id, team.database, {"outcome": "Hourly backups"})
        assert refused.value.field == "deleted_at"
        # A member may not restore: refused, and the change waits to be resolved or discarded.
        with pytest.raises(PermissionDenied):
            workspace.resolve(
                first.change_id,
                team.database,
                {"outcome": "Hourly backups", "deleted_at": None},
                Actor(team.member.user_id, Role.MEMBER),
            )
        assert _new_audit(team.database, start) == []
        assert [c.state for c in workspace.pending_changes()] == ["conflict", "conflict"]

        # Keep mine: restored with the edit, one transaction; then the second conflict,
        # restated against that new version, applies too.
        workspace.resolve(
            first.change_id, team.database, {"outcome": "Hourly backups", "deleted_at": None}
        )
        restated = workspace.pending_changes()[0].conflict
        assert restated is not None and restated.server_version == 4
        assert [(f.field, f.theirs, f.mine) for f in restated.fields] == [
            ("title", "Nightly backups", "Hourly backups")
        ]
        workspace.resolve(restated.change_id, team.database, {"title": "Hourly backups"})
        assert workspace.pending_changes() == []
        b = ids["backups"]
        assert [r[:5] for r in _full_new_audit(team.database, start)] == [
            (b, a, "updated", "deleted_at", deleted_at.isoformat()),
            (b, a, "updated", "outcome", "Nightly backups from next sprint"),
            (b, a, "updated", "title", "Nightly backups"),
        ]
        assert [r[5] for r in _full_new_audit(team.database, start)] == [
            None,
            "Hourly backups",
            "Hourly backups",
        ]
        server = _server_state(team, b)
        assert (server["title"], server["outcome"], server["deleted_at"]) == (
            "Hourly backups",
            "Hourly backups",
            None,
        )
        made = [c.made_at for c in workspace.pending_changes(include_applied=True)]
        assert _marks(team.database) == [(b, a, "update", made[0]), (b, a, "update", made[1])]
        workspace.refresh(team.database)
        assert state_of(workspace.decisions.get(b)) == server
    assert o != a and verify(team.database).ok


def test_offline_delete_and_restore_meet_a_server_delete(team: Team, tmp_path: Path) -> None:
    out = _dir(tmp_path) / "offline.db"
    take_snapshot(team.database, out, owner_email=ADMIN_EMAIL)
    olga = _second_admin(team)
    ids, a, o = team.ids, team.admin.user_id, olga.user_id
    p = ids["postgres"]
    with open_snapshot(out) as workspace:
        # Deleted offline, then brought back: the user changed their mind.
        workspace.decisions.delete(p, expected_version=2)
        workspace.decisions.restore(p)
        made = [c.made_at for c in workspace.pending_changes()]
        DecisionService(team.database, olga).delete(p, expected_version=2)
        deleted_at = DecisionService(team.database, olga).get(p).decision.deleted_at
        assert deleted_at is not None
        start = _max_audit_id(team.database)
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["conflict", "conflict"]
        first, second = report.conflicts
        assert [(f.field, f.base, f.theirs, f.mine) for f in first.fields] == [
            ("deleted_at", None, deleted_at, made[0])
        ]
        assert [(f.field, f.theirs, f.mine) for f in second.fields] == [
            ("deleted_at", deleted_at, None)
        ]
        # Deleted either way: nothing to write. Then "keep mine" restores it on the server.
        workspace.resolve(first.change_id, team.database, {"deleted_at": made[0]})
        assert _new_audit(team.database, start) == []
        workspace.resolve(second.change_id, team.database, {"deleted_at": None})
        rows = _full_new_audit(team.database, start)
        assert [r[:6] for r in rows] == [
            (p, a, "updated", "deleted_at", deleted_at.isoformat(), None)
        ]
        assert _server_state(team, p)["deleted_at"] is None
        assert _marks(team.database) == [(p, a, "delete", made[0]), (p, a, "restore", made[1])]
        workspace.refresh(team.database)
        assert state_of(workspace.decisions.get(p)) == _server_state(team, p)
    assert o != a and verify(team.database).ok


def test_offline_restore_of_a_decision_the_server_restored_and_edited(
    team: Team, tmp_path: Path
) -> None:
    out = _dir(tmp_path) / "offline.db"
    take_snapshot(team.database, out, owner_email=ADMIN_EMAIL)
    olga = _second_admin(team)
    ids, a = team.ids, team.admin.user_id
    p = ids["postgres"]
    with open_snapshot(out) as workspace:
        # Deleted offline; meanwhile renamed on the server. The delete conflicts; kept theirs.
        workspace.decisions.delete(p, expected_version=2)
        workspace.decisions.restore(p)
        workspace.decisions.delete(p, expected_version=4)
        DecisionService(team.database, olga).update(
            p, title="Adopt PostgreSQL 18", expected_version=2
        )
        start = _max_audit_id(team.database)
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["conflict"] * 3
        last = report.conflicts[2]
        assert [(f.field, f.theirs, f.mine) for f in last.fields] == [
            ("title", "Adopt PostgreSQL 18", "Adopt PostgreSQL 16"),
            ("deleted_at", None, workspace.pending_changes()[2].made_at),
        ]
        # Keep theirs for the delete and the restore, then mine for the last delete.
        workspace.resolve(report.conflicts[0].change_id, team.database, {})
        workspace.resolve(report.conflicts[1].change_id, team.database, {})
        workspace.resolve(last.change_id, team.database, {"deleted_at": last.fields[1].mine})
        rows = _full_new_audit(team.database, start)
        assert [r[:5] for r in rows] == [(p, a, "deleted", "deleted_at", None)]
        server = _server_state(team, p)
        assert server["title"] == "Adopt PostgreSQL 18" and server["deleted_at"] is not None
        assert [k for _, _, k, _ in _marks(team.database)] == ["delete", "restore", "delete"]
    assert verify(team.database).ok


def test_offline_supersede_meeting_a_server_edit_is_kept_with_what_built_on_it(
    team: Team, tmp_path: Path
) -> None:
    out = _dir(tmp_path) / "offline.db"
    _snapshot(team, out, tag="infra", mine=MEMBER_EMAIL)
    ids, m, a = team.ids, team.member.user_id, team.admin.user_id
    b = ids["backups"]
    with open_snapshot(out) as workspace:
        new = workspace.decisions.supersede(
            b,
            title="Continuous backups",
            description="WAL archiving",
            context="Nightly is not enough",
            outcome="Point-in-time recovery",
            decision_date=dt.date(2026, 3, 23),
            participant_ids=[m],
        )
        local = new.decision.id
        workspace.decisions.update(local, outcome="PITR for 14 days", expected_version=1)
        made = [c.made_at for c in workspace.pending_changes()]
        DecisionService(team.database, team.admin).update(
            b, outcome="Nightly and weekly", expected_version=1
        )
        start = _max_audit_id(team.database)
        before_ids = _all_ids(team.database)
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["conflict", "failed"]
        assert _all_ids(team.database) == before_ids
        [record] = report.conflicts
        assert [(f.field, f.base, f.theirs, f.mine) for f in record.fields] == [
            (
                "outcome",
                "Nightly backups from next sprint",
                "Nightly and weekly",
                "Nightly backups from next sprint",
            ),
            ("superseded_by_id", None, None, local),
        ]
        # Keep mine for the link: the new decision is created now and linked, theirs kept.
        workspace.resolve(record.change_id, team.database, {"superseded_by_id": local})
        # The edit made to the new decision waits to be sent again, and then is.
        assert [c.state for c in workspace.pending_changes()] == ["pending"]
        again = workspace.sync(team.database)
        assert [o.result for o in again.outcomes] == ["applied"]
        server_id = again.id_map[local]
        assert workspace.pending_changes() == []
    assert _all_ids(team.database) == [*before_ids, server_id]
    rows = _full_new_audit(team.database, start)
    assert [r[:4] for r in rows] == [
        (server_id, m, "created", None),
        (b, m, "updated", "superseded_by_id"),
        (server_id, m, "updated", "outcome"),
    ]
    assert (rows[1][4], rows[1][5]) == (None, str(server_id))
    assert (rows[2][4], rows[2][5]) == ("Point-in-time recovery", "PITR for 14 days")
    # Created when the conflict was resolved: the edit made offline before that follows it.
    assert rows[0][6] > made[1] and rows[2][6] == rows[0][6]
    server = _server_state(team, b)
    assert (server["outcome"], server["superseded_by_id"]) == ("Nightly and weekly", server_id)
    assert _server_state(team, server_id)["outcome"] == "PITR for 14 days"
    assert _marks(team.database) == [
        (server_id, m, "supersede", made[0]),
        (server_id, m, "update", made[1]),
    ]
    assert a != m and verify(team.database).ok


def test_decision_created_edited_and_deleted_offline(team: Team, tmp_path: Path) -> None:
    out = _dir(tmp_path) / "offline.db"
    _snapshot(team, out, tag="infra", mine=MEMBER_EMAIL)
    m = team.member.user_id
    start = _max_audit_id(team.database)
    before_ids = _all_ids(team.database)
    with open_snapshot(out) as workspace:
        new = workspace.decisions.record(
            title="Read replicas",
            description="A replica for reports",
            context="Slow dashboards",
            outcome="One replica",
            decision_date=dt.date(2026, 3, 22),
            tags=["infra"],
            participant_ids=[m],
        )
        local = new.decision.id
        workspace.decisions.update(local, outcome="Two replicas", expected_version=1)
        workspace.decisions.delete(local, expected_version=2)
        made = [c.made_at for c in workspace.pending_changes()]
        report = workspace.sync(team.database)
        assert [o.result for o in report.outcomes] == ["applied"] * 3
        server_id = report.id_map[local]
        assert [o.server_id for o in report.outcomes] == [server_id] * 3
        assert workspace.pending_changes() == []
        assert server_id not in _all_ids(workspace.database)
    assert _all_ids(team.database) == [*before_ids, server_id]
    rows = _full_new_audit(team.database, start)
    assert [r[:4] for r in rows] == [
        (server_id, m, "created", None),
        (server_id, m, "updated", "outcome"),
        (server_id, m, "deleted", "deleted_at"),
    ]
    assert (rows[1][4], rows[1][5]) == ("One replica", "Two replicas")
    assert json.loads(rows[0][5])["outcome"] == "One replica"
    # Each row is dated when the change was made offline, and recorded as offline.
    assert [r[6] for r in rows] == made
    assert _marks(team.database) == [
        (server_id, m, "record", made[0]),
        (server_id, m, "update", made[1]),
        (server_id, m, "delete", made[2]),
    ]
    server = _server_state(team, server_id)
    # Deleted on the server as of when it was deleted offline, as its audit row says.
    assert server["outcome"] == "Two replicas" and server["deleted_at"] == made[2]
    assert rows[2][5] == made[2].isoformat()
    assert verify(team.database).ok


# -- profiles and the command line ---------------------------------------------------------------
def test_snapshot_profile(team: Team, tmp_path: Path) -> None:
    report = _snapshot(team, _dir(tmp_path) / "offline.db")
    store = ProfileStore()
    profile = remember_snapshot(store, report.info)
    assert profile.kind is ProfileKind.OFFLINE and profile.name.startswith(
        "Offline: Team server, as of"
    )
    assert profile.url() == sqlite_url(_dir(tmp_path) / "offline.db") and not profile.needs_password
    assert "offline copy of Team server" in profile.describe()
    again = remember_snapshot(ProfileStore(), report.info)
    assert again.id == profile.id and ProfileStore().profiles() == [again]


def test_cli_snapshot_and_sync(team: Team, tmp_path: Path) -> None:
    url = team.database.url
    out_file = _dir(tmp_path) / "offline.db"
    out = io.StringIO()
    code = cli.main(
        [
            "offline",
            "snapshot",
            "--db",
            url,
            "--out",
            str(out_file),
            "--tag",
            "infra",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-03",
            "--mine",
            MEMBER_EMAIL,
        ],
        out=out,
    )
    assert code == 0, out.getvalue()
    assert "decisions:  2 with" in out.getvalue()
    with open_snapshot(out_file) as workspace:
        workspace.decisions.update(team.ids["backups"], outcome="Hourly", expected_version=1)
    out = io.StringIO()
    assert (
        cli.main(["offline", "sync", str(out_file), "--db", url, "--as", MEMBER_EMAIL], out=out)
        == 0
    )
    text_out = out.getvalue()
    assert f"update decision {team.ids['backups']}: applied" in text_out
    assert "Synced: 1 applied, 0 conflict(s), 0 failed." in text_out
    assert _server_state(team, team.ids["backups"])["outcome"] == "Hourly"

    # A conflict makes the command fail and prints the fields.
    with open_snapshot(out_file) as workspace:
        workspace.decisions.update(team.ids["backups"], outcome="Mine", expected_version=2)
    DecisionService(team.database, team.admin).update(team.ids["backups"], outcome="Theirs")
    out = io.StringIO()
    assert cli.main(["offline", "sync", str(out_file), "--db", url], out=out) == 1
    assert "outcome: base 'Hourly', theirs 'Theirs', mine 'Mine'" in out.getvalue()
