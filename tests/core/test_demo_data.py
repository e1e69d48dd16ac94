"""Demo data: the spec's sample sizes at scale 1, consistent history, and the benchmark runs."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from sqlalchemy import func, select, text

from asyncops_desktop import cli
from asyncops_desktop.db import Database
from asyncops_desktop.demo_data import (
    DEMO_PASSWORD,
    TABLE_ORDER,
    Existing,
    generate,
    iter_batches,
    span_days,
)
from asyncops_desktop.domain.enums import BlockerStatus, IncidentStatus, Role, Severity
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.domain.models import (
    Base,
    Blocker,
    DailySummary,
    Decision,
    DecisionAuditEntry,
    DecisionParticipant,
    Incident,
    StatusUpdate,
    User,
    utcnow,
)
from asyncops_desktop.repositories.decisions import DecisionRepository
from asyncops_desktop.repositories.users import UserRepository
from asyncops_desktop.services.decisions import AUDITED_FIELDS, audit_value
from asyncops_desktop.summaries import compute_summary, summary_json

NOW = dt.datetime(2026, 3, 14, 15, 9, 26)
EMPTY = Existing({name: 0 for name in TABLE_ORDER}, frozenset(), frozenset())


def _count(database: Database, model: type[Base]) -> int:
    with database.read() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _rows(database: Database, model: type[Base]) -> list[Any]:
    table = Base.metadata.tables[str(model.__tablename__)]
    with database.read() as session:
        return list(session.execute(select(table).order_by(table.c.id)).all())


def test_scale_one_has_the_spec_sample_sizes(database: Database) -> None:
    counts = generate(database, scale=1, seed=7)

    assert 5 <= counts["users"] <= 10
    assert 20 <= counts["status_updates"] <= 30
    assert 5 <= counts["incidents"] <= 10
    assert 5 <= counts["blockers"] <= 10
    assert 10 <= counts["decisions"] <= 15
    assert counts["daily_summaries"] == 7
    models: dict[str, type[Base]] = {
        "users": User,
        "status_updates": StatusUpdate,
        "incidents": Incident,
        "blockers": Blocker,
        "decisions": Decision,
        "decision_participants": DecisionParticipant,
        "decision_audit_log": DecisionAuditEntry,
        "daily_summaries": DailySummary,
    }
    assert set(counts) == set(models)
    for table, model in models.items():
        assert _count(database, model) == counts[table], table


def test_users_mix_roles_one_inactive_and_share_the_demo_password(database: Database) -> None:
    generate(database, scale=1)
    users = _rows(database, User)

    assert {user.role for user in users} == {Role.ADMIN.value, Role.MEMBER.value}
    assert sum(1 for user in users if not user.is_active) == 1
    emails = [user.email for user in users]
    assert len(set(emails)) == len(emails)
    assert all(email == email.lower() and email.endswith("@example.com") for email in emails)
    assert bcrypt.checkpw(DEMO_PASSWORD.encode(), users[0].password_hash.encode())


def test_incidents_cover_every_severity_and_status(database: Database) -> None:
    generate(database, scale=1, seed=3)
    incidents = _rows(database, Incident)

    assert {i.severity for i in incidents} == {s.value for s in Severity}
    assert {i.status for i in incidents} == {s.value for s in IncidentStatus}
    for incident in incidents:
        finished = incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
        assert (incident.resolution_notes is not None) == finished
        assert (incident.resolved_at is not None) == finished
        if finished:
            assert incident.created_at <= incident.resolved_at <= incident.updated_at
    worked_on = [i for i in incidents if i.status in ("in_progress", "resolved")]
    assert sum(1 for i in worked_on if i.assigned_to_id is not None) >= len(worked_on) / 2


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_small_data_set_always_shows_every_state(seed: int) -> None:
    demo = iter_batches(EMPTY, scale=1, seed=seed, now=NOW)
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for batch in demo.batches:
        for table, batch_rows in batch:
            rows[table].extend(batch_rows)

    assert {r["severity"] for r in rows["incidents"]} == {s.value for s in Severity}
    assert {r["status"] for r in rows["incidents"]} == {s.value for s in IncidentStatus}
    assert {r["status"] for r in rows["blockers"]} == {s.value for s in BlockerStatus}
    assert any(r["related_status_id"] for r in rows["blockers"])
    assert any(r["related_incident_id"] for r in rows["blockers"])
    assert {table: len(r) for table, r in rows.items()} == {
        table: n for table, n in demo.totals.items() if n
    }


def test_blockers_are_linked_to_status_updates_and_incidents(database: Database) -> None:
    generate(database, scale=1)
    blockers = _rows(database, Blocker)
    status_ids = {row.id: row for row in _rows(database, StatusUpdate)}
    incident_ids = {row.id: row for row in _rows(database, Incident)}

    assert {b.status for b in blockers} == {"active", "resolved"}
    linked_status = [b for b in blockers if b.related_status_id is not None]
    linked_incident = [b for b in blockers if b.related_incident_id is not None]
    assert linked_status and linked_incident
    for blocker in linked_status:
        assert status_ids[blocker.related_status_id].created_at <= blocker.created_at
    for blocker in linked_incident:
        assert incident_ids[blocker.related_incident_id].created_at <= blocker.created_at
    for blocker in blockers:
        resolved = blocker.status == BlockerStatus.RESOLVED
        assert (blocker.resolution_notes is not None) == resolved
        assert (blocker.resolved_at is not None) == resolved


def test_decisions_have_participants_and_a_consistent_audit_history(database: Database) -> None:
    generate(database, scale=1, seed=11)
    decisions = {d.id: d for d in _rows(database, Decision)}
    participants: dict[int, list[int]] = defaultdict(list)
    for row in _rows(database, DecisionParticipant):
        participants[row.decision_id].append(row.user_id)
    history: dict[int, list[Any]] = defaultdict(list)
    for entry in _rows(database, DecisionAuditEntry):
        history[entry.decision_id].append(entry)

    assert set(participants) == set(decisions)
    assert all(2 <= len(users) <= 5 for users in participants.values())
    assert sum(len(entries) for entries in history.values()) > len(decisions)
    updated_fields: set[str] = set()
    for decision_id, decision in decisions.items():
        entries = sorted(history[decision_id], key=lambda e: (e.changed_at, e.id))
        created, updates = entries[0], entries[1:]
        assert created.change_type == "created"
        assert created.field_name is None and created.old_value is None
        assert created.changed_at == decision.created_at
        assert entries[-1].changed_at == decision.updated_at
        # Replaying the log from the "created" snapshot must rebuild the current row.
        state = json.loads(created.new_value)
        for entry in updates:
            assert entry.change_type == "updated"
            assert entry.old_value == state[entry.field_name], (decision_id, entry.field_name)
            assert entry.new_value != entry.old_value
            state[entry.field_name] = entry.new_value
            updated_fields.add(entry.field_name)
        current = {name: audit_value(name, getattr(decision, name)) for name in AUDITED_FIELDS}
        current["participants"] = audit_value("participants", sorted(participants[decision_id]))
        assert state == current, decision_id
        # Each audited change was one save: the version counts them as the service does.
        assert decision.version == 1 + len(updates), decision_id
    assert len(updated_fields) >= 3


def test_decision_tags_and_repository_paging_read_back(database: Database) -> None:
    generate(database, scale=1)
    with database.read() as session:
        page = DecisionRepository(session).page(limit=5)
    assert len(page.rows) == 5
    dates = [d.decision_date for d in page.rows]
    assert dates == sorted(dates, reverse=True)
    assert any(d.tags for d in page.rows)
    assert all(isinstance(tag, str) for d in page.rows for tag in d.tags)


def test_daily_summaries_cover_seven_days_with_the_spec_shape(database: Database) -> None:
    generate(database, scale=1, seed=5)
    summaries = _rows(database, DailySummary)

    days = [s.summary_date for s in summaries]
    assert len(set(days)) == 7
    assert max(days) < utcnow().date()
    assert (max(days) - min(days)).days == 6
    for summary in summaries:
        content = summary.content
        assert {"status_updates", "incidents", "blockers", "recent_decisions", "statistics"} <= set(
            content
        )
        stats = content["statistics"]
        assert stats["total_status_updates"] == summary.status_updates_count
        assert stats["active_blockers"] == summary.blockers_count
        assert stats["decisions_last_7_days"] == summary.decisions_count
        assert stats["critical_incidents"] <= summary.incidents_count
        for item in content["status_updates"]:
            assert {"id", "title", "author", "created_at"} <= set(item)
            assert item["created_at"].startswith(summary.summary_date.isoformat())
        for item in content["incidents"]:
            assert {"id", "title", "severity", "status"} <= set(item)
            assert item["status"] in ("open", "in_progress")
        for item in content["recent_decisions"]:
            assert {"id", "title", "decision_date"} <= set(item)
        # The one definition of a summary: what the app would compute for that day.
        with database.read() as session:
            recomputed = compute_summary(session, summary.summary_date)
        assert summary_json(content) == recomputed.to_json()
    assert sum(s.status_updates_count for s in summaries) > 0
    assert sum(s.decisions_count for s in summaries) > 0


def test_text_limits_and_timestamps_hold(database: Database) -> None:
    before = utcnow()
    generate(database, scale=2, seed=9)
    limits = {
        ("status_updates", "title"): 200,
        ("status_updates", "content"): 10_000,
        ("incidents", "title"): 200,
        ("incidents", "description"): 5_000,
        ("blockers", "description"): 2_000,
        ("blockers", "impact"): 1_000,
        ("decisions", "title"): 200,
        ("decisions", "description"): 5_000,
        ("decisions", "context"): 5_000,
        ("decisions", "outcome"): 5_000,
    }
    with database.read() as session:
        for (table, column), limit in limits.items():
            longest = session.execute(text(f"SELECT max(length({column})) FROM {table}")).scalar()
            assert longest is not None and 0 < longest <= limit, (table, column)
    earliest = before - dt.timedelta(days=span_days(2) + 1)
    for model in (StatusUpdate, Incident, Blocker, Decision):
        created_at = Base.metadata.tables[str(model.__tablename__)].c.created_at
        with database.read() as session:
            newest, oldest = session.execute(
                select(func.max(created_at), func.min(created_at))
            ).one()
        assert isinstance(oldest, dt.datetime) and isinstance(newest, dt.datetime)
        assert earliest <= oldest <= newest <= utcnow()


def test_same_seed_same_content_on_a_database_that_already_has_rows(database: Database) -> None:
    with database.write() as session:
        admin_id = UserRepository(session).add(
            email="admin@asyncops.local", password_hash="x", full_name="Admin", role="admin"
        )
    first = generate(database, scale=1, seed=42)
    titles = [row.title for row in _rows(database, Decision)]
    second = generate(database, scale=1, seed=42)
    all_titles = [row.title for row in _rows(database, Decision)]

    assert {k: v for k, v in first.items() if k != "daily_summaries"} == {
        k: v for k, v in second.items() if k != "daily_summaries"
    }
    # The second run repeats the content; only ids and e-mail addresses make room.
    assert all_titles == titles + titles
    assert second["daily_summaries"] == 0
    users = _rows(database, User)
    assert users[0].id == admin_id and users[0].email == "admin@asyncops.local"
    assert len({u.email for u in users}) == len(users)
    # Sequences were moved past the explicit ids: the app can insert again.
    with database.write() as session:
        new_id = UserRepository(session).add(
            email="new.person@example.com", password_hash="x", full_name="New", role="member"
        )
    assert new_id == max(u.id for u in users) + 1
    third = generate(database, scale=1, seed=43)
    assert [row.title for row in _rows(database, Decision)][-third["decisions"] :] != titles


def test_rejects_a_scale_below_one(database: Database) -> None:
    with pytest.raises(ValidationError):
        generate(database, scale=0)


def test_progress_reaches_the_total(database: Database) -> None:
    calls: list[tuple[int, int]] = []
    counts = generate(database, scale=1, progress=lambda done, total: calls.append((done, total)))
    total = sum(counts.values())
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_large_scale_plan_has_the_benchmark_sizes() -> None:
    demo = iter_batches(EMPTY, scale=1000, seed=1, now=NOW)
    totals = demo.totals
    assert 95_000 <= totals["decisions"] <= 105_000
    assert 200 <= totals["users"] <= 500
    assert 20_000 <= totals["status_updates"] <= 30_000
    assert 6_000 <= totals["incidents"] <= 10_000
    assert 6_000 <= totals["blockers"] <= 10_000
    assert 2.5 <= totals["decision_participants"] / totals["decisions"] <= 3.5
    assert 2.0 <= totals["decision_audit_log"] / totals["decisions"] <= 3.0
    assert len(demo.summary_days) == 90
    assert demo.summary_days[-1] == NOW.date() - dt.timedelta(days=1)


def test_cli_demo_data_command(db_url: str) -> None:
    out = io.StringIO()
    assert cli.main(["--db", db_url, "demo-data", "--scale", "1"], out=out) == 0
    assert "Inserted" in out.getvalue()
    database = Database(db_url)
    try:
        assert 10 <= _count(database, Decision) <= 15
    finally:
        database.dispose()


def test_benchmark_runs_at_a_tiny_scale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    from bench.run import MEASUREMENTS, main

    request.getfixturevalue("pg_server")
    pg_url = os.environ.get(
        "ASYNCOPS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    results = tmp_path / "latest.json"
    code = main(["--scale", "2", "--runs", "5", "--pg-url", pg_url, "--results", str(results)])

    output = capsys.readouterr().out
    assert code == 0
    for measurement in MEASUREMENTS:
        assert measurement in output
    saved = json.loads(results.read_text(encoding="utf-8"))
    names = {(row["measurement"], row["backend"]) for row in saved["rows"]}
    assert {name for name, _ in names} == set(MEASUREMENTS)
    assert {backend for _, backend in names} == {"sqlite", "postgresql"}
    assert all(row["verdict"] in ("PASS", "FAIL", "info") for row in saved["rows"])
