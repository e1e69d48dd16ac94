"""What every service shares: the acting user, one transaction per action, error translation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from asyncops_desktop.db import Database, describe_error
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import (
    ConflictError,
    DatabaseUnavailable,
    EditConflict,
    PasswordChangeRequired,
    PermissionDenied,
    ValidationError,
)


@dataclass(frozen=True)
class Actor:
    """The signed-in user on whose behalf a service acts."""

    user_id: int
    role: Role = Role.MEMBER
    must_change_password: bool = False

    @property
    def is_admin(self) -> bool:
        """Admins manage users and may edit anyone's records."""
        return self.role is Role.ADMIN


class Service:
    """Base class: each public method is one user action in one transaction."""

    def __init__(self, database: Database, actor: Actor) -> None:
        self.database = database
        self.actor = actor

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One transaction for one action: validation, the change and its audit commit together."""
        self._require_password_chosen()
        try:
            with self.database.write() as session:
                yield session
        except IntegrityError as exc:
            raise ConflictError(_integrity_message(exc)) from exc
        except (DBAPIError, SQLAlchemyError) as exc:
            raise DatabaseUnavailable(describe_error(exc, self.database.url)) from exc

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only unit of work."""
        self._require_password_chosen()
        try:
            with self.database.read() as session:
                yield session
        except (DBAPIError, SQLAlchemyError) as exc:
            raise DatabaseUnavailable(describe_error(exc, self.database.url)) from exc

    @staticmethod
    def _bump_version(
        row: object, expected: int | None, entity: str, current: Callable[[], object]
    ) -> None:
        """Refuse a save based on an older version (``EditConflict``), else count this change."""
        version = int(getattr(row, "version"))  # noqa: B009
        if expected is not None and version != expected:
            raise EditConflict(entity, getattr(row, "id"), current())  # noqa: B009
        setattr(row, "version", version + 1)  # noqa: B010

    def _require_password_chosen(self) -> None:
        if self.actor.must_change_password:
            raise PasswordChangeRequired()

    def _require_admin(self, what: str) -> None:
        if not self.actor.is_admin:
            raise PermissionDenied(f"Only an admin can {what}.")

    def _require_owner_or_admin(self, owner_id: int, what: str) -> None:
        if owner_id != self.actor.user_id and not self.actor.is_admin:
            raise PermissionDenied(f"Only its author or an admin can {what}.")


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc.orig).lower()
    if "email" in text and ("unique" in text or "duplicate" in text):
        return "That email address is already used by another account."
    if "foreign key" in text:
        return "The record refers to something that no longer exists, or is still referred to."
    return "The change conflicts with another record and was not saved."


def require_active_user(session: Session, field: str, user_id: int) -> None:
    """``user_id`` names an existing, active user, else a ValidationError on ``field``."""
    from asyncops_desktop.repositories.users import UserRepository

    user = UserRepository(session).get(user_id)
    if user is None:
        raise ValidationError(field, f"user {user_id} does not exist")
    if not user.is_active:
        raise ValidationError(field, f"{user.full_name} is deactivated")
