"""Incidents: paging with status, severity, people, date and text filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import aliased

from asyncops_desktop.domain.dto import IncidentDTO
from asyncops_desktop.domain.enums import Severity
from asyncops_desktop.domain.models import Incident, User
from asyncops_desktop.repositories.base import AnySelect, Repository, Sort, like_pattern

Reporter = aliased(User, name="reporter")
Assignee = aliased(User, name="assignee")

SEVERITY_RANK = {severity.value: rank for rank, severity in enumerate(Severity)}


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents to list; empty tuples mean "any"."""

    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    reporter_id: int | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    text: str | None = None


class IncidentRepository(Repository[IncidentDTO]):
    """Queries on ``incidents``."""

    entity_name = "Incident"
    id_column: ClassVar[ColumnElement[int]] = Incident.__table__.c.id
    default_sort = Sort("created_at")

    def _select(self) -> AnySelect:
        return (
            select(
                Incident.id,
                Incident.reported_by_id,
                Reporter.full_name,
                Incident.assigned_to_id,
                Assignee.full_name,
                Incident.title,
                Incident.description,
                Incident.severity,
                Incident.status,
                Incident.resolution_notes,
                Incident.created_at,
                Incident.updated_at,
                Incident.resolved_at,
                Incident.version,
            )
            .join(Reporter, Reporter.id == Incident.reported_by_id)
            .outerjoin(Assignee, Assignee.id == Incident.assigned_to_id)
        )

    def _sort_columns(self) -> Mapping[str, ColumnElement[Any]]:
        table = Incident.__table__.c
        return {
            "created_at": table.created_at,
            "updated_at": table.updated_at,
            "title": table.title,
            "status": table.status,
            "severity": case(SEVERITY_RANK, value=table.severity, else_=-1),
            "id": table.id,
        }

    def _cursor_value(self, dto: IncidentDTO, key: str) -> object:
        if key == "severity":
            return SEVERITY_RANK.get(dto.severity, -1)
        return super()._cursor_value(dto, key)

    def _to_dto(self, row: Sequence[Any]) -> IncidentDTO:
        return IncidentDTO(*row)

    def _conditions(self, filters: IncidentFilter | None) -> list[ColumnElement[bool]]:
        if filters is None:
            return []
        conditions: list[ColumnElement[bool]] = []
        if filters.statuses:
            conditions.append(Incident.status.in_(filters.statuses))
        if filters.severities:
            conditions.append(Incident.severity.in_(filters.severities))
        if filters.unassigned:
            conditions.append(Incident.assigned_to_id.is_(None))
        elif filters.assignee_id is not None:
            conditions.append(Incident.assigned_to_id == filters.assignee_id)
        if filters.reporter_id is not None:
            conditions.append(Incident.reported_by_id == filters.reporter_id)
        if filters.created_from is not None:
            conditions.append(Incident.created_at >= filters.created_from)
        if filters.created_to is not None:
            conditions.append(Incident.created_at < filters.created_to)
        if filters.text:
            pattern = like_pattern(filters.text)
            conditions.append(
                or_(
                    Incident.title.ilike(pattern, escape="\\"),
                    Incident.description.ilike(pattern, escape="\\"),
                )
            )
        return conditions

    def add(self, **values: Any) -> int:
        """Insert an incident from column values and return its id."""
        return self._insert(Incident, values)
