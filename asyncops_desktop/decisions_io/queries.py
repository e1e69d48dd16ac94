"""The few set-wise queries import and export need beyond ``DecisionRepository``.

They answer for a whole page of decisions at once (participants, successors' titles) or
for the whole folder being imported (existing title and date pairs), so no export or
preview ever runs a query per decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from asyncops_desktop.dialect import (
    iso_date_text,
    iso_timestamp_text,
    joined_sorted_emails,
    joined_tags,
)
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.domain.models import Decision, User
from asyncops_desktop.repositories.base import AnySelect, Repository, Sort
from asyncops_desktop.repositories.decisions import DecisionFilter, DecisionRepository

# Well under SQLite's and psycopg's bound-parameter limits, and one page of the export.
CHUNK = 10_000
T = TypeVar("T")
# How CSV cells join lists, and the starts that make a spreadsheet run a cell as a formula.
LIST_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Person:
    """A user as import and export see them."""

    id: int
    email: str
    full_name: str
    is_active: bool
    role: str


@dataclass(frozen=True, slots=True)
class Existing:
    """A decision already in the database with the same title and date as a file."""

    id: int
    title: str
    decision_date: dt.date
    deleted: bool
    superseded_by_id: int | None


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


class DecisionRow(Protocol):
    """A decision as an export reads it: SQLAlchemy's row, read by attribute or unpacked
    in the order of ``DecisionRows._select``."""

    def __iter__(self) -> Iterator[Any]: ...

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def decision_date(self) -> dt.date: ...
    @property
    def review_by(self) -> dt.date | None: ...
    @property
    def tags(self) -> list[str] | None: ...
    @property
    def created_by_id(self) -> int: ...
    @property
    def superseded_by_id(self) -> int | None: ...
    @property
    def description(self) -> str: ...
    @property
    def context(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def updated_at(self) -> dt.datetime: ...
    @property
    def deleted_at(self) -> dt.datetime | None: ...


class DecisionRows(Repository[DecisionRow]):
    """Keyset pages of decisions for exports, with the list's own filters and sort keys.

    The filters and sort keys are ``DecisionRepository``'s (it stays their one owner);
    this only selects the exported columns and keeps SQLAlchemy's rows as they come,
    since building a DTO for each of 100,000 decisions is a third of an export's
    database time.
    """

    entity_name = "Decision"
    id_column: ClassVar[ColumnElement[int]] = DecisionRepository.id_column
    default_sort: ClassVar[Sort] = DecisionRepository.default_sort

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._decisions = DecisionRepository(session)

    def _select(self) -> AnySelect:
        # The CSV export unpacks rows in this order; keep the two in step.
        return select(
            Decision.id,
            Decision.title,
            Decision.status,
            Decision.decision_date,
            Decision.review_by,
            Decision.tags,
            Decision.created_by_id,
            Decision.superseded_by_id,
            Decision.description,
            Decision.context,
            Decision.outcome,
            Decision.created_at,
            Decision.updated_at,
            Decision.deleted_at,
        )

    def _sort_columns(self) -> Mapping[str, ColumnElement[Any]]:
        return self._decisions._sort_columns()

    def _conditions(self, filters: DecisionFilter | None) -> list[ColumnElement[bool]]:
        return self._decisions._conditions(filters)

    def _to_dto(self, row: Sequence[Any]) -> DecisionRow:
        return cast(DecisionRow, row)

    def csv_statement(self, filters: DecisionFilter | None, sort: Sort | None) -> AnySelect:
        """Every CSV cell of the matching decisions, already text, in the list's order.

        One statement for the whole export: the database formats dates, joins tags and
        participants' emails and guards formula-like cells, so each row can go to the CSV
        writer as it comes, without a Python step per cell.
        """
        session = self.session
        sort = sort or self.default_sort
        columns = self._sort_columns()
        if sort.key not in columns:
            raise ValidationError(
                "sort", f"unknown sort key '{sort.key}'; use one of {sorted(columns)}"
            )
        key = columns[sort.key]
        decisions = Decision.__table__.c
        creator = User.__table__.alias("creator")
        emails, people = joined_sorted_emails(
            session, decisions.id, LIST_SEPARATOR, _formula_prefix
        )
        statement = (
            select(
                decisions.id,
                _formula_safe(decisions.title),
                decisions.status,
                iso_date_text(session, decisions.decision_date),
                iso_date_text(session, decisions.review_by),
                joined_tags(session, decisions.tags, LIST_SEPARATOR, _formula_prefix),
                emails,
                _formula_safe(creator.c.email),
                decisions.superseded_by_id,
                _formula_safe(decisions.description),
                _formula_safe(decisions.context),
                _formula_safe(decisions.outcome),
                iso_timestamp_text(session, decisions.created_at),
                iso_timestamp_text(session, decisions.updated_at),
                iso_timestamp_text(session, decisions.deleted_at),
            )
            .select_from(Decision.__table__)
            .outerjoin(creator, creator.c.id == decisions.created_by_id)
        )
        if people is not None:
            statement = statement.outerjoin(people, people.c.decision_id == decisions.id)
        for condition in self._conditions(filters):
            statement = statement.where(condition)
        if sort.descending:
            return statement.order_by(key.desc(), decisions.id.desc())
        return statement.order_by(key.asc(), decisions.id.asc())


def _formula_prefix(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """A ``'`` when a cell starting like ``text`` would run as a formula, else nothing."""
    return case((func.substr(text, 1, 1).in_(FORMULA_STARTS), literal("'")), else_=literal(""))


def _formula_safe(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """``text`` with a ``'`` in front when a spreadsheet would run it as a formula."""
    return case(
        (func.substr(text, 1, 1).in_(FORMULA_STARTS), literal("'") + text),
        else_=text,
    )


class TransferQueries:
    """Set-wise reads for import and export, on the caller's session (never commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def people(self) -> dict[int, Person]:
        """Every user by id (a team's users fit in memory; this is one query)."""
        rows = self.session.connection().execute(
            select(User.id, User.email, User.full_name, User.is_active, User.role)
        )
        return {
            int(row[0]): Person(int(row[0]), row[1], row[2], bool(row[3]), row[4]) for row in rows
        }

    def participant_emails(
        self, decision_ids: Collection[int], emails: Mapping[int, str]
    ) -> dict[int, list[str]]:
        """Participants' emails (sorted) for each of ``decision_ids``: one query per chunk.

        This runs for every page of an export, ~30,000 pairs a page, so it reads the plain
        tuples off the result's DB-API cursor: building SQLAlchemy rows for them costs more
        than the query. The ids are integers from our own query, written into the SQL as
        literals (``int()`` rules out injection): binding thousands of parameters through an
        expanding IN would cost more still.
        """
        grouped: dict[int, list[str]] = {}
        connection = self.session.connection()
        for part in chunks(sorted(decision_ids)):
            literal_ids = ",".join(str(int(ident)) for ident in part)
            result = connection.exec_driver_sql(
                "SELECT decision_id, user_id FROM decision_participants "
                f"WHERE decision_id IN ({literal_ids})"
            )
            try:
                pairs = result.cursor.fetchall()
            finally:
                result.close()
            for decision_id, user_id in pairs:
                email = emails.get(user_id) or f"user {user_id}"
                people = grouped.get(decision_id)
                if people is None:
                    grouped[decision_id] = [email]
                else:
                    people.append(email)
        for people in grouped.values():
            people.sort()
        return grouped

    def titles(self, decision_ids: Collection[int]) -> dict[int, str]:
        """Titles of the given decisions (deleted ones too), for links to them."""
        result: dict[int, str] = {}
        connection = self.session.connection()
        for part in chunks(sorted(decision_ids)):
            rows = connection.execute(
                select(Decision.id, Decision.title).where(Decision.id.in_(part))
            )
            result.update((int(ident), str(title)) for ident, title in rows)
        return result

    def existing(self, titles: Iterable[str]) -> dict[tuple[str, dt.date], list[Existing]]:
        """Decisions (live or deleted) whose title is one of ``titles``, by (title, date).

        Lists, oldest first: two decisions may share a title and a date, and an import
        matches files to them one for one.
        """
        result: dict[tuple[str, dt.date], list[Existing]] = {}
        connection = self.session.connection()
        for part in chunks(sorted(set(titles))):
            rows = connection.execute(
                select(
                    Decision.id,
                    Decision.title,
                    Decision.decision_date,
                    Decision.deleted_at,
                    Decision.superseded_by_id,
                )
                .where(Decision.title.in_(part))
                .order_by(Decision.id)
            )
            for ident, title, day, deleted_at, successor in rows:
                result.setdefault((title, day), []).append(
                    Existing(int(ident), title, day, deleted_at is not None, successor)
                )
        return result
