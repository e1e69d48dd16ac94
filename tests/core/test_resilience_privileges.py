"""Scenario 6: the least-privilege role from ``db grant-sql`` runs the app but not the schema.

PostgreSQL only (SQLite has no roles). The test creates the role on a test database with a
test password (the server trusts loopback anyway), runs the services as it, and shows that
DDL and rewriting the audit log are refused by the server itself, not just by the services.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from asyncops_desktop import cli
from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.migrate import open_database
from asyncops_desktop.privileges import PASSWORD_PLACEHOLDER, grant_sql
from asyncops_desktop.services.auth import AuthService
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.blockers import BlockerService
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.incidents import IncidentService
from asyncops_desktop.services.status_updates import StatusUpdateService
from asyncops_desktop.services.users import UserService
from asyncops_desktop.summaries import refresh_summary
from asyncops_desktop.verify import verify

TEST_PASSWORD = "only-for-this-test"
FORBIDDEN = [
    "CREATE TABLE intruder (id integer)",
    "ALTER TABLE decisions ADD COLUMN sneaky integer",
    "DROP TABLE blockers",
    "CREATE INDEX sneaky_index ON decisions (title)",
    "UPDATE decision_audit_log SET new_value = 'rewritten'",
    "DELETE FROM decision_audit_log",
    "TRUNCATE decision_audit_log",
    "DROP TRIGGER audit_log_append_only ON decision_audit_log",
    "UPDATE alembic_version SET version_num = 'x'",
]


def test_grant_sql_output() -> None:
    """A group role by default; a login role gets a placeholder, never a secret."""
    out = io.StringIO()
    assert cli.main(["db", "grant-sql", "--role", "asyncops_app"], out=out) == 0
    group = out.getvalue()
    assert "CREATE ROLE asyncops_app NOLOGIN;" in group and "PASSWORD" not in group
    assert "GRANT SELECT, INSERT ON public.decision_audit_log TO asyncops_app;" in group
    assert "CREATE ON SCHEMA public FROM PUBLIC" in group
    login = grant_sql("asyncops_app", login=True)
    assert f"LOGIN PASSWORD '{PASSWORD_PLACEHOLDER}'" in login
    for bad in ("Robert'; DROP TABLE users;--", "x" * 64, "", "UPPER"):
        with pytest.raises(ValidationError) as info:
            grant_sql(bad)
        assert info.value.field == "role"


@pytest.fixture
def app_role(backend: str, db_url: str) -> Iterator[str]:
    """A login role created by running grant-sql's output as the owner; dropped afterwards."""
    role = f"asyncops_app_{uuid.uuid4().hex[:10]}"
    owner = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    sql = grant_sql(role, login=True).replace(PASSWORD_PLACEHOLDER, TEST_PASSWORD)
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(sql.encode())
    yield role
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,)
        )
        conn.execute(f"DROP OWNED BY {role}".encode())
        conn.execute(f"DROP ROLE {role}".encode())


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_app_works_as_the_role_and_cannot_change_schema_or_history(
    db_url: str, admin: Actor, member: Actor, app_role: str
) -> None:
    """Every service works as the role; DDL and audit UPDATE/DELETE are refused."""
    url = (
        make_url(db_url)
        .set(username=app_role, password=TEST_PASSWORD)
        .render_as_string(hide_password=False)
    )
    database = open_database(url)
    try:
        with database.read() as session:
            assert session.execute(text("SELECT current_user")).scalar_one() == app_role
        _normal_work(database, admin, member)
        assert verify(database).ok
        for statement in FORBIDDEN:
            with pytest.raises(DBAPIError) as info, database.engine.begin() as conn:
                conn.exec_driver_sql(statement)
            message = str(info.value.orig).lower()
            assert "permission denied" in message or "must be owner" in message, statement
    finally:
        database.dispose()


def _normal_work(database: Database, admin: Actor, member: Actor) -> None:
    users = UserService(database, admin)
    created = users.create(
        email="role.user@example.com", full_name="Role User", password="role user password"
    )
    users.update(created.id, full_name="Role User Renamed")
    signed_in = AuthService(database).sign_in("role.user@example.com", "role user password")
    token = AuthService(database).issue_token(signed_in.user.id)
    AuthService(database).revoke_token(token)
    statuses = StatusUpdateService(database, member)
    status = statuses.post(title="As the role", content="Works.", tags=["privileges"])
    statuses.edit(status.id, content="Still works.")
    incidents = IncidentService(database, admin)
    incident = incidents.report(
        title="Down", description="It broke.", assigned_to_id=member.user_id
    )
    incidents.change_status(incident.id, "resolved", resolution_notes="Fixed.")
    blockers = BlockerService(database, member)
    blocker = blockers.raise_blocker(
        description="Waiting", impact="Late", related_incident_id=incident.id
    )
    blockers.resolve(blocker.id, "Done.")
    decisions = DecisionService(database, admin)
    decision = decisions.record(
        title="Least privilege",
        description="The app runs as a role without DDL.",
        context="Security review.",
        outcome="Adopted.",
        decision_date=dt.date(2026, 1, 5),
        participant_ids=[member.user_id],
    )
    decisions.update(decision.decision.id, outcome="Adopted everywhere.", participant_ids=[])
    decisions.delete(decision.decision.id)
    decisions.restore(decision.decision.id)
    statuses.delete(status.id)
    refresh_summary(database, dt.date(2026, 1, 5))
