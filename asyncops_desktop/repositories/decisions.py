"""Decisions, their participants and their audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, delete, exists, func, insert, select, text

from asyncops_desktop.dialect import (
    all_tags_sql,
    decision_search_tiers,
    decision_text_match,
    decode_tags,
    decode_timestamp,
    has_tag,
    live_match_count,
    tags_column,
    timestamp_column,
)
from asyncops_desktop.domain.dto import (
    AuditEntryDTO,
    DecisionDetail,
    DecisionDTO,
    positional_builder,
)
from asyncops_desktop.domain.models import (
    Decision,
    DecisionAuditEntry,
    DecisionParticipant,
    User,
)
from asyncops_desktop.repositories.base import AnySelect, Repository, Sort

# Statuses a decision can still be reviewed in (a replaced or rejected one needs no review).
REVIEWABLE = ("proposed", "accepted")


@dataclass(frozen=True)
class DecisionFilter:
    """Which decisions to list; ``text`` is a full-text query on title and description."""

    tag: str | None = None
    created_by_id: int | None = None
    participant_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    text: str | None = None
    statuses: tuple[str, ...] = ()
    # Decisions whose review_by date is on or before this day (and not already replaced).
    due_for_review_on: dt.date | None = None
    # False: live decisions only (the default); True: soft-deleted ones only.
    deleted: bool = False


@dataclass(frozen=True)
class SearchHit:
    """A ranked search result with the matched words marked in its title and snippet."""

    decision: DecisionDTO
    rank: float
    title: str
    snippet: str


@dataclass(frozen=True)
class OpenedDecision:
    """A decision as its editor opens it: participants and the successor's title too."""

    detail: DecisionDetail
    successor_title: str | None


_build_decision = positional_builder(DecisionDTO)
_build_audit_entry = positional_builder(AuditEntryDTO)


class DecisionRepository(Repository[DecisionDTO]):
    """Queries on ``decisions`` and ``decision_participants``."""

    entity_name = "Decision"
    id_column: ClassVar[ColumnElement[int]] = Decision.__table__.c.id
    default_sort = Sort("decision_date")

    def _select(self) -> AnySelect:
        return select(
            Decision.id,
            Decision.created_by_id,
            User.full_name,
            Decision.title,
            Decision.description,
            Decision.context,
            Decision.outcome,
            Decision.decision_date,
            tags_column(self.session, Decision.__table__.c.tags),
            Decision.created_at,
            Decision.updated_at,
            Decision.status,
            Decision.superseded_by_id,
            Decision.review_by,
            Decision.deleted_at,
            Decision.version,
        ).join(User, User.id == Decision.created_by_id)

    def _sort_columns(self) -> Mapping[str, ColumnElement[Any]]:
        table = Decision.__table__.c
        return {
            "decision_date": table.decision_date,
            "created_at": table.created_at,
            "updated_at": table.updated_at,
            "title": table.title,
            "id": table.id,
        }

    def _to_dto(self, row: Sequence[Any]) -> DecisionDTO:
        values = list(row[:16])
        values[8] = decode_tags(values[8])
        return _build_decision(values)

    def _conditions(self, filters: DecisionFilter | None) -> list[ColumnElement[bool]]:
        filters = filters or DecisionFilter()
        conditions: list[ColumnElement[bool]] = [
            Decision.deleted_at.is_not(None) if filters.deleted else Decision.deleted_at.is_(None)
        ]
        if filters.tag:
            conditions.append(has_tag(self.session, Decision.__table__.c.tags, filters.tag))
        if filters.created_by_id is not None:
            conditions.append(Decision.created_by_id == filters.created_by_id)
        if filters.participant_id is not None:
            conditions.append(
                exists().where(
                    DecisionParticipant.decision_id == Decision.id,
                    DecisionParticipant.user_id == filters.participant_id,
                )
            )
        if filters.date_from is not None:
            conditions.append(Decision.decision_date >= filters.date_from)
        if filters.date_to is not None:
            conditions.append(Decision.decision_date <= filters.date_to)
        if filters.text is not None and filters.text.strip():
            conditions.append(decision_text_match(self.session, self.id_column, filters.text))
        if filters.statuses:
            conditions.append(Decision.status.in_(filters.statuses))
        if filters.due_for_review_on is not None:
            conditions.append(Decision.review_by <= filters.due_for_review_on)
            conditions.append(Decision.status.in_(REVIEWABLE))
        return conditions

    def search(
        self, query: str, filters: DecisionFilter | None = None, *, offset: int = 0, limit: int = 50
    ) -> list[SearchHit]:
        """Decisions matching ``query`` (web-search syntax), best first, with highlights.

        Best first means: the whole query within the title, then within title and
        description, then anywhere; newest first within each (``dialect`` explains why).
        A page reads only the tiers it reaches, each from its offset straight off the index;
        a tier is counted only when the page starts beyond it.
        """
        tiers = decision_search_tiers(self.session, query)
        base = replace(filters, text=None) if filters is not None else None
        conditions = self._conditions(base)
        self.session.flush()
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # A search statement prepared by the driver turns to a generic plan after a few
            # runs, which re-parses the bound query text for every row it checks: plan each
            # run for its own query instead (for the rest of this read only).
            connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        hits: list[SearchHit] = []
        skip = offset
        for tier in tiers:
            wanted = limit - len(hits)
            if wanted <= 0:
                break
            if skip:
                counted = select(func.count()).select_from(Decision.__table__)
                if tier.fts_table is not None:
                    counted = counted.join(tier.fts_table, tier.fts_table.c.rowid == Decision.id)
                size = int(
                    connection.execute(
                        counted.where(tier.match, *tier.also, *conditions)
                    ).scalar_one()
                )
                if skip >= size:
                    skip -= size
                    continue
            statement = self._select().add_columns(tier.title, tier.snippet)
            if tier.fts_table is not None:
                statement = statement.join(tier.fts_table, tier.fts_table.c.rowid == Decision.id)
            statement = (
                statement.where(tier.match, *tier.also, *conditions)
                .order_by(tier.order.desc())
                .offset(skip)
                .limit(wanted)
            )
            skip = 0
            hits += [
                SearchHit(self._to_dto(row[:16]), tier.rank, row[16] or "", row[17] or "")
                for row in connection.execute(statement)
            ]
        return hits

    def count(self, filters: DecisionFilter | None = None) -> int:
        """How many decisions match; a text search alone is counted from the search index."""
        text_only = (
            filters is not None
            and bool((filters.text or "").strip())
            and replace(filters, text=None) == DecisionFilter()
        )
        if text_only:
            assert filters is not None and filters.text is not None
            self.session.flush()
            return live_match_count(self.session, filters.text)
        if filters is None or filters == DecisionFilter():
            # Every decision less the deleted ones: the total is read from any index and the
            # deleted few from their partial index, rather than every row's deleted_at.
            table = Decision.__table__
            every = select(func.count()).select_from(table).scalar_subquery()
            deleted = (
                select(func.count())
                .select_from(table)
                .where(Decision.deleted_at.is_not(None))
                .scalar_subquery()
            )
            return int(self.session.execute(select(every - deleted)).scalar_one())
        return super().count(filters)

    def opened(self, decision_id: int) -> OpenedDecision | None:
        """The decision (deleted ones too), its participants and its successor's title.

        One statement: participants come as one row each (a decision has a handful), the
        successor's title from a join, so opening a decision costs a single round trip.
        """
        successor = Decision.__table__.alias("successor")
        statement = (
            self._select()
            .add_columns(successor.c.title, DecisionParticipant.user_id)
            .outerjoin(successor, successor.c.id == Decision.superseded_by_id)
            .outerjoin(DecisionParticipant, DecisionParticipant.decision_id == Decision.id)
            .where(Decision.id == decision_id)
            .order_by(DecisionParticipant.user_id)
        )
        self.session.flush()
        rows = self.session.connection().execute(statement).all()
        if not rows:
            return None
        first = rows[0]
        participants = tuple(int(row[17]) for row in rows if row[17] is not None)
        return OpenedDecision(DecisionDetail(self._to_dto(first), participants), first[16])

    def after_id(self, last_id: int, limit: int) -> list[DecisionDTO]:
        """Decisions with ids above ``last_id`` in id order, deleted ones included (for audits)."""
        self.session.flush()
        rows = (
            self.session.connection()
            .execute(self._select().where(Decision.id > last_id).order_by(Decision.id).limit(limit))
            .all()
        )
        return [self._to_dto(row) for row in rows]

    def add(self, **values: Any) -> int:
        """Insert a decision from column values and return its id."""
        return self._insert(Decision, values)

    def participant_ids(self, decision_id: int) -> tuple[int, ...]:
        """The sorted ids of a decision's participants."""
        rows = self.session.execute(
            select(DecisionParticipant.user_id)
            .where(DecisionParticipant.decision_id == decision_id)
            .order_by(DecisionParticipant.user_id)
        ).scalars()
        return tuple(int(user_id) for user_id in rows)

    def set_participants(self, decision_id: int, user_ids: Iterable[int]) -> None:
        """Make the participant set exactly ``user_ids`` (adds and removes only the difference)."""
        wanted = set(user_ids)
        current = set(self.participant_ids(decision_id))
        removed = current - wanted
        if removed:
            self.session.execute(
                delete(DecisionParticipant).where(
                    DecisionParticipant.decision_id == decision_id,
                    DecisionParticipant.user_id.in_(removed),
                )
            )
        added = sorted(wanted - current)
        if added:
            self.session.execute(
                insert(DecisionParticipant),
                [{"decision_id": decision_id, "user_id": user_id} for user_id in added],
            )

    def all_tags(self) -> list[tuple[str, int]]:
        """Every tag in use on decisions with how often, most used first."""
        rows = self.session.execute(text(all_tags_sql(self.session, "decisions"))).all()
        return [(str(tag), int(n)) for tag, n in rows]


class AuditRepository:
    """Append-only access to ``decision_audit_log``: add and read, nothing else."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def add(
        self,
        *,
        decision_id: int,
        changed_by_id: int,
        change_type: str,
        field_name: str | None = None,
        old_value: str | None = None,
        new_value: str | None = None,
        changed_at: dt.datetime | None = None,
    ) -> None:
        """Append one entry."""
        values: dict[str, Any] = {
            "decision_id": decision_id,
            "changed_by_id": changed_by_id,
            "change_type": change_type,
            "field_name": field_name,
            "old_value": old_value,
            "new_value": new_value,
        }
        if changed_at is not None:
            values["changed_at"] = changed_at
        self.session.execute(insert(DecisionAuditEntry), [values])

    def for_decision(self, decision_id: int) -> list[AuditEntryDTO]:
        """A decision's history, newest first: one statement, authors' names joined in."""
        self.session.flush()
        rows = (
            self.session.connection()
            .execute(
                select(
                    DecisionAuditEntry.id,
                    DecisionAuditEntry.decision_id,
                    DecisionAuditEntry.changed_by_id,
                    User.full_name,
                    DecisionAuditEntry.change_type,
                    DecisionAuditEntry.field_name,
                    DecisionAuditEntry.old_value,
                    DecisionAuditEntry.new_value,
                    timestamp_column(self.session, DecisionAuditEntry.__table__.c.changed_at),
                )
                .join(User, User.id == DecisionAuditEntry.changed_by_id)
                .where(DecisionAuditEntry.decision_id == decision_id)
                .order_by(DecisionAuditEntry.changed_at.desc(), DecisionAuditEntry.id.desc())
            )
            .all()
        )
        build, decode = _build_audit_entry, decode_timestamp
        return [build((*row[:8], decode(row[8]))) for row in rows]
