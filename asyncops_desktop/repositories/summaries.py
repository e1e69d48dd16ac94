"""Daily summaries: one row per day, written with an upsert, and the queries a summary reads.

``SummarySourceRepository`` holds the few set-based queries one day's summary needs (each a
range on an indexed timestamp or date); ``day_statements`` exposes them so the benchmark can
time the very same SQL on the raw drivers and check its query plans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, func, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from asyncops_desktop.dialect import dialect_name
from asyncops_desktop.domain.dto import DailySummaryDTO
from asyncops_desktop.domain.enums import BlockerStatus, IncidentStatus
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

SummaryStatement = Select[Any] | CompoundSelect[Any]


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


def _active_at(
    window: DayWindow,
    record: type[Incident] | type[Blocker],
    columns: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    still_open: ColumnElement[bool],
) -> SummaryStatement:
    """``columns`` of the records that existed at the end of the day and were not resolved then.

    ``resolved_at`` decides when it is set. A record without it is active if its status says
    so; a finished record without ``resolved_at`` (data written outside the app) was finished
    by its last change at the latest, so it counts as active only on days that end before its
    ``updated_at``. For today that is the same as going by the status.

    Two disjoint branches (resolved after the day; not resolved) rather than one OR, so each
    is a single range a ``resolved_at`` index can serve; SQLite's planner does not pick such
    an index for the OR form.
    """
    end = window.end
    resolved_later = select(*columns).where(record.resolved_at >= end, record.created_at < end)
    unresolved = select(*columns).where(
        record.resolved_at.is_(None),
        record.created_at < end,
        or_(still_open, record.updated_at >= end),
    )
    return union_all(resolved_later, unresolved)


def status_updates_statement(window: DayWindow) -> AnySelect:
    """Status updates created on the day with their author, newest first."""
    return (
        select(StatusUpdate.id, StatusUpdate.title, User.full_name, StatusUpdate.created_at)
        .join(User, User.id == StatusUpdate.user_id)
        .where(StatusUpdate.created_at >= window.start, StatusUpdate.created_at < window.end)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
    )


def active_incidents_statement(window: DayWindow) -> SummaryStatement:
    """Incidents active at the end of the day (unordered: the summary orders by severity)."""
    columns = (
        Incident.id,
        Incident.title,
        Incident.severity,
        Incident.status,
        Incident.assigned_to_id,
        Incident.created_at,
        Incident.resolved_at,
    )
    return _active_at(window, Incident, columns, Incident.status.in_(OPEN_INCIDENT_STATES))


def active_blockers_statement(window: DayWindow) -> SummaryStatement:
    """Blockers active at the end of the day with a description excerpt (unordered)."""
    columns = (
        Blocker.id,
        func.substr(Blocker.description, 1, EXCERPT_CHARS + 1),
        Blocker.created_at,
    )
    return _active_at(window, Blocker, columns, Blocker.status == BlockerStatus.ACTIVE.value)


def _recent_decision(window: DayWindow) -> ColumnElement[bool]:
    # A decision deleted after the day was still on record that day.
    return and_(
        Decision.decision_date >= window.recent_first_day,
        Decision.decision_date <= window.day,
        or_(Decision.deleted_at.is_(None), Decision.deleted_at >= window.end),
    )


def recent_decision_count_statement(window: DayWindow) -> AnySelect:
    """How many decisions are dated within the 7 days ending on the day."""
    return select(func.count()).select_from(Decision).where(_recent_decision(window))


def recent_decisions_statement(window: DayWindow, limit: int) -> AnySelect:
    """The newest ``limit`` decisions dated within the 7 days ending on the day."""
    return (
        select(Decision.id, Decision.title, Decision.decision_date)
        .where(_recent_decision(window))
        .order_by(Decision.decision_date.desc(), Decision.id.desc())
        .limit(limit)
    )


def resolved_incidents_statement(window: DayWindow) -> AnySelect:
    """Severity, creation and resolution time of incidents resolved in the 30 days ending on the day."""
    return select(Incident.severity, Incident.created_at, Incident.resolved_at).where(
        Incident.resolved_at >= window.resolution_start, Incident.resolved_at < window.end
    )


def silent_users_statement(window: DayWindow) -> AnySelect:
    """Active users (existing by the end of the day) with no status update in the last 7 days."""
    posted = select(StatusUpdate.user_id).where(
        StatusUpdate.created_at >= window.recent_start, StatusUpdate.created_at < window.end
    )
    return (
        select(User.id, User.full_name)
        .where(User.is_active, User.created_at < window.end, User.id.not_in(posted))
        .order_by(User.full_name, User.id)
    )


def first_activity_statement() -> AnySelect:
    """The earliest status update, incident, blocker and decision date (each via its index)."""
    return select(
        select(func.min(StatusUpdate.created_at)).scalar_subquery(),
        select(func.min(Incident.created_at)).scalar_subquery(),
        select(func.min(Blocker.created_at)).scalar_subquery(),
        select(func.min(Decision.decision_date)).scalar_subquery(),
    )


def day_statements(window: DayWindow, list_limit: int) -> dict[str, SummaryStatement]:
    """Every query one day's summary runs, by name, in the order it runs them."""
    return {
        "status updates of the day": status_updates_statement(window),
        "incidents active at the end": active_incidents_statement(window),
        "blockers active at the end": active_blockers_statement(window),
        "decisions of 7 days (count)": recent_decision_count_statement(window),
        "decisions of 7 days (list)": recent_decisions_statement(window, list_limit),
        "incidents resolved in 30 days": resolved_incidents_statement(window),
        "users silent for 7 days": silent_users_statement(window),
    }


class SummarySourceRepository:
    """The reads behind one day's summary: a handful of set-based queries, none per row."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _rows(self, statement: SummaryStatement) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.session.execute(statement)]

    def status_updates(self, window: DayWindow) -> list[tuple[Any, ...]]:
        """(id, title, author, created_at) of the day's status updates, newest first."""
        return self._rows(status_updates_statement(window))

    def active_incidents(self, window: DayWindow) -> list[tuple[Any, ...]]:
        """(id, title, severity, status, assigned_to_id, created_at, resolved_at) at day end."""
        return self._rows(active_incidents_statement(window))

    def active_blockers(self, window: DayWindow) -> list[tuple[Any, ...]]:
        """(id, description excerpt, created_at) of blockers active at day end."""
        return self._rows(active_blockers_statement(window))

    def recent_decision_count(self, window: DayWindow) -> int:
        """How many decisions are dated within the 7 days ending on the day."""
        return int(self.session.execute(recent_decision_count_statement(window)).scalar_one())

    def recent_decisions(self, window: DayWindow, limit: int) -> list[tuple[Any, ...]]:
        """(id, title, decision_date) of the newest ``limit`` recent decisions."""
        return self._rows(recent_decisions_statement(window, limit))

    def resolved_incidents(self, window: DayWindow) -> list[tuple[Any, ...]]:
        """(severity, created_at, resolved_at) of incidents resolved in the 30-day window."""
        return self._rows(resolved_incidents_statement(window))

    def silent_users(self, window: DayWindow) -> list[tuple[Any, ...]]:
        """(id, full_name) of active users without a status update in the 7-day window."""
        return self._rows(silent_users_statement(window))

    def first_activity_day(self) -> dt.date | None:
        """The first day anything was posted, reported, raised or decided; None when empty."""
        row = self.session.execute(first_activity_statement()).one()
        days = [
            value.date() if isinstance(value, dt.datetime) else value
            for value in row
            if isinstance(value, dt.date)
        ]
        return min(days) if days else None
