"""Daily summaries: one row per day, written with an upsert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from asyncops_desktop.dialect import dialect_name
from asyncops_desktop.domain.dto import DailySummaryDTO
from asyncops_desktop.domain.models import DailySummary, utcnow
from asyncops_desktop.repositories.base import AnySelect, Repository, Sort


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
