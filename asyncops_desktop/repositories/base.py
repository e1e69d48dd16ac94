"""What every repository shares: sorting, keyset and offset paging, counting.

Repositories own every query, receive a ``Session`` and never commit. They select explicit
columns (not ORM entities) and build frozen DTOs positionally, which keeps large fetches
close to the raw driver's speed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from asyncops_desktop.domain.dto import Page
from asyncops_desktop.domain.errors import ValidationError


class HasId(Protocol):
    """Every DTO has an integer id."""

    @property
    def id(self) -> int: ...


D = TypeVar("D", bound=HasId)
Cursor = tuple[object, int]
AnySelect = Select[*tuple[Any, ...]]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 10_000


@dataclass(frozen=True)
class Sort:
    """A sort key declared by the repository and a direction; ties break on id."""

    key: str
    descending: bool = True


def like_pattern(text: str) -> str:
    """A ``%text%`` LIKE pattern with the user's ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Repository(Generic[D]):
    """Base for entity repositories: subclasses declare columns, sort keys and filters."""

    entity_name: ClassVar[str]
    id_column: ClassVar[ColumnElement[int]]
    default_sort: ClassVar[Sort]

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- declared by subclasses -------------------------------------------------------------
    def _select(self) -> AnySelect:
        """The columns of the DTO, in field order, with any joins they need."""
        raise NotImplementedError

    def _sort_columns(self) -> Mapping[str, ColumnElement[Any]]:
        """Sort keys offered to the UI (non-null expressions only, so keyset paging works)."""
        raise NotImplementedError

    def _to_dto(self, row: Sequence[Any]) -> D:
        raise NotImplementedError

    def _conditions(self, filters: Any) -> list[ColumnElement[bool]]:
        """WHERE conditions for a filter object (None means no filter)."""
        return []

    # -- shared ---------------------------------------------------------------------------
    def get(self, ident: int) -> D | None:
        """The row with this id, or None."""
        self.session.flush()
        row = (
            self.session.connection().execute(self._select().where(self.id_column == ident)).first()
        )
        return None if row is None else self._to_dto(row)

    def count(self, filters: Any = None) -> int:
        """How many rows match the filters."""
        query = select(func.count()).select_from(self.id_column.table)
        for condition in self._conditions(filters):
            query = query.where(condition)
        return int(self.session.execute(query).scalar_one())

    def sort_keys(self) -> list[str]:
        """The sort keys this repository accepts."""
        return list(self._sort_columns())

    def page(
        self,
        filters: Any = None,
        sort: Sort | None = None,
        *,
        after: Cursor | None = None,
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[D]:
        """One page in ``sort`` order: after a keyset cursor, or at an offset.

        Keyset paging (``after``) costs the same deep in the list as at its start; the
        returned ``next_cursor`` continues from the last row.
        """
        sort = sort or self.default_sort
        columns = self._sort_columns()
        if sort.key not in columns:
            raise ValidationError(
                "sort", f"unknown sort key '{sort.key}'; use one of {sorted(columns)}"
            )
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationError("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
        if offset < 0:
            raise ValidationError("offset", "must not be negative")
        key = columns[sort.key]
        query = self._select()
        for condition in self._conditions(filters):
            query = query.where(condition)
        if after is not None:
            query = query.where(self._after(key, sort.descending, after))
        if sort.descending:
            query = query.order_by(key.desc(), self.id_column.desc())
        else:
            query = query.order_by(key.asc(), self.id_column.asc())
        if after is None and offset:
            query = query.offset(offset)
        # Core execution on the session's connection (same transaction, no ORM result layer);
        # flush first, since that path does not autoflush pending ORM changes.
        self.session.flush()
        rows = self.session.connection().execute(query.limit(limit + 1)).all()
        has_more = len(rows) > limit
        dtos = [self._to_dto(row) for row in rows[:limit]]
        next_cursor: Cursor | None = None
        if has_more and dtos:
            last = dtos[-1]
            next_cursor = (self._cursor_value(last, sort.key), int(last.id))
        return Page(dtos, next_cursor)

    def _cursor_value(self, dto: D, key: str) -> object:
        """The sort key's value for a row; override for computed keys."""
        return getattr(dto, key)

    def _after(
        self, key: ColumnElement[Any], descending: bool, cursor: Cursor
    ) -> ColumnElement[bool]:
        value, last_id = cursor
        # "key <= v AND (key < v OR id < last)" lets both databases range-scan the key's index.
        if descending:
            return and_(key <= value, or_(key < value, self.id_column < last_id))
        return and_(key >= value, or_(key > value, self.id_column > last_id))

    def _insert(self, model: type[Any], values: Mapping[str, Any]) -> int:
        obj = model(**values)
        self.session.add(obj)
        self.session.flush()
        return int(obj.id)
