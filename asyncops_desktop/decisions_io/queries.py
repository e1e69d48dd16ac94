"""The few set-wise queries import and export need beyond ``DecisionRepository``.

They answer for a whole page of decisions at once (participants, successors' titles) or
for the whole folder being imported (existing title and date pairs), so no export or
preview ever runs a query per decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from asyncops_desktop.domain.models import Decision, DecisionParticipant, User

# Well under SQLite's and psycopg's bound-parameter limits, and one page of the export.
CHUNK = 5_000
T = TypeVar("T")


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

    def participants(self, decision_ids: Collection[int]) -> dict[int, list[int]]:
        """Participant user ids for each of ``decision_ids``, in one query per chunk."""
        result: dict[int, list[int]] = {}
        ids = sorted(decision_ids)
        connection = self.session.connection()
        for part in chunks(ids):
            rows = connection.execute(
                select(DecisionParticipant.decision_id, DecisionParticipant.user_id).where(
                    DecisionParticipant.decision_id.in_(part)
                )
            )
            for decision_id, user_id in rows:
                result.setdefault(int(decision_id), []).append(int(user_id))
        return result

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

    def existing(self, titles: Iterable[str]) -> dict[tuple[str, dt.date], Existing]:
        """Decisions (live or deleted) whose title is one of ``titles``, by (title, date)."""
        result: dict[tuple[str, dt.date], Existing] = {}
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
                # The oldest wins when the database itself already holds duplicates.
                result.setdefault(
                    (title, day),
                    Existing(int(ident), title, day, deleted_at is not None, successor),
                )
        return result
