"""Sign-in: same message for wrong email or password, throttling across restarts, tokens,
must-change flows, first admin, last-admin rule."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import (
    ConflictError,
    InvalidCredentials,
    PasswordChangeRequired,
    PermissionDenied,
    SignInLocked,
    ValidationError,
)
from asyncops_desktop.domain.models import RememberToken, User
from asyncops_desktop.services.auth import (
    INITIAL_ADMIN_EMAIL,
    AuthService,
    lock_duration,
    token_digest,
)
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.status_updates import StatusUpdateService
from asyncops_desktop.services.users import UserService

ADMIN_PASSWORD = "correct horse battery"
MEMBER_PASSWORD = "member password 1"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 21, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now


def auth(database: Database, clock: Clock | None = None) -> AuthService:
    return AuthService(database, bcrypt_rounds=4, clock=clock or Clock())


def test_sign_in_and_same_message_for_wrong_email_or_password(
    database: Database, admin: Actor
) -> None:
    signed = auth(database).sign_in("  ADMIN@example.com ", ADMIN_PASSWORD)
    assert signed.actor == admin
    with pytest.raises(InvalidCredentials) as wrong_password:
        auth(database).sign_in("admin@example.com", "not the password")
    with pytest.raises(InvalidCredentials) as wrong_email:
        auth(database).sign_in("nobody@example.com", ADMIN_PASSWORD)
    assert str(wrong_password.value) == str(wrong_email.value) == "Wrong email or password."


def test_inactive_users_cannot_sign_in(database: Database, admin: Actor, member: Actor) -> None:
    UserService(database, admin).set_active(member.user_id, False)
    with pytest.raises(InvalidCredentials, match="deactivated"):
        auth(database).sign_in("max.member@example.com", MEMBER_PASSWORD)


def test_throttle_locks_after_five_failures_and_survives_a_restart(
    database: Database, admin: Actor
) -> None:
    clock = Clock()
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            auth(database, clock).sign_in("admin@example.com", "wrong")
    with pytest.raises(SignInLocked) as locked:
        auth(database, clock).sign_in("admin@example.com", "wrong")
    assert locked.value.until == clock.now + dt.timedelta(minutes=1)
    # A new service (as after restarting the app) still refuses, even the right password.
    restarted = auth(Database(database.url), clock)
    with pytest.raises(SignInLocked) as still:
        restarted.sign_in("admin@example.com", ADMIN_PASSWORD)
    assert "09:01:00" in str(still.value)
    assert restarted.locked_until("admin@example.com") == locked.value.until
    clock.now += dt.timedelta(minutes=1, seconds=1)
    with pytest.raises(SignInLocked) as longer:
        restarted.sign_in("admin@example.com", "wrong again")
    assert longer.value.until == clock.now + dt.timedelta(minutes=2)
    clock.now += dt.timedelta(minutes=3)
    assert restarted.sign_in("admin@example.com", ADMIN_PASSWORD).user.id == admin.user_id
    # Success clears the count: four more failures do not lock.
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            restarted.sign_in("admin@example.com", "wrong")
    restarted.database.dispose()


def test_lock_grows_and_is_capped() -> None:
    assert lock_duration(4) is None
    assert lock_duration(5) == dt.timedelta(minutes=1)
    assert lock_duration(7) == dt.timedelta(minutes=4)
    assert lock_duration(40) == dt.timedelta(hours=1)


def test_remember_me_token_sign_in_and_revocation(database: Database, admin: Actor) -> None:
    clock = Clock()
    service = auth(database, clock)
    token = service.issue_token(admin.user_id)
    with database.read() as session:
        stored = session.execute(select(RememberToken.token_hash)).scalars().all()
    assert stored == [token_digest(token)] and token not in stored
    assert service.sign_in_with_token(token).user.id == admin.user_id
    service.revoke_token(token)
    with pytest.raises(InvalidCredentials, match="sign in again"):
        service.sign_in_with_token(token)


def test_tokens_expire_and_are_revoked_by_password_change_and_by_admins(
    database: Database, admin: Actor, member: Actor
) -> None:
    clock = Clock()
    service = auth(database, clock)
    expiring = service.issue_token(member.user_id)
    clock.now += dt.timedelta(days=31)
    with pytest.raises(InvalidCredentials):
        service.sign_in_with_token(expiring)
    by_change = service.issue_token(member.user_id)
    service.change_password(member, MEMBER_PASSWORD, "a brand new password")
    with pytest.raises(InvalidCredentials):
        service.sign_in_with_token(by_change)
    by_admin = service.issue_token(member.user_id)
    UserService(database, admin).set_active(member.user_id, False)
    with pytest.raises(InvalidCredentials):
        service.sign_in_with_token(by_admin)


def test_change_password_rules(database: Database, member: Actor) -> None:
    service = auth(database)
    with pytest.raises(ValidationError) as error:
        service.change_password(member, "wrong current", "a brand new password")
    assert error.value.field == "current_password"
    with pytest.raises(ValidationError) as error:
        service.change_password(member, MEMBER_PASSWORD, "x" * 73)
    assert error.value.field == "password" and "72 bytes" in error.value.message
    with pytest.raises(ValidationError):
        service.change_password(member, MEMBER_PASSWORD, MEMBER_PASSWORD)
    service.change_password(member, MEMBER_PASSWORD, "a brand new password")
    assert (
        service.sign_in("max.member@example.com", "a brand new password").user.id == member.user_id
    )


def test_first_admin_only_on_an_empty_database(database: Database) -> None:
    service = auth(database)
    assert service.has_users() is False
    signed = service.create_first_admin(
        full_name="Grace", email="grace@example.com", password="a long password"
    )
    assert signed.actor.is_admin and not signed.must_change_password
    with pytest.raises(ConflictError):
        service.create_first_admin(
            full_name="Eve", email="eve@example.com", password="a long password"
        )
    assert service.create_initial_admin_if_empty() is None


def test_initial_admin_must_change_password_before_anything_else(database: Database) -> None:
    service = auth(database)
    created = service.create_initial_admin_if_empty()
    assert created is not None
    email, password = created
    assert email == INITIAL_ADMIN_EMAIL and len(password) >= 16
    signed = service.sign_in(email, password)
    assert signed.must_change_password
    with pytest.raises(PasswordChangeRequired):
        StatusUpdateService(database, signed.actor).post(title="t", content="c")
    with pytest.raises(PasswordChangeRequired):
        UserService(database, signed.actor).active_users()
    changed = service.change_password(signed.actor, password, "my own admin password")
    assert not changed.must_change_password
    StatusUpdateService(database, changed.actor).post(title="t", content="c")


def test_reset_password_is_temporary(database: Database, admin: Actor, member: Actor) -> None:
    temporary = UserService(database, admin).reset_password(member.user_id)
    with pytest.raises(InvalidCredentials):
        auth(database).sign_in("max.member@example.com", MEMBER_PASSWORD)
    signed = auth(database).sign_in("max.member@example.com", temporary)
    assert signed.must_change_password
    with pytest.raises(PermissionDenied):
        UserService(database, member).reset_password(admin.user_id)


def test_last_active_admin_cannot_be_deactivated_or_demoted(
    database: Database, admin: Actor, member: Actor
) -> None:
    users = UserService(database, admin)
    with pytest.raises(PermissionDenied, match="last active admin"):
        users.update(admin.user_id, role="member")
    with pytest.raises(PermissionDenied, match="last active admin"):
        users.set_active(admin.user_id, False)
    users.update(member.user_id, role="admin")
    users.update(admin.user_id, role="member")
    with database.read() as session:
        admins = session.execute(
            select(func.count()).select_from(User).where(User.role == "admin")
        ).scalar_one()
    assert admins == 1


def test_users_rename_themselves_but_only_admins_edit_others(
    database: Database, admin: Actor, member: Actor
) -> None:
    assert UserService(database, member).rename_self("Max M.").full_name == "Max M."
    with pytest.raises(PermissionDenied):
        UserService(database, member).update(admin.user_id, full_name="Hacked")
    with pytest.raises(ConflictError):
        UserService(database, admin).update(member.user_id, email="ADMIN@example.com")
    assert (
        UserService(database, admin).update(member.user_id, email="max@example.com").email
        == "max@example.com"
    )


def test_admin_check_on_an_older_schema(database: Database, admin: Actor, member: Actor) -> None:
    from asyncops_desktop import migrate

    migrate.downgrade(database.engine, "0001_initial")
    service = auth(database)
    assert service.is_admin_on_any_schema("admin@example.com", ADMIN_PASSWORD) is True
    assert service.is_admin_on_any_schema("admin@example.com", "wrong") is False
    assert service.is_admin_on_any_schema("max.member@example.com", MEMBER_PASSWORD) is False
    assert service.is_admin_on_any_schema("nobody@example.com", ADMIN_PASSWORD) is False
