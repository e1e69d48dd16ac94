"""The status update list: its columns and its model."""

from __future__ import annotations

from PySide6.QtCore import QObject

from asyncops_desktop.domain.dto import StatusUpdateDTO
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.status_updates import StatusUpdateFilter, StatusUpdateRepository
from ui.context import AppContext
from ui.models.columns import Column
from ui.models.formatters import exact_time, one_line, relative_time
from ui.models.paged import DEFAULT_PAGE_SIZE, PagedTableModel

ENTITY = "status_updates"
NOUN = ("status update", "status updates")


def _title_tooltip(row: StatusUpdateDTO) -> str:
    return f"{row.title}\n\n{one_line(row.content, 300)}"


def _edited(row: StatusUpdateDTO) -> str:
    # Most updates are never edited: a dash says so more clearly than a repeated time.
    return "—" if row.updated_at == row.created_at else relative_time(row.updated_at)


STATUS_UPDATE_COLUMNS: tuple[Column[StatusUpdateDTO], ...] = (
    Column(
        "title",
        "Title",
        lambda r: one_line(r.title),
        sort_key="title",
        tooltip=_title_tooltip,
        width_chars=32,
        stretch=True,
    ),
    Column("author", "Author", lambda r: r.author_name, width_chars=16),
    Column(
        "tags",
        "Tags",
        lambda r: ", ".join(r.tags),
        tooltip=lambda r: ", ".join(r.tags) or "No tags",
        width_chars=20,
    ),
    Column(
        "created_at",
        "Posted",
        lambda r: relative_time(r.created_at),
        sort_key="created_at",
        tooltip=lambda r: f"Posted {exact_time(r.created_at)}",
        initial_descending=True,
        time_relative=True,
        width_chars=12,
    ),
    Column(
        "updated_at",
        "Edited",
        _edited,
        sort_key="updated_at",
        tooltip=lambda r: f"Last changed {exact_time(r.updated_at)}",
        initial_descending=True,
        time_relative=True,
        width_chars=12,
    ),
)
POSTED_COLUMN = 3


class StatusUpdateTableModel(PagedTableModel[StatusUpdateDTO]):
    """Status updates, newest first unless a header says otherwise."""

    def __init__(
        self,
        context: AppContext,
        *,
        filters: StatusUpdateFilter | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(
            context,
            StatusUpdateRepository,
            STATUS_UPDATE_COLUMNS,
            filters=filters or StatusUpdateFilter(),
            sort=Sort("created_at", descending=True),
            sort_column=POSTED_COLUMN,
            page_size=page_size,
            parent=parent,
        )
