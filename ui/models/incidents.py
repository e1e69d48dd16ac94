"""The incident list: its columns and its model."""

from __future__ import annotations

from PySide6.QtCore import QObject

from asyncops_desktop.domain.dto import IncidentDTO
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.incidents import IncidentFilter, IncidentRepository
from ui.context import AppContext
from ui.models.badges import (
    INCIDENT_STATUS_BADGES,
    SEVERITY_BADGES,
    incident_status_badge,
    severity_badge,
)
from ui.models.columns import Column, id_column
from ui.models.formatters import (
    exact_time,
    incident_status_label,
    one_line,
    relative_time,
    severity_label,
)
from ui.models.paged import DEFAULT_PAGE_SIZE, PagedTableModel

ENTITY = "incidents"
NOUN = ("incident", "incidents")


def _status_tooltip(row: IncidentDTO) -> str:
    if row.resolved_at is not None:
        return f"{incident_status_label(row.status)} — resolved {exact_time(row.resolved_at)}"
    return incident_status_label(row.status)


INCIDENT_COLUMNS: tuple[Column[IncidentDTO], ...] = (
    id_column("Incident"),
    Column(
        "title",
        "Title",
        lambda r: one_line(r.title),
        sort_key="title",
        tooltip=lambda r: f"{r.title}\n\n{one_line(r.description, 300)}",
        width_chars=30,
        stretch=True,
    ),
    Column(
        "severity",
        "Severity",
        lambda r: severity_label(r.severity),
        sort_key="severity",
        badge=lambda r: severity_badge(r.severity),
        badge_choices=tuple(SEVERITY_BADGES.values()),
        tooltip=lambda r: f"Severity: {severity_label(r.severity)}",
        initial_descending=True,
        width_chars=11,
    ),
    Column(
        "status",
        "Status",
        lambda r: incident_status_label(r.status),
        sort_key="status",
        badge=lambda r: incident_status_badge(r.status),
        badge_choices=tuple(INCIDENT_STATUS_BADGES.values()),
        tooltip=_status_tooltip,
        width_chars=13,
    ),
    Column(
        "assignee",
        "Assignee",
        lambda r: r.assignee_name or "Unassigned",
        width_chars=13,
    ),
    Column("reporter", "Reporter", lambda r: r.reporter_name, width_chars=13),
    Column(
        "created_at",
        "Reported",
        lambda r: relative_time(r.created_at),
        sort_key="created_at",
        tooltip=lambda r: f"Reported {exact_time(r.created_at)}",
        initial_descending=True,
        time_relative=True,
        width_chars=12,
    ),
    Column(
        "updated_at",
        "Updated",
        lambda r: relative_time(r.updated_at),
        sort_key="updated_at",
        tooltip=lambda r: f"Last changed {exact_time(r.updated_at)}",
        initial_descending=True,
        time_relative=True,
        width_chars=12,
        hidden_by_default=True,
    ),
)
REPORTED_COLUMN = 6


class IncidentTableModel(PagedTableModel[IncidentDTO]):
    """Incidents, newest first unless a header says otherwise."""

    def __init__(
        self,
        context: AppContext,
        *,
        filters: IncidentFilter | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(
            context,
            IncidentRepository,
            INCIDENT_COLUMNS,
            filters=filters or IncidentFilter(),
            sort=Sort("created_at", descending=True),
            sort_column=REPORTED_COLUMN,
            page_size=page_size,
            parent=parent,
        )
