"""User accounts: create, list, activate and deactivate (never delete)."""

from __future__ import annotations

import bcrypt

from asyncops_desktop.domain.dto import Page, UserDTO
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
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
        """Activate or deactivate an account (admins only; an admin cannot lock themself out)."""
        self._require_admin("activate or deactivate accounts")
        v.identifier("user_id", user_id)
        if user_id == self.actor.user_id and not active:
            raise PermissionDenied("You cannot deactivate your own account.")
        with self._write() as session:
            users = UserRepository(session)
            if users.get(user_id) is None:
                raise NotFound("User", user_id)
            users.set_active(user_id, active)
            session.flush()
            updated = users.get(user_id)
        assert updated is not None
        return updated

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
