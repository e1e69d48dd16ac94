"""Status updates: paging with author, tag, date and text filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, or_, select, text

from asyncops_desktop.dialect import all_tags_sql, has_tag
from asyncops_desktop.domain.dto import StatusUpdateDTO
from asyncops_desktop.domain.models import StatusUpdate, User
from asyncops_desktop.repositories.base import AnySelect, Repository, Sort, like_pattern


@dataclass(frozen=True)
class StatusUpdateFilter:
    """Which status updates to list; dates bound ``created_at`` (from inclusive, to exclusive)."""

    author_id: int | None = None
    tag: str | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    text: str | None = None


class StatusUpdateRepository(Repository[StatusUpdateDTO]):
    """Queries on ``status_updates``."""

    entity_name = "Status update"
    id_column: ClassVar[ColumnElement[int]] = StatusUpdate.__table__.c.id
    default_sort = Sort("created_at")

    def _select(self) -> AnySelect:
        return select(
            StatusUpdate.id,
            StatusUpdate.user_id,
            User.full_name,
            StatusUpdate.title,
            StatusUpdate.content,
            StatusUpdate.tags,
            StatusUpdate.created_at,
            StatusUpdate.updated_at,
            StatusUpdate.version,
            # Every update has an author (NOT NULL), so an outer join returns the same rows;
            # it keeps SQLite walking the updates in index order and stopping at the page,
            # where an inner join lets it start from the users and sort every update.
        ).outerjoin(User, User.id == StatusUpdate.user_id)

    def _sort_columns(self) -> Mapping[str, ColumnElement[Any]]:
        table = StatusUpdate.__table__.c
        return {
            "created_at": table.created_at,
            "updated_at": table.updated_at,
            "title": table.title,
            "id": table.id,
        }

    def _to_dto(self, row: Sequence[Any]) -> StatusUpdateDTO:
        r = tuple(row)
        return StatusUpdateDTO(r[0], r[1], r[2], r[3], r[4], tuple(r[5] or ()), r[6], r[7], r[8])

    def _conditions(self, filters: StatusUpdateFilter | None) -> list[ColumnElement[bool]]:
        if filters is None:
            return []
        conditions: list[ColumnElement[bool]] = []
        if filters.author_id is not None:
            conditions.append(StatusUpdate.user_id == filters.author_id)
        if filters.tag:
            conditions.append(has_tag(self.session, StatusUpdate.__table__.c.tags, filters.tag))
        if filters.created_from is not None:
            conditions.append(StatusUpdate.created_at >= filters.created_from)
        if filters.created_to is not None:
            conditions.append(StatusUpdate.created_at < filters.created_to)
        if filters.text:
            pattern = like_pattern(filters.text)
            conditions.append(
                or_(
                    StatusUpdate.title.ilike(pattern, escape="\\"),
                    StatusUpdate.content.ilike(pattern, escape="\\"),
                )
            )
        return conditions

    def add(
        self, *, user_id: int, title: str, content: str, tags: Sequence[str] | None = None
    ) -> int:
        """Insert a status update and return its id."""
        return self._insert(
            StatusUpdate,
            {"user_id": user_id, "title": title, "content": content, "tags": list(tags or [])},
        )

    def all_tags(self) -> list[tuple[str, int]]:
        """Every tag in use with how often, most used first (for completion)."""
        rows = self.session.execute(text(all_tags_sql(self.session, "status_updates"))).all()
        return [(str(tag), int(n)) for tag, n in rows]
