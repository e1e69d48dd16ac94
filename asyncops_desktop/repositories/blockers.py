"""Blockers: paging with status, age, linked record and text filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, or_, select

from asyncops_desktop.domain.dto import BlockerDTO
from asyncops_desktop.domain.models import Blocker, User
from asyncops_desktop.repositories.base import AnySelect, Repository, Sort, like_pattern


@dataclass(frozen=True)
class BlockerFilter:
    """Which blockers to list; ``created_before`` finds the ones older than a moment."""

    status: str | None = None
    related_status_id: int | None = None
    related_incident_id: int | None = None
    created_before: dt.datetime | None = None
    text: str | None = None


class BlockerRepository(Repository[BlockerDTO]):
    """Queries on ``blockers``."""

    entity_name = "Blocker"
    id_column: ClassVar[ColumnElement[int]] = Blocker.__table__.c.id
    default_sort = Sort("created_at")

    def _select(self) -> AnySelect:
        return select(
            Blocker.id,
            Blocker.reported_by_id,
            User.full_name,
            Blocker.description,
            Blocker.impact,
            Blocker.status,
            Blocker.resolution_notes,
            Blocker.related_status_id,
            Blocker.related_incident_id,
            Blocker.created_at,
            Blocker.updated_at,
            Blocker.resolved_at,
            Blocker.version,
        ).join(User, User.id == Blocker.reported_by_id)

    def _sort_columns(self) -> Mapping[str, ColumnElement[Any]]:
        table = Blocker.__table__.c
        return {
            "created_at": table.created_at,
            "updated_at": table.updated_at,
            "status": table.status,
            "id": table.id,
        }

    def _to_dto(self, row: Sequence[Any]) -> BlockerDTO:
        return BlockerDTO(*row)

    def _conditions(self, filters: BlockerFilter | None) -> list[ColumnElement[bool]]:
        if filters is None:
            return []
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            conditions.append(Blocker.status == filters.status)
        if filters.related_status_id is not None:
            conditions.append(Blocker.related_status_id == filters.related_status_id)
        if filters.related_incident_id is not None:
            conditions.append(Blocker.related_incident_id == filters.related_incident_id)
        if filters.created_before is not None:
            conditions.append(Blocker.created_at < filters.created_before)
        if filters.text:
            pattern = like_pattern(filters.text)
            conditions.append(
                or_(
                    Blocker.description.ilike(pattern, escape="\\"),
                    Blocker.impact.ilike(pattern, escape="\\"),
                )
            )
        return conditions

    def add(self, **values: Any) -> int:
        """Insert a blocker from column values and return its id."""
        return self._insert(Blocker, values)
