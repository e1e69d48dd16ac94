"""Services: validation naming the field, one transaction per action, permissions, audit rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from asyncops_desktop.domain.models import (
    Decision,
    DecisionAuditEntry,
    DecisionParticipant,
    Incident,
    StatusUpdate,
    User,
)
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.blockers import BlockerService
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.incidents import IncidentService
from asyncops_desktop.services.status_updates import StatusUpdateService
from asyncops_desktop.services.users import UserService


def _count(database: Database, model: type) -> int:
    with database.read() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"title": "", "content": "x"}, "title", "required"),
        ({"title": "x" * 201, "content": "x"}, "title", "at most 200"),
        ({"title": "ok", "content": "x" * 10_001}, "content", "at most 10,000"),
        ({"title": "nul\x00byte", "content": "x"}, "title", "NUL"),
        ({"title": "lone \ud800 surrogate", "content": "x"}, "title", "not valid Unicode"),
        ({"title": "ok", "content": "x", "tags": "one-string"}, "tags", "list"),
        ({"title": "ok", "content": "x", "tags": ["   "]}, "tags", "empty"),
        ({"title": "ok", "content": "x", "tags": ["t" * 51]}, "tags", "at most 50"),
        ({"title": 42, "content": "x"}, "title", "text"),
    ],
)
def test_status_update_validation_names_field_and_rule(
    database: Database, admin: Actor, kwargs: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as error:
        StatusUpdateService(database, admin).post(**kwargs)  # type: ignore[arg-type]
    assert error.value.field == field
    assert rule in error.value.message
    assert _count(database, StatusUpdate) == 0


def test_text_is_stored_exactly_as_given(database: Database, admin: Actor) -> None:
    title = "  ‮RTL mark, emoji 🚀, quotes ' \" and -- ; DROP TABLE users;  "
    content = "x" * 10_000
    service = StatusUpdateService(database, admin)
    posted = service.post(title=title, content=content, tags=["Ops", "ops", " release "])
    again = service.get(posted.id)
    assert again.title == title
    assert again.content == content
    assert again.tags == ("Ops", "release")
    assert again.author_name == "Ada Admin"


def test_members_edit_only_their_own_updates(
    database: Database, admin: Actor, member: Actor
) -> None:
    mine = StatusUpdateService(database, member).post(title="Mine", content="c")
    theirs = StatusUpdateService(database, admin).post(title="Admin's", content="c")
    edited = StatusUpdateService(database, member).edit(mine.id, title="Mine, edited")
    assert edited.title == "Mine, edited"
    assert edited.updated_at >= mine.updated_at
    with pytest.raises(PermissionDenied):
        StatusUpdateService(database, member).edit(theirs.id, title="hijack")
    assert StatusUpdateService(database, admin).get(theirs.id).title == "Admin's"
    with pytest.raises(NotFound):
        StatusUpdateService(database, admin).edit(999_999, title="x")


def test_user_creation_rules(database: Database, admin: Actor, member: Actor) -> None:
    service = UserService(database, admin)
    with pytest.raises(ConflictError):
        service.create(email="MAX.MEMBER@example.com", full_name="Dup", password="long enough pw")
    with pytest.raises(ValidationError) as error:
        service.create(email="not-an-email", full_name="X", password="long enough pw")
    assert error.value.field == "email"
    with pytest.raises(ValidationError) as error:
        service.create(email="x@example.com", full_name="X", password="short")
    assert error.value.field == "password"
    with pytest.raises(ValidationError) as error:
        service.create(email="x@example.com", full_name="X", password="é" * 40)
    assert "72 bytes" in error.value.message
    with pytest.raises(ValidationError) as error:
        service.create(
            email="x@example.com", full_name="X", password="long enough pw", role="owner"
        )
    assert error.value.field == "role"
    with pytest.raises(PermissionDenied):
        UserService(database, member).create(
            email="y@example.com", full_name="Y", password="long enough pw"
        )
    assert _count(database, User) == 2


def test_users_are_deactivated_not_deleted(database: Database, admin: Actor, member: Actor) -> None:
    service = UserService(database, admin)
    assert service.set_active(member.user_id, False).is_active is False
    assert [u.id for u in service.active_users()] == [admin.user_id]
    with pytest.raises(PermissionDenied):
        service.set_active(admin.user_id, False)
    with pytest.raises(ValidationError) as error:
        IncidentService(database, admin).report(
            title="t", description="d", assigned_to_id=member.user_id
        )
    assert error.value.field == "assigned_to_id"
    assert "deactivated" in error.value.message


def test_incident_workflow(database: Database, admin: Actor, member: Actor) -> None:
    service = IncidentService(database, admin)
    incident = service.report(
        title="DB slow", description="p99 up", severity="high", assigned_to_id=member.user_id
    )
    assert (incident.status, incident.assignee_name) == ("open", "Max Member")
    with pytest.raises(ValidationError) as error:
        service.change_status(incident.id, "closed")
    assert error.value.field == "status" and "allowed" in error.value.message
    service.change_status(incident.id, "in_progress")
    with pytest.raises(ValidationError) as error:
        service.change_status(incident.id, "resolved")
    assert error.value.field == "resolution_notes"
    resolved = service.change_status(incident.id, "resolved", resolution_notes="Added an index")
    assert resolved.resolved_at is not None and resolved.resolution_notes == "Added an index"
    reopened = service.change_status(incident.id, "open")
    assert reopened.resolved_at is None
    with pytest.raises(ValidationError) as error:
        service.report(title="t", description="d", severity="apocalyptic")
    assert error.value.field == "severity" and "low, medium, high, critical" in error.value.message
    unassigned = service.edit(incident.id, assigned_to_id=None)
    assert unassigned.assigned_to_id is None
    assert _count(database, Incident) == 1


def test_blocker_links_resolve_and_reopen(database: Database, admin: Actor) -> None:
    update = StatusUpdateService(database, admin).post(title="u", content="c")
    service = BlockerService(database, admin)
    with pytest.raises(ValidationError) as error:
        service.raise_blocker(description="d", impact="i", related_incident_id=123_456)
    assert error.value.field == "related_incident_id"
    blocker = service.raise_blocker(
        description="Waiting on API key", impact="No deploys", related_status_id=update.id
    )
    assert blocker.related_status_id == update.id
    with pytest.raises(ValidationError) as error:
        service.resolve(blocker.id, "")
    assert error.value.field == "resolution_notes"
    resolved = service.resolve(blocker.id, "Key arrived")
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    reopened = service.reopen(blocker.id)
    assert reopened.status == "active" and reopened.resolved_at is None


def _record(database: Database, actor: Actor, **overrides: object) -> int:
    values: dict[str, object] = {
        "title": "Adopt PostgreSQL",
        "description": "A shared server",
        "context": "The team grew",
        "outcome": "Migrate in Q3",
        "decision_date": dt.date(2026, 2, 1),
        "tags": ["infra"],
        "participant_ids": [actor.user_id],
    }
    values.update(overrides)
    return DecisionService(database, actor).record(**values).decision.id  # type: ignore[arg-type]


def test_decision_create_writes_one_created_row_with_the_state(
    database: Database, admin: Actor, member: Actor
) -> None:
    decision_id = _record(
        database, admin, participant_ids=[member.user_id, admin.user_id, member.user_id]
    )
    detail = DecisionService(database, admin).get(decision_id)
    assert detail.participant_ids == tuple(sorted({admin.user_id, member.user_id}))
    history = DecisionService(database, admin).history(decision_id)
    assert [(h.change_type, h.field_name) for h in history] == [("created", None)]
    state = json.loads(history[0].new_value or "")
    assert state["title"] == "Adopt PostgreSQL"
    assert state["decision_date"] == "2026-02-01"
    assert json.loads(state["participants"]) == sorted([admin.user_id, member.user_id])


def test_decision_update_audits_each_changed_field_and_nothing_else(
    database: Database, admin: Actor, member: Actor
) -> None:
    decision_id = _record(database, admin)
    service = DecisionService(database, admin)
    service.update(
        decision_id,
        title="Adopt PostgreSQL 16",
        outcome="Migrate in Q3",
        tags=["infra", "db"],
        participant_ids=[admin.user_id, member.user_id],
    )
    history = service.history(decision_id)
    changes = {
        h.field_name: (h.old_value, h.new_value) for h in history if h.change_type == "updated"
    }
    assert changes == {
        "title": ("Adopt PostgreSQL", "Adopt PostgreSQL 16"),
        "tags": ('["infra"]', '["infra", "db"]'),
        "participants": (f"[{admin.user_id}]", json.dumps(sorted([admin.user_id, member.user_id]))),
    }
    before = _count(database, DecisionAuditEntry)
    service.update(
        decision_id, title="Adopt PostgreSQL 16", participant_ids=[member.user_id, admin.user_id]
    )
    assert _count(database, DecisionAuditEntry) == before


def test_invalid_decision_update_saves_nothing(database: Database, admin: Actor) -> None:
    decision_id = _record(database, admin)
    service = DecisionService(database, admin)
    audit_before = _count(database, DecisionAuditEntry)
    with pytest.raises(ValidationError) as error:
        service.update(decision_id, title="Fine", context="x" * 5_001)
    assert error.value.field == "context"
    with pytest.raises(ValidationError) as error:
        service.update(decision_id, title="Fine", participant_ids=[987_654])
    assert error.value.field == "participant_ids"
    with pytest.raises(ValidationError) as error:
        service.update(decision_id, decision_date=dt.date(1, 1, 1))
    assert error.value.field == "decision_date"
    assert service.get(decision_id).decision.title == "Adopt PostgreSQL"
    assert _count(database, DecisionAuditEntry) == audit_before


def test_invalid_new_decision_leaves_no_rows(database: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError) as error:
        _record(database, admin, participant_ids=[admin.user_id, 555_555])
    assert error.value.field == "participant_ids"
    with pytest.raises(ValidationError) as error:
        _record(database, admin, outcome=None)
    assert error.value.field == "outcome"
    assert (
        _count(database, Decision),
        _count(database, DecisionParticipant),
        _count(database, DecisionAuditEntry),
    ) == (0, 0, 0)


def test_decision_search_through_the_service(database: Database, admin: Actor) -> None:
    from asyncops_desktop.repositories.decisions import DecisionFilter

    _record(database, admin, title="Move builds to the monorepo")
    _record(database, admin, title="Quarterly planning cadence")
    service = DecisionService(database, admin)
    assert [d.title for d in service.page(DecisionFilter(text="monorepo")).rows] == [
        "Move builds to the monorepo"
    ]
    assert service.count(DecisionFilter(tag="infra")) == 2


def test_deactivated_participants_stay_but_cannot_be_added(
    database: Database, admin: Actor, member: Actor
) -> None:
    decision_id = _record(database, admin, participant_ids=[admin.user_id, member.user_id])
    UserService(database, admin).set_active(member.user_id, False)
    service = DecisionService(database, admin)
    # Saving the decision with its existing participants still works.
    updated = service.update(
        decision_id, title="Still editable", participant_ids=[member.user_id, admin.user_id]
    )
    assert updated.participant_ids == tuple(sorted([admin.user_id, member.user_id]))
    other = _record(database, admin, title="Another")
    with pytest.raises(ValidationError) as error:
        service.update(other, participant_ids=[admin.user_id, member.user_id])
    assert error.value.field == "participant_ids" and "deactivated" in error.value.message


def test_stale_edits_of_updates_incidents_and_blockers_raise_conflicts(
    database: Database, admin: Actor
) -> None:
    from asyncops_desktop.domain.errors import EditConflict

    updates = StatusUpdateService(database, admin)
    update = updates.post(title="Weekly", content="c")
    updates.edit(update.id, title="Weekly (edited)", expected_version=update.version)
    with pytest.raises(EditConflict) as conflict:
        updates.edit(update.id, content="mine", expected_version=update.version)
    assert getattr(conflict.value.current, "title", None) == "Weekly (edited)"
    assert updates.get(update.id).content == "c"

    incidents = IncidentService(database, admin)
    incident = incidents.report(title="t", description="d")
    incidents.change_status(incident.id, "in_progress", expected_version=incident.version)
    with pytest.raises(EditConflict):
        incidents.edit(incident.id, severity="high", expected_version=incident.version)
    with pytest.raises(EditConflict):
        incidents.change_status(incident.id, "open", expected_version=incident.version)
    assert incidents.get(incident.id).version == incident.version + 1

    blockers = BlockerService(database, admin)
    blocker = blockers.raise_blocker(description="d", impact="i")
    blockers.edit(blocker.id, impact="bigger", expected_version=blocker.version)
    with pytest.raises(EditConflict):
        blockers.resolve(blocker.id, "done", expected_version=blocker.version)
    assert (
        blockers.resolve(blocker.id, "done", expected_version=blocker.version + 1).status
        == "resolved"
    )
    # An edit that changes nothing does not count as a new version.
    unchanged = updates.edit(update.id, title="Weekly (edited)")
    assert unchanged.version == update.version + 1
