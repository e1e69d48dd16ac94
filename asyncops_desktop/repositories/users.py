"""Users: lookups by id and email, paging, counting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, or_, select

from asyncops_desktop.domain.dto import UserDTO
from asyncops_desktop.domain.models import User
from asyncops_desktop.repositories.base import AnySelect, Repository, Sort, like_pattern


@dataclass(frozen=True)
class UserFilter:
    """Which users to list."""

    role: str | None = None
    active: bool | None = None
    text: str | None = None


class UserRepository(Repository[UserDTO]):
    """Queries on ``users``; the password hash only leaves through ``password_hash_for``."""

    entity_name = "User"
    id_column: ClassVar[ColumnElement[int]] = User.__table__.c.id
    default_sort = Sort("full_name", descending=False)

    def _select(self) -> AnySelect:
        return select(
            User.id,
            User.email,
            User.full_name,
            User.role,
            User.is_active,
            User.created_at,
            User.updated_at,
            User.must_change_password,
        )

    def _sort_columns(self) -> Mapping[str, ColumnElement[Any]]:
        return {
            "full_name": User.__table__.c.full_name,
            "email": User.__table__.c.email,
            "created_at": User.__table__.c.created_at,
            "id": User.__table__.c.id,
        }

    def _to_dto(self, row: Sequence[Any]) -> UserDTO:
        return UserDTO(*row)

    def _conditions(self, filters: UserFilter | None) -> list[ColumnElement[bool]]:
        if filters is None:
            return []
        conditions: list[ColumnElement[bool]] = []
        if filters.role is not None:
            conditions.append(User.role == filters.role)
        if filters.active is not None:
            conditions.append(User.is_active.is_(filters.active))
        if filters.text:
            pattern = like_pattern(filters.text)
            conditions.append(
                or_(
                    User.full_name.ilike(pattern, escape="\\"),
                    User.email.ilike(pattern, escape="\\"),
                )
            )
        return conditions

    def by_email(self, email: str) -> UserDTO | None:
        """The user with this email (stored lower-case by the service), or None."""
        row = self.session.execute(
            self._select().where(User.email == email.strip().lower())
        ).first()
        return None if row is None else self._to_dto(row)

    def password_hash_for(self, user_id: int) -> str | None:
        """The bcrypt hash for sign-in checks."""
        return self.session.execute(
            select(User.password_hash).where(User.id == user_id)
        ).scalar_one_or_none()

    def add(
        self, *, email: str, password_hash: str, full_name: str, role: str, is_active: bool = True
    ) -> int:
        """Insert a user and return its id."""
        return self._insert(
            User,
            {
                "email": email,
                "password_hash": password_hash,
                "full_name": full_name,
                "role": role,
                "is_active": is_active,
            },
        )

    def set_active(self, user_id: int, active: bool) -> None:
        """Activate or deactivate a user (users are never deleted once they own content)."""
        user = self.session.get(User, user_id)
        if user is not None:
            user.is_active = active

    def active_users(self) -> list[UserDTO]:
        """Every active user, by name (for assignee and participant pickers)."""
        rows = self.session.execute(
            self._select().where(User.is_active.is_(True)).order_by(User.full_name, User.id)
        ).all()
        return [self._to_dto(row) for row in rows]
