"""User accounts: create, list, activate and deactivate (never delete)."""

from __future__ import annotations

import bcrypt
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from asyncops_desktop.domain.dto import Page, UserDTO
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from asyncops_desktop.domain.models import RememberToken, User
from asyncops_desktop.repositories.base import Cursor, Sort
from asyncops_desktop.repositories.users import UserFilter, UserRepository
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Service

PASSWORD_MIN = 10
PASSWORD_MAX_BYTES = 72  # bcrypt ignores (bcrypt 5: rejects) anything longer
DEFAULT_BCRYPT_ROUNDS = 12


def check_password_rules(password: object) -> str:
    """A new password: at least 10 characters and at most bcrypt's 72 bytes."""
    if not isinstance(password, str):
        raise ValidationError("password", "must be text")
    if len(password) < PASSWORD_MIN:
        raise ValidationError("password", f"must be at least {PASSWORD_MIN} characters")
    v.storable("password", password)
    if len(password.encode("utf-8")) > PASSWORD_MAX_BYTES:
        raise ValidationError(
            "password", f"must be at most {PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt's limit)"
        )
    return password


def hash_password(password: str, rounds: int = DEFAULT_BCRYPT_ROUNDS) -> str:
    """A bcrypt hash of a password that passed ``check_password_rules``."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


class UserService(Service):
    """Account management; only admins change accounts."""

    bcrypt_rounds = DEFAULT_BCRYPT_ROUNDS

    def create(self, *, email: str, full_name: str, password: str, role: str = "member") -> UserDTO:
        """Create an account (admins only)."""
        self._require_admin("create accounts")
        address = v.email("email", email)
        name = v.text("full_name", full_name, v.NAME_MAX)
        chosen_role = v.choice("role", role, Role)
        secret = hash_password(check_password_rules(password), self.bcrypt_rounds)
        with self._write() as session:
            users = UserRepository(session)
            if users.by_email(address) is not None:
                raise ConflictError("That email address is already used by another account.")
            user_id = users.add(
                email=address, password_hash=secret, full_name=name, role=chosen_role.value
            )
            created = users.get(user_id)
        assert created is not None
        return created

    def set_active(self, user_id: int, active: bool) -> UserDTO:
        """Activate or deactivate an account (admins only; never the last active admin)."""
        self._require_admin("activate or deactivate accounts")
        v.identifier("user_id", user_id)
        with self._write() as session:
            row = self._row(session, user_id)
            if not active and row.is_active and row.role == Role.ADMIN.value:
                self._keep_an_admin(session, user_id, "deactivate")
            row.is_active = active
            if not active:
                session.execute(delete(RememberToken).where(RememberToken.user_id == user_id))
            return self._reload(session, user_id)

    def update(
        self,
        user_id: int,
        *,
        full_name: str | None = None,
        email: str | None = None,
        role: str | None = None,
    ) -> UserDTO:
        """Change an account's name, email or role (admins only; never demote the last admin)."""
        self._require_admin("edit accounts")
        v.identifier("user_id", user_id)
        changes: dict[str, object] = {}
        if full_name is not None:
            changes["full_name"] = v.text("full_name", full_name, v.NAME_MAX)
        if email is not None:
            changes["email"] = v.email("email", email)
        if role is not None:
            changes["role"] = v.choice("role", role, Role).value
        with self._write() as session:
            row = self._row(session, user_id)
            if (
                changes.get("role") == Role.MEMBER.value
                and row.role == Role.ADMIN.value
                and row.is_active
            ):
                self._keep_an_admin(session, user_id, "demote")
            address = changes.get("email")
            if (
                isinstance(address, str)
                and address != row.email
                and UserRepository(session).by_email(address) is not None
            ):
                raise ConflictError("That email address is already used by another account.")
            for name, value in changes.items():
                setattr(row, name, value)
            return self._reload(session, user_id)

    def rename_self(self, full_name: str) -> UserDTO:
        """Change one's own display name (any signed-in user)."""
        name = v.text("full_name", full_name, v.NAME_MAX)
        with self._write() as session:
            row = self._row(session, self.actor.user_id)
            row.full_name = name
            return self._reload(session, self.actor.user_id)

    def reset_password(self, user_id: int) -> str:
        """Give an account a temporary password (shown once) that must be changed at sign-in."""
        self._require_admin("reset passwords")
        v.identifier("user_id", user_id)
        from asyncops_desktop.services.auth import generate_password

        temporary = generate_password()
        secret = hash_password(temporary, self.bcrypt_rounds)
        with self._write() as session:
            row = self._row(session, user_id)
            row.password_hash = secret
            row.must_change_password = True
            session.execute(delete(RememberToken).where(RememberToken.user_id == user_id))
        return temporary

    def _row(self, session: Session, user_id: int) -> User:
        row = session.get(User, user_id)
        if row is None:
            raise NotFound("User", user_id)
        return row

    def _reload(self, session: Session, user_id: int) -> UserDTO:
        session.flush()
        user = UserRepository(session).get(user_id)
        assert user is not None
        return user

    def _keep_an_admin(self, session: Session, user_id: int, what: str) -> None:
        # Lock the other admins' rows (PostgreSQL) so two admins cannot demote each other at once;
        # SQLite's write lock already serialises this.
        others = session.execute(
            select(User.id)
            .where(User.role == Role.ADMIN.value, User.is_active.is_(True), User.id != user_id)
            .with_for_update()
        ).all()
        if not others:
            raise PermissionDenied(
                f"You cannot {what} the last active admin: make someone else an admin first."
            )

    def get(self, user_id: int) -> UserDTO:
        """One user."""
        with self._read() as session:
            user = UserRepository(session).get(user_id)
        if user is None:
            raise NotFound("User", user_id)
        return user

    def page(
        self,
        filters: UserFilter | None = None,
        sort: Sort | None = None,
        *,
        after: Cursor | None = None,
        limit: int = 50,
    ) -> Page[UserDTO]:
        """A page of users."""
        with self._read() as session:
            return UserRepository(session).page(filters, sort, after=after, limit=limit)

    def active_users(self) -> list[UserDTO]:
        """Everyone who can be assigned or take part in a decision."""
        with self._read() as session:
            return UserRepository(session).active_users()
