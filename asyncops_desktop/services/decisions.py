"""Decisions: record and edit, with participants and a field-level audit log.

Every create and update writes its ``decision_audit_log`` rows in the same transaction as
the change. The ``created`` row carries the whole initial state as JSON so the current row
can always be rebuilt by replaying the log; each ``updated`` row carries one field's old
and new value (participants as the sorted list of user ids). A save that changes nothing
writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from asyncops_desktop.domain.dto import AuditEntryDTO, DecisionDetail, DecisionDTO, Page
from asyncops_desktop.domain.enums import ChangeType
from asyncops_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from asyncops_desktop.domain.models import Decision
from asyncops_desktop.repositories.base import Cursor, Sort
from asyncops_desktop.repositories.decisions import (
    AuditRepository,
    DecisionFilter,
    DecisionRepository,
)
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Service, require_active_user

AUDITED_FIELDS = ("title", "description", "context", "outcome", "decision_date", "tags")


def audit_value(field: str, value: object) -> str | None:
    """How a field's value is written into the audit log."""
    if value is None:
        return None
    if field == "decision_date" and isinstance(value, dt.date):
        return value.isoformat()
    if field in ("tags", "participants"):
        return json.dumps(list(value), ensure_ascii=False)  # type: ignore[call-overload]
    return str(value)


class DecisionService(Service):
    """Recording and editing decisions."""

    def _validated(
        self,
        *,
        partial: bool,
        title: str | None,
        description: str | None,
        context: str | None,
        outcome: str | None,
        decision_date: dt.date | None,
        tags: Sequence[str] | None,
    ) -> dict[str, object]:
        """Validate the given fields; a partial update skips the ones left as None."""
        values: dict[str, object] = {}
        if title is not None or not partial:
            values["title"] = v.text("title", title, v.TITLE_MAX)
        for name, value in (
            ("description", description),
            ("context", context),
            ("outcome", outcome),
        ):
            if value is not None or not partial:
                values[name] = v.text(name, value, v.DECISION_TEXT_MAX)
        if decision_date is not None or not partial:
            values["decision_date"] = v.date("decision_date", decision_date)
        if tags is not None:
            values["tags"] = v.tags("tags", tags)
        return values

    def _participants(
        self, session: Session, user_ids: Sequence[int], already: Sequence[int] = ()
    ) -> list[int]:
        """Sorted unique ids; people added now must be active, those already there may not be."""
        if isinstance(user_ids, (str, bytes)):
            raise ValidationError("participant_ids", "must be a list of user ids")
        unique = sorted({v.identifier("participant_ids", user_id) for user_id in user_ids})
        for user_id in unique:
            if user_id not in already:
                require_active_user(session, "participant_ids", user_id)
        return unique

    def record(
        self,
        *,
        title: str,
        description: str,
        context: str,
        outcome: str,
        decision_date: dt.date,
        tags: Sequence[str] | None = None,
        participant_ids: Sequence[int] = (),
    ) -> DecisionDetail:
        """Record a new decision with its participants; audited as ``created``."""
        values = self._validated(
            partial=False,
            title=title,
            description=description,
            context=context,
            outcome=outcome,
            decision_date=decision_date,
            tags=[] if tags is None else tags,
        )
        with self._write() as session:
            participants = self._participants(session, participant_ids)
            repo = DecisionRepository(session)
            decision_id = repo.add(created_by_id=self.actor.user_id, **values)
            repo.set_participants(decision_id, participants)
            snapshot = {name: audit_value(name, values[name]) for name in AUDITED_FIELDS}
            snapshot["participants"] = audit_value("participants", participants)
            AuditRepository(session).add(
                decision_id=decision_id,
                changed_by_id=self.actor.user_id,
                change_type=ChangeType.CREATED.value,
                new_value=json.dumps(snapshot, ensure_ascii=False, sort_keys=True),
            )
            return self._detail(session, decision_id)

    def update(
        self,
        decision_id: int,
        *,
        title: str | None = None,
        description: str | None = None,
        context: str | None = None,
        outcome: str | None = None,
        decision_date: dt.date | None = None,
        tags: Sequence[str] | None = None,
        participant_ids: Sequence[int] | None = None,
    ) -> DecisionDetail:
        """Change the given fields; one ``updated`` audit row per field that really changed."""
        v.identifier("id", decision_id)
        values = self._validated(
            partial=True,
            title=title,
            description=description,
            context=context,
            outcome=outcome,
            decision_date=decision_date,
            tags=tags,
        )
        with self._write() as session:
            row = session.get(Decision, decision_id)
            if row is None:
                raise NotFound("Decision", decision_id)
            audit = AuditRepository(session)
            repo = DecisionRepository(session)
            if (
                not self.actor.is_admin
                and row.created_by_id != self.actor.user_id
                and self.actor.user_id not in repo.participant_ids(decision_id)
            ):
                raise PermissionDenied(
                    "Only its creator, a participant or an admin can edit this decision."
                )
            for name, new in values.items():
                old = getattr(row, name)
                if name == "tags":
                    old = list(old or [])
                if old != new:
                    audit.add(
                        decision_id=decision_id,
                        changed_by_id=self.actor.user_id,
                        change_type=ChangeType.UPDATED.value,
                        field_name=name,
                        old_value=audit_value(name, old),
                        new_value=audit_value(name, new),
                    )
                    setattr(row, name, new)
            if participant_ids is not None:
                current = list(repo.participant_ids(decision_id))
                wanted = self._participants(session, participant_ids, current)
                if wanted != current:
                    repo.set_participants(decision_id, wanted)
                    audit.add(
                        decision_id=decision_id,
                        changed_by_id=self.actor.user_id,
                        change_type=ChangeType.UPDATED.value,
                        field_name="participants",
                        old_value=audit_value("participants", current),
                        new_value=audit_value("participants", wanted),
                    )
            session.flush()
            return self._detail(session, decision_id)

    def _detail(self, session: Session, decision_id: int) -> DecisionDetail:
        repo = DecisionRepository(session)
        decision = repo.get(decision_id)
        if decision is None:
            raise NotFound("Decision", decision_id)
        return DecisionDetail(decision, repo.participant_ids(decision_id))

    def get(self, decision_id: int) -> DecisionDetail:
        """A decision with its participants."""
        with self._read() as session:
            return self._detail(session, decision_id)

    def history(self, decision_id: int) -> list[AuditEntryDTO]:
        """The decision's audit entries, newest first."""
        with self._read() as session:
            return AuditRepository(session).for_decision(decision_id)

    def page(
        self,
        filters: DecisionFilter | None = None,
        sort: Sort | None = None,
        *,
        after: Cursor | None = None,
        limit: int = 50,
    ) -> Page[DecisionDTO]:
        """A page of decisions (full-text search through ``filters.text``)."""
        with self._read() as session:
            return DecisionRepository(session).page(filters, sort, after=after, limit=limit)

    def count(self, filters: DecisionFilter | None = None) -> int:
        """How many decisions match."""
        with self._read() as session:
            return DecisionRepository(session).count(filters)
