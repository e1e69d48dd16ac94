"""The blocker list: its columns and its model."""

from __future__ import annotations

from PySide6.QtCore import QObject

from asyncops_desktop.domain.dto import BlockerDTO
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.blockers import BlockerFilter, BlockerRepository
from ui.context import AppContext
from ui.models.badges import BLOCKER_STATUS_BADGES, blocker_status_badge
from ui.models.columns import Column, id_column
from ui.models.formatters import (
    active_for_text,
    blocker_status_label,
    duration_text,
    exact_time,
    one_line,
    relative_time,
    utc_now,
)
from ui.models.paged import DEFAULT_PAGE_SIZE, PagedTableModel

ENTITY = "blockers"
NOUN = ("blocker", "blockers")


def linked_text(row: BlockerDTO) -> str:
    """What a blocker is raised against: ``Incident #12``, ``Update #34``, both, or nothing."""
    parts = []
    if row.related_incident_id is not None:
        parts.append(f"Incident #{row.related_incident_id}")
    if row.related_status_id is not None:
        parts.append(f"Update #{row.related_status_id}")
    return ", ".join(parts)


def _active_tooltip(row: BlockerDTO) -> str:
    if row.resolved_at is not None:
        return (
            f"Raised {exact_time(row.created_at)}, resolved {exact_time(row.resolved_at)} "
            f"after {duration_text(row.resolved_at - row.created_at)}"
        )
    return (
        f"Active since {exact_time(row.created_at)} ({duration_text(utc_now() - row.created_at)})"
    )


BLOCKER_COLUMNS: tuple[Column[BlockerDTO], ...] = (
    id_column("Blocker"),
    Column(
        "status",
        "Status",
        lambda r: blocker_status_label(r.status),
        sort_key="status",
        badge=lambda r: blocker_status_badge(r.status),
        badge_choices=tuple(BLOCKER_STATUS_BADGES.values()),
        width_chars=11,
    ),
    Column(
        "description",
        "Description",
        lambda r: one_line(r.description),
        tooltip=lambda r: f"{one_line(r.description, 400)}\n\nImpact: {one_line(r.impact, 300)}",
        width_chars=30,
        stretch=True,
    ),
    Column(
        "active_for",
        "Active for",
        lambda r: active_for_text(r.created_at, r.resolved_at),
        # Longest-standing first on the first click: the oldest creation time.
        sort_key="created_at",
        sort_inverted=True,
        initial_descending=True,
        tooltip=_active_tooltip,
        time_relative=True,
        width_chars=15,
    ),
    Column(
        "linked",
        "Linked to",
        linked_text,
        tooltip=lambda r: linked_text(r) or "Not linked to a status update or incident",
        width_chars=14,
    ),
    Column("reporter", "Raised by", lambda r: r.reporter_name, width_chars=13),
    Column(
        "created_at",
        "Raised",
        lambda r: relative_time(r.created_at),
        sort_key="created_at",
        tooltip=lambda r: f"Raised {exact_time(r.created_at)}",
        initial_descending=True,
        time_relative=True,
        width_chars=12,
    ),
)
RAISED_COLUMN = 6


class BlockerTableModel(PagedTableModel[BlockerDTO]):
    """Blockers, newest first unless a header says otherwise."""

    def __init__(
        self,
        context: AppContext,
        *,
        filters: BlockerFilter | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(
            context,
            BlockerRepository,
            BLOCKER_COLUMNS,
            filters=filters or BlockerFilter(),
            sort=Sort("created_at", descending=True),
            sort_column=RAISED_COLUMN,
            page_size=page_size,
            parent=parent,
        )
