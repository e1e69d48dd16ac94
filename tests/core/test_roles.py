"""The role table, enforced in the services whatever the UI shows.

| action | member | admin |
| create status updates, incidents, blockers, decisions | yes | yes |
| edit or delete own status update | yes | any |
| edit an incident | reporter or assignee | any |
| resolve / reopen a blocker | reporter | any |
| edit a decision | creator or participant | any |
| manage users, upgrade a shared schema | no | yes |
| change the audit log | nobody | nobody |
"""

from __future__ import annotations

import datetime as dt

import pytest

from asyncops_desktop.db import Database
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import PermissionDenied
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.blockers import BlockerService
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.incidents import IncidentService
from asyncops_desktop.services.status_updates import StatusUpdateService
from asyncops_desktop.services.users import UserService


@pytest.fixture
def other(database: Database, admin: Actor) -> Actor:
    """A second member who owns nothing of the first member's."""
    user = UserService(database, admin).create(
        email="olga@example.com", full_name="Olga Other", password="other password 1"
    )
    return Actor(user.id, Role.MEMBER)


def _decision(database: Database, actor: Actor, participants: list[int]) -> int:
    detail = DecisionService(database, actor).record(
        title="t",
        description="d",
        context="c",
        outcome="o",
        decision_date=dt.date(2026, 1, 1),
        participant_ids=participants,
    )
    return detail.decision.id


def test_members_and_admins_create_everything(
    database: Database, admin: Actor, member: Actor
) -> None:
    for actor in (member, admin):
        StatusUpdateService(database, actor).post(title="t", content="c")
        IncidentService(database, actor).report(title="t", description="d")
        BlockerService(database, actor).raise_blocker(description="d", impact="i")
        _decision(database, actor, [])
    assert StatusUpdateService(database, admin).count() == 2


def test_status_updates_edit_and_delete_own_or_admin(
    database: Database, admin: Actor, member: Actor, other: Actor
) -> None:
    mine = StatusUpdateService(database, member).post(title="mine", content="c")
    with pytest.raises(PermissionDenied):
        StatusUpdateService(database, other).edit(mine.id, title="x")
    with pytest.raises(PermissionDenied):
        StatusUpdateService(database, other).delete(mine.id)
    StatusUpdateService(database, member).edit(mine.id, title="mine 2")
    StatusUpdateService(database, admin).edit(mine.id, title="by admin")
    StatusUpdateService(database, member).delete(mine.id)
    second = StatusUpdateService(database, member).post(title="second", content="c")
    StatusUpdateService(database, admin).delete(second.id)
    assert StatusUpdateService(database, admin).count() == 0


def test_incident_edits_by_reporter_assignee_or_admin(
    database: Database, admin: Actor, member: Actor, other: Actor
) -> None:
    incident = IncidentService(database, member).report(title="t", description="d")
    with pytest.raises(PermissionDenied):
        IncidentService(database, other).edit(incident.id, title="x")
    with pytest.raises(PermissionDenied):
        IncidentService(database, other).change_status(incident.id, "in_progress")
    IncidentService(database, member).edit(incident.id, assigned_to_id=other.user_id)
    IncidentService(database, other).change_status(incident.id, "in_progress")
    IncidentService(database, admin).edit(incident.id, severity="critical")
    assert IncidentService(database, admin).get(incident.id).severity == "critical"


def test_blockers_resolved_by_reporter_or_admin(
    database: Database, admin: Actor, member: Actor, other: Actor
) -> None:
    blocker = BlockerService(database, member).raise_blocker(description="d", impact="i")
    with pytest.raises(PermissionDenied):
        BlockerService(database, other).resolve(blocker.id, "done")
    BlockerService(database, member).resolve(blocker.id, "done")
    with pytest.raises(PermissionDenied):
        BlockerService(database, other).reopen(blocker.id)
    BlockerService(database, admin).reopen(blocker.id)
    with pytest.raises(PermissionDenied):
        BlockerService(database, other).edit(blocker.id, impact="x")


def test_decisions_edited_by_creator_participant_or_admin(
    database: Database, admin: Actor, member: Actor, other: Actor
) -> None:
    decision_id = _decision(database, member, [])
    with pytest.raises(PermissionDenied):
        DecisionService(database, other).update(decision_id, title="x")
    DecisionService(database, member).update(decision_id, participant_ids=[other.user_id])
    DecisionService(database, other).update(decision_id, title="by participant")
    DecisionService(database, admin).update(decision_id, outcome="by admin")
    history = DecisionService(database, admin).history(decision_id)
    assert [h.changed_by_id for h in history if h.change_type == "updated"] == [
        admin.user_id,
        other.user_id,
        member.user_id,
    ]


def test_only_admins_manage_users(
    database: Database, admin: Actor, member: Actor, other: Actor
) -> None:
    users = UserService(database, member)
    for attempt in (
        lambda: users.create(email="z@example.com", full_name="Z", password="long password 1"),
        lambda: users.update(other.user_id, full_name="x"),
        lambda: users.set_active(other.user_id, False),
        lambda: users.reset_password(other.user_id),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    UserService(database, admin).set_active(other.user_id, False)


def test_nobody_changes_the_audit_log_through_the_services(
    database: Database, admin: Actor
) -> None:
    from asyncops_desktop.repositories.decisions import AuditRepository

    public = {name for name in dir(AuditRepository) if not name.startswith("_")}
    assert public == {"add", "for_decision"}
    for service in (DecisionService,):
        assert not any(
            "audit" in name and name != "history"
            for name in dir(service)
            if not name.startswith("_")
        )
