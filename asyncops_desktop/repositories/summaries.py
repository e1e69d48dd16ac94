"""Daily summaries: one row per day, written with an upsert, and the queries a summary reads.

``SummarySourceRepository`` holds the six set-based queries one day's summary needs (each a
range on an indexed timestamp or date); ``day_statements`` exposes them so the benchmark can
time the very same SQL on the raw drivers and check its query plans.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Subquery,
    bindparam,
    case,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from asyncops_desktop.dialect import dialect_name
from asyncops_desktop.domain.dto import DailySummaryDTO
from asyncops_desktop.domain.enums import BlockerStatus, IncidentStatus, Severity
from asyncops_desktop.domain.models import (
    Blocker,
    DailySummary,
    Decision,
    Incident,
    StatusUpdate,
    User,
    utcnow,
)
from asyncops_desktop.repositories.base import AnySelect, Repository, Sort

RECENT_DAYS = 7
"""Decisions and status-update silence look back over the 7 days ending on the day."""
RESOLUTION_DAYS = 30
"""Mean time to resolve covers incidents resolved in the 30 days ending on the day."""
EXCERPT_CHARS = 200
"""Blocker descriptions are cut to this length in a summary (the record keeps the rest)."""

OPEN_INCIDENT_STATES = (IncidentStatus.OPEN.value, IncidentStatus.IN_PROGRESS.value)


@dataclass(frozen=True)
class DayWindow:
    """The moments that bound one summary day: naive UTC, starts inclusive, ``end`` exclusive."""

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    recent_first_day: dt.date
    recent_start: dt.datetime
    resolution_start: dt.datetime

    @classmethod
    def of(cls, day: dt.date) -> DayWindow:
        """The window of ``day`` (UTC day bounds)."""
        start = dt.datetime.combine(day, dt.time())
        recent_first_day = day - dt.timedelta(days=RECENT_DAYS - 1)
        return cls(
            day=day,
            start=start,
            end=start + dt.timedelta(days=1),
            recent_first_day=recent_first_day,
            recent_start=dt.datetime.combine(recent_first_day, dt.time()),
            resolution_start=start - dt.timedelta(days=RESOLUTION_DAYS - 1),
        )

    def params(self) -> dict[str, Any]:
        """Values of the summary statements' bound parameters for this day."""
        return {
            "day": self.day,
            "day_start": self.start,
            "day_end": self.end,
            "recent_first_day": self.recent_first_day,
            "recent_start": self.recent_start,
            "resolution_start": self.resolution_start,
        }


@dataclass(frozen=True)
class DailyCounts:
    """The count columns of one stored summary (for trend charts: no JSON to parse)."""

    summary_date: dt.date
    status_updates: int
    incidents: int
    blockers: int
    decisions: int


class SummaryRepository(Repository[DailySummaryDTO]):
    """Queries on ``daily_summaries``."""

    entity_name = "Daily summary"
    id_column: ClassVar[ColumnElement[int]] = DailySummary.__table__.c.id
    default_sort = Sort("summary_date")

    def _select(self) -> AnySelect:
        return select(
            DailySummary.id,
            DailySummary.summary_date,
            DailySummary.content,
            DailySummary.status_updates_count,
            DailySummary.incidents_count,
            DailySummary.blockers_count,
            DailySummary.decisions_count,
            DailySummary.generated_at,
        )

    def _sort_columns(self) -> Mapping[str, ColumnElement[Any]]:
        table = DailySummary.__table__.c
        return {"summary_date": table.summary_date, "generated_at": table.generated_at}

    def _to_dto(self, row: Sequence[Any]) -> DailySummaryDTO:
        return DailySummaryDTO(*row)

    def for_date(self, day: dt.date) -> DailySummaryDTO | None:
        """The summary of ``day``, or None."""
        row = self.session.execute(self._select().where(DailySummary.summary_date == day)).first()
        return None if row is None else self._to_dto(row)

    def newest_date(self) -> dt.date | None:
        """The most recent day that has a summary."""
        value = self.session.execute(select(func.max(DailySummary.summary_date))).scalar()
        return value if isinstance(value, dt.date) else None

    def upsert(self, day: dt.date, content: dict[str, Any], counts: Mapping[str, int]) -> None:
        """Insert or replace the summary of ``day`` (safe with several clients at once)."""
        values = {
            "summary_date": day,
            "content": content,
            "status_updates_count": counts.get("status_updates_count", 0),
            "incidents_count": counts.get("incidents_count", 0),
            "blockers_count": counts.get("blockers_count", 0),
            "decisions_count": counts.get("decisions_count", 0),
            "generated_at": utcnow(),
        }
        changing = {k: v for k, v in values.items() if k != "summary_date"}
        if dialect_name(self.session) == "postgresql":
            pg = pg_insert(DailySummary).values(values)
            statement: Any = pg.on_conflict_do_update(
                index_elements=["summary_date"], set_=changing
            )
        else:
            lite = sqlite_insert(DailySummary).values(values)
            statement = lite.on_conflict_do_update(index_elements=["summary_date"], set_=changing)
        self.session.execute(statement)

    def exists(self, day: dt.date) -> bool:
        """True when ``day`` has a stored summary."""
        found = self.session.execute(
            select(DailySummary.id).where(DailySummary.summary_date == day)
        ).first()
        return found is not None

    def dates_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Days from ``first`` to ``last`` (inclusive) that have a summary, oldest first."""
        rows = self.session.execute(
            select(DailySummary.summary_date)
            .where(DailySummary.summary_date >= first, DailySummary.summary_date <= last)
            .order_by(DailySummary.summary_date)
        )
        return [value for value in rows.scalars()]

    def counts_between(self, first: dt.date, last: dt.date) -> list[DailyCounts]:
        """The count columns of every stored day from ``first`` to ``last``, oldest first."""
        rows = self.session.execute(
            select(
                DailySummary.summary_date,
                DailySummary.status_updates_count,
                DailySummary.incidents_count,
                DailySummary.blockers_count,
                DailySummary.decisions_count,
            )
            .where(DailySummary.summary_date >= first, DailySummary.summary_date <= last)
            .order_by(DailySummary.summary_date)
        )
        return [DailyCounts(*row) for row in rows]


# -- the source queries of one day's summary ---------------------------------------------------
#
# Each list query returns its first ``limit`` rows in the summary's order plus, on every row,
# ``count(*) OVER ()`` (the length of the whole list, taken before LIMIT): one scan per list,
# and only the rows the summary shows cross the wire. The day enters through bound parameters
# (``DayWindow.params``), so each statement is built once and a backfill only binds new values.

_DAY = bindparam("day", type_=Date())
_DAY_START = bindparam("day_start", type_=DateTime())
_DAY_END = bindparam("day_end", type_=DateTime())
_RECENT_FIRST_DAY = bindparam("recent_first_day", type_=Date())
_RECENT_START = bindparam("recent_start", type_=DateTime())
_RESOLUTION_START = bindparam("resolution_start", type_=DateTime())

SEVERITY_ORDER = tuple(severity.value for severity in reversed(Severity))
"""Most severe first: the order of the summary's incident list."""


def _active_at(
    record: type[Incident] | type[Blocker],
    columns: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    still_open: ColumnElement[bool],
) -> Subquery:
    """``columns`` of the records that existed at the end of the day and were not resolved then.

    ``resolved_at`` decides when it is set. A record without it is active if its status says
    so; a finished record without ``resolved_at`` (data written outside the app) was finished
    by its last change at the latest, so it counts as active only on days that end before its
    ``updated_at``. For today that is the same as going by the status.

    Two disjoint branches (resolved after the day; not resolved) rather than one OR, so each
    is a single range a ``resolved_at`` index can serve; SQLite's planner does not pick such
    an index for the OR form.
    """
    end = _DAY_END
    resolved_later = select(*columns).where(record.resolved_at >= end, record.created_at < end)
    unresolved = select(*columns).where(
        record.resolved_at.is_(None),
        record.created_at < end,
        or_(still_open, record.updated_at >= end),
    )
    return union_all(resolved_later, unresolved).subquery("active")


def _whole_list() -> ColumnElement[int]:
    return func.count().over()


def status_updates_statement(limit: int) -> AnySelect:
    """Status updates created on the day with their author, newest first; then the total."""
    return (
        select(
            StatusUpdate.id,
            StatusUpdate.title,
            User.full_name,
            StatusUpdate.created_at,
            _whole_list(),
        )
        .join(User, User.id == StatusUpdate.user_id)
        .where(StatusUpdate.created_at >= _DAY_START, StatusUpdate.created_at < _DAY_END)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
        .limit(limit)
    )


def active_incidents_statement(limit: int) -> AnySelect:
    """Incidents active at the day's end, most severe then oldest first; total; per severity."""
    active = _active_at(
        Incident,
        (
            Incident.id,
            Incident.title,
            Incident.severity,
            Incident.status,
            Incident.assigned_to_id,
            Incident.created_at,
            Incident.resolved_at,
        ),
        Incident.status.in_(OPEN_INCIDENT_STATES),
    )
    rank = case(
        {severity: rank for rank, severity in enumerate(SEVERITY_ORDER)},
        value=active.c.severity,
        else_=len(SEVERITY_ORDER),
    )
    per_severity = [
        func.count().filter(active.c.severity == severity).over() for severity in SEVERITY_ORDER
    ]
    return (
        select(
            active.c.id,
            active.c.title,
            active.c.severity,
            active.c.status,
            active.c.assigned_to_id,
            active.c.created_at,
            active.c.resolved_at,
            _whole_list(),
            *per_severity,
        )
        .order_by(rank, active.c.created_at, active.c.id)
        .limit(limit)
    )


def active_blockers_statement(limit: int) -> AnySelect:
    """Blockers active at the end of the day, oldest first, with an excerpt; then the total."""
    active = _active_at(
        Blocker,
        (Blocker.id, Blocker.description, Blocker.created_at),
        Blocker.status == BlockerStatus.ACTIVE.value,
    )
    return (
        select(
            active.c.id,
            func.substr(active.c.description, 1, EXCERPT_CHARS + 1),
            active.c.created_at,
            _whole_list(),
        )
        .order_by(active.c.created_at, active.c.id)
        .limit(limit)
    )


def recent_decisions_statement(limit: int) -> AnySelect:
    """Decisions dated within the 7 days ending on the day, newest first; then the total.

    A decision deleted after the day was still on record that day.
    """
    return (
        select(Decision.id, Decision.title, Decision.decision_date, _whole_list())
        .where(
            Decision.decision_date >= _RECENT_FIRST_DAY,
            Decision.decision_date <= _DAY,
            or_(Decision.deleted_at.is_(None), Decision.deleted_at >= _DAY_END),
        )
        .order_by(Decision.decision_date.desc(), Decision.id.desc())
        .limit(limit)
    )


@functools.cache
def resolved_incidents_statement() -> AnySelect:
    """Severity, created_at and resolved_at of incidents resolved in the 30 days to the day."""
    return select(Incident.severity, Incident.created_at, Incident.resolved_at).where(
        Incident.resolved_at >= _RESOLUTION_START, Incident.resolved_at < _DAY_END
    )


def silent_users_statement(limit: int) -> AnySelect:
    """Active users (existing at the day's end) with no update in 7 days, by name; total."""
    posted = select(StatusUpdate.user_id).where(
        StatusUpdate.created_at >= _RECENT_START, StatusUpdate.created_at < _DAY_END
    )
    return (
        select(User.id, User.full_name, _whole_list())
        .where(User.is_active, User.created_at < _DAY_END, User.id.not_in(posted))
        .order_by(User.full_name, User.id)
        .limit(limit)
    )


def first_activity_statement() -> AnySelect:
    """The earliest status update, incident, blocker and decision date (each via its index)."""
    return select(
        select(func.min(StatusUpdate.created_at)).scalar_subquery(),
        select(func.min(Incident.created_at)).scalar_subquery(),
        select(func.min(Blocker.created_at)).scalar_subquery(),
        select(func.min(Decision.decision_date)).scalar_subquery(),
    )


@functools.cache
def day_statements(limit: int) -> dict[str, AnySelect]:
    """Every query one day's summary runs, by name, in the order it runs them (built once).

    Execute them with ``DayWindow.params()``.
    """
    return {
        "status updates of the day": status_updates_statement(limit),
        "incidents active at the end": active_incidents_statement(limit),
        "blockers active at the end": active_blockers_statement(limit),
        "decisions of 7 days": recent_decisions_statement(limit),
        "incidents resolved in 30 days": resolved_incidents_statement(),
        "users silent for 7 days": silent_users_statement(limit),
    }


@dataclass(frozen=True)
class Listing:
    """The first rows of a list (without the count columns) and the length of the whole list."""

    rows: list[tuple[Any, ...]]
    total: int
    counts: tuple[int, ...] = ()
    """Further whole-list counts the query returns (incidents: one per severity)."""


class SummarySourceRepository:
    """The reads behind one day's summary: a handful of set-based queries, none per row."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _listing(self, name: str, window: DayWindow, limit: int, extra_counts: int = 0) -> Listing:
        rows = self.session.execute(day_statements(limit)[name], window.params()).all()
        if not rows:
            return Listing([], 0, (0,) * extra_counts)
        width = len(rows[0]) - 1 - extra_counts
        first = rows[0]
        return Listing(
            [tuple(row[:width]) for row in rows],
            int(first[width]),
            tuple(int(value) for value in first[width + 1 :]),
        )

    def status_updates(self, window: DayWindow, limit: int) -> Listing:
        """(id, title, author, created_at) of the day's status updates, newest first."""
        return self._listing("status updates of the day", window, limit)

    def active_incidents(self, window: DayWindow, limit: int) -> Listing:
        """Incidents active at the day's end (``counts``: per severity, ``SEVERITY_ORDER``)."""
        return self._listing("incidents active at the end", window, limit, len(SEVERITY_ORDER))

    def active_blockers(self, window: DayWindow, limit: int) -> Listing:
        """(id, description excerpt, created_at) of blockers active at day end, oldest first."""
        return self._listing("blockers active at the end", window, limit)

    def recent_decisions(self, window: DayWindow, limit: int) -> Listing:
        """(id, title, decision_date) of decisions dated in the 7 days, newest first."""
        return self._listing("decisions of 7 days", window, limit)

    def resolved_incidents(self, window: DayWindow) -> list[tuple[Any, ...]]:
        """(severity, created_at, resolved_at) of incidents resolved in the 30-day window."""
        rows = self.session.execute(resolved_incidents_statement(), window.params())
        return [tuple(row) for row in rows]

    def silent_users(self, window: DayWindow, limit: int) -> Listing:
        """(id, full_name) of active users without a status update in the 7-day window."""
        return self._listing("users silent for 7 days", window, limit)

    def first_activity_day(self) -> dt.date | None:
        """The first day anything was posted, reported, raised or decided; None when empty."""
        row = self.session.execute(first_activity_statement()).one()
        days = [
            value.date() if isinstance(value, dt.datetime) else value
            for value in row
            if isinstance(value, dt.date)
        ]
        return min(days) if days else None
