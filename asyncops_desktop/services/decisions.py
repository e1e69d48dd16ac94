"""Decisions: record, edit, supersede, soft-delete and restore, with a field-level audit log.

Every change writes its ``decision_audit_log`` rows in the same transaction as the change:
- one ``created`` row whose ``new_value`` is the whole initial state as JSON;
- one ``updated`` row per field that really changed, with old and new values (participants
  as the sorted list of user ids); a save that changes nothing writes nothing;
- one ``deleted`` row (field ``deleted_at``) for a soft delete; a restore is an ``updated``
  of ``deleted_at``.
Replaying a decision's rows in order therefore rebuilds its current state (``replay``) or
its state at any moment (``DecisionService.state_at``). The log itself is append-only: the
database rejects UPDATE and DELETE on it.

Edits carry the version they started from; a save against an older version raises
``EditConflict`` with the current decision instead of overwriting someone else's change.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asyncops_desktop.domain.dto import AuditEntryDTO, DecisionDetail, DecisionDTO, Page
from asyncops_desktop.domain.enums import ChangeType, DecisionStatus
from asyncops_desktop.domain.errors import EditConflict, NotFound, PermissionDenied, ValidationError
from asyncops_desktop.domain.models import Decision, utcnow
from asyncops_desktop.repositories.base import Cursor, Sort
from asyncops_desktop.repositories.decisions import (
    AuditRepository,
    DecisionFilter,
    DecisionRepository,
    SearchHit,
)
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Service, require_active_user

TEXT_FIELDS = ("title", "description", "context", "outcome")
AUDITED_FIELDS = (
    *TEXT_FIELDS,
    "decision_date",
    "tags",
    "status",
    "review_by",
    "superseded_by_id",
)
# What a "created" row from before revision 0003 implies for the fields it lacks.
_CREATED_DEFAULTS: dict[str, object] = {
    "status": DecisionStatus.ACCEPTED.value,
    "review_by": None,
    "superseded_by_id": None,
}
_UNSET: Any = object()


def audit_value(field: str, value: object) -> str | None:
    """How a field's value is written into the audit log."""
    if value is None:
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if field in ("tags", "participants"):
        return json.dumps(list(value), ensure_ascii=False)  # type: ignore[call-overload]
    return str(value)


def created_snapshot(values: dict[str, object], participants: Sequence[int]) -> str:
    """The ``new_value`` of a ``created`` audit row: the whole initial state as JSON."""
    snapshot = {
        name: audit_value(name, values.get(name, _CREATED_DEFAULTS.get(name)))
        for name in AUDITED_FIELDS
    }
    snapshot["participants"] = audit_value("participants", sorted(participants))
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True)


def parse_audit_value(field: str, text: str | None) -> object:
    """The inverse of ``audit_value`` for ``field``."""
    if text is None:
        return None
    if field in ("decision_date", "review_by"):
        return dt.date.fromisoformat(text)
    if field == "deleted_at":
        return dt.datetime.fromisoformat(text)
    if field == "tags":
        return list(json.loads(text))
    if field == "participants":
        return sorted(int(user_id) for user_id in json.loads(text))
    if field == "superseded_by_id":
        return int(text)
    return text


def replay(entries: Sequence[AuditEntryDTO]) -> dict[str, object] | None:
    """The state a decision's audit entries (oldest first) lead to; None before ``created``."""
    state: dict[str, object] | None = None
    for entry in entries:
        if entry.change_type == ChangeType.CREATED.value:
            snapshot = json.loads(entry.new_value or "{}")
            state = {**_CREATED_DEFAULTS, "deleted_at": None}
            state.update({name: parse_audit_value(name, value) for name, value in snapshot.items()})
        elif state is not None and entry.field_name is not None:
            state[entry.field_name] = parse_audit_value(entry.field_name, entry.new_value)
    return state


def state_of(detail: DecisionDetail) -> dict[str, object]:
    """A decision's current row in the same shape ``replay`` produces."""
    decision = detail.decision
    state: dict[str, object] = {name: getattr(decision, name) for name in AUDITED_FIELDS}
    state["tags"] = list(decision.tags)
    state["participants"] = list(detail.participant_ids)
    state["deleted_at"] = decision.deleted_at
    return state


# Runs of whitespace, words (letters and digits, with inner apostrophes as in "don't"), and
# every other character on its own: "notes," is the word "notes" and a comma, so adding a
# comma after a word marks only the comma.
_TOKENS = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class DiffPart:
    """A run of text in a word diff: ``kind`` is "same", "removed" or "added"."""

    kind: str
    text: str


def _tokens(text: str) -> list[str]:
    """``text`` as whitespace runs, words and single punctuation marks; they join to ``text``."""
    return _TOKENS.findall(text)


def word_diff(old: str | None, new: str | None) -> list[DiffPart]:
    """Word-level differences between two texts, whitespace kept, for the history panel.

    Punctuation is compared apart from the words it follows. Joining the ``same`` and
    ``removed`` parts gives ``old`` back exactly; ``same`` and ``added`` give ``new``.
    """
    before = _tokens(old or "")
    after = _tokens(new or "")
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(DiffPart("same", "".join(before[a1:a2])))
            continue
        if a2 > a1:
            parts.append(DiffPart("removed", "".join(before[a1:a2])))
        if b2 > b1:
            parts.append(DiffPart("added", "".join(after[b1:b2])))
    return parts


class DecisionService(Service):
    """Recording, editing, superseding, deleting and restoring decisions."""

    # -- validation -----------------------------------------------------------------------
    def _validated(self, *, partial: bool, **fields: Any) -> dict[str, object]:
        """Validate the given fields; a partial update skips the ones left unset (None)."""
        values: dict[str, object] = {}
        title = fields.get("title")
        if title is not None or not partial:
            values["title"] = v.text("title", title, v.TITLE_MAX)
        for name in ("description", "context", "outcome"):
            value = fields.get(name)
            if value is not None or not partial:
                values[name] = v.text(name, value, v.DECISION_TEXT_MAX)
        decision_date = fields.get("decision_date")
        if decision_date is not None or not partial:
            values["decision_date"] = v.date("decision_date", decision_date)
        if fields.get("tags") is not None:
            values["tags"] = v.tags("tags", fields["tags"])
        status = fields.get("status")
        if status is not None or not partial:
            values["status"] = v.choice("status", status, DecisionStatus).value
        review_by = fields.get("review_by", _UNSET)
        if review_by is not _UNSET:
            values["review_by"] = None if review_by is None else v.date("review_by", review_by)
        return values

    def _new_decision_values(
        self, *, tags: Sequence[str] | None, **fields: Any
    ) -> dict[str, object]:
        """Every field of a decision about to be created, validated; it cannot start superseded."""
        values = self._validated(partial=False, tags=[] if tags is None else tags, **fields)
        if values["status"] == DecisionStatus.SUPERSEDED.value:
            raise ValidationError("status", "a new decision cannot start out superseded")
        return values

    def _participants(
        self, session: Session, user_ids: Sequence[int], already: Sequence[int] = ()
    ) -> list[int]:
        """Sorted unique ids; people added now must be active, those already there may not be."""
        unique = sorted(set(v.identifiers("participant_ids", user_ids)))
        for user_id in unique:
            if user_id not in already:
                require_active_user(session, "participant_ids", user_id)
        return unique

    def _audit(
        self,
        session: Session,
        decision_id: int,
        field: str,
        old: object,
        new: object,
        change_type: ChangeType = ChangeType.UPDATED,
    ) -> None:
        AuditRepository(session).add(
            decision_id=decision_id,
            changed_by_id=self.actor.user_id,
            change_type=change_type.value,
            field_name=field,
            old_value=audit_value(field, old),
            new_value=audit_value(field, new),
        )

    def _load(
        self, session: Session, decision_id: int, *, include_deleted: bool = False
    ) -> Decision:
        # FOR UPDATE on PostgreSQL: the version check and the write cannot be interleaved
        # with another client's; SQLite's write lock already serialises them.
        row = session.get(Decision, decision_id, with_for_update=True)
        if row is None or (row.deleted_at is not None and not include_deleted):
            raise NotFound("Decision", decision_id)
        return row

    def _require_editor(self, session: Session, row: Decision) -> None:
        if self.actor.is_admin or row.created_by_id == self.actor.user_id:
            return
        if self.actor.user_id in DecisionRepository(session).participant_ids(row.id):
            return
        raise PermissionDenied(
            "Only its creator, a participant or an admin can edit this decision."
        )

    def _check_version(self, session: Session, row: Decision, expected: int | None) -> None:
        if expected is not None and row.version != expected:
            raise EditConflict("Decision", row.id, self._detail(session, row.id))

    def _check_successor(self, session: Session, decision_id: int, successor_id: int) -> None:
        """``successor_id`` may replace ``decision_id``: it exists, is not itself, makes no cycle."""
        v.identifier("superseded_by_id", successor_id)
        if successor_id == decision_id:
            raise ValidationError("superseded_by_id", "a decision cannot supersede itself")
        seen = {decision_id}
        current: int | None = successor_id
        while current is not None:
            if current in seen:
                raise ValidationError(
                    "superseded_by_id",
                    "that link would make a cycle of decisions superseding each other",
                )
            seen.add(current)
            successor = session.get(Decision, current)
            if successor is None or successor.deleted_at is not None:
                raise ValidationError("superseded_by_id", f"decision {current} does not exist")
            current = successor.superseded_by_id

    # -- actions --------------------------------------------------------------------------
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
        status: str = DecisionStatus.ACCEPTED.value,
        review_by: dt.date | None = None,
    ) -> DecisionDetail:
        """Record a new decision with its participants; audited as ``created``."""
        values = self._new_decision_values(
            title=title,
            description=description,
            context=context,
            outcome=outcome,
            decision_date=decision_date,
            tags=tags,
            status=status,
            review_by=review_by,
        )
        with self._write() as session:
            return self._detail(session, self._create(session, values, participant_ids))

    def _create(
        self, session: Session, values: dict[str, object], participant_ids: Sequence[int]
    ) -> int:
        participants = self._participants(session, participant_ids)
        repo = DecisionRepository(session)
        decision_id = repo.add(created_by_id=self.actor.user_id, **values)
        repo.set_participants(decision_id, participants)
        AuditRepository(session).add(
            decision_id=decision_id,
            changed_by_id=self.actor.user_id,
            change_type=ChangeType.CREATED.value,
            new_value=created_snapshot(values, participants),
        )
        return decision_id

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
        status: str | None = None,
        review_by: Any = _UNSET,
        superseded_by_id: Any = _UNSET,
        expected_version: int | None = None,
    ) -> DecisionDetail:
        """Change the given fields; one ``updated`` audit row per field that really changed.

        ``expected_version`` is the version the edit started from; if someone saved since,
        ``EditConflict`` is raised and nothing is written. Accepting a decision marks the
        decisions it replaces as superseded, in the same transaction.
        """
        v.identifier("id", decision_id)
        values = self._validated(
            partial=True,
            title=title,
            description=description,
            context=context,
            outcome=outcome,
            decision_date=decision_date,
            tags=tags,
            status=status,
            review_by=review_by,
        )
        with self._write() as session:
            row = self._load(session, decision_id)
            self._require_editor(session, row)
            self._check_version(session, row, expected_version)
            if superseded_by_id is not _UNSET:
                if superseded_by_id is not None:
                    self._check_successor(session, decision_id, superseded_by_id)
                values["superseded_by_id"] = superseded_by_id
            target_status = values.get("status", row.status)
            successor = values.get("superseded_by_id", row.superseded_by_id)
            if target_status == DecisionStatus.SUPERSEDED.value and successor is None:
                raise ValidationError(
                    "status", "only a decision replaced by another can be superseded: use Supersede"
                )
            changed = False
            for name, new in values.items():
                old = getattr(row, name)
                if name == "tags":
                    old = list(old or [])
                if old != new:
                    self._audit(session, decision_id, name, old, new)
                    setattr(row, name, new)
                    changed = True
            if participant_ids is not None:
                repo = DecisionRepository(session)
                current = list(repo.participant_ids(decision_id))
                wanted = self._participants(session, participant_ids, current)
                if wanted != current:
                    repo.set_participants(decision_id, wanted)
                    self._audit(session, decision_id, "participants", current, wanted)
                    changed = True
            if changed:
                row.version += 1
                if values.get("status") == DecisionStatus.ACCEPTED.value:
                    self._supersede_predecessors(session, decision_id)
            session.flush()
            return self._detail(session, decision_id)

    def _supersede_predecessors(self, session: Session, decision_id: int) -> None:
        """Mark the decisions replaced by ``decision_id`` as superseded (it was just accepted)."""
        predecessors = session.execute(
            select(Decision)
            .where(
                Decision.superseded_by_id == decision_id,
                Decision.status != DecisionStatus.SUPERSEDED.value,
                Decision.deleted_at.is_(None),
            )
            .with_for_update()
        ).scalars()
        for old in predecessors:
            self._audit(session, old.id, "status", old.status, DecisionStatus.SUPERSEDED.value)
            old.status = DecisionStatus.SUPERSEDED.value
            old.version += 1

    def supersede(
        self,
        decision_id: int,
        *,
        title: str,
        description: str,
        context: str,
        outcome: str,
        decision_date: dt.date,
        tags: Sequence[str] | None = None,
        participant_ids: Sequence[int] = (),
        status: str = DecisionStatus.PROPOSED.value,
        review_by: dt.date | None = None,
    ) -> DecisionDetail:
        """Create a decision that replaces ``decision_id``, linked to it in one transaction.

        The old decision becomes superseded when the new one is accepted (at once, if it is
        created accepted). Both sides are audited.
        """
        v.identifier("id", decision_id)
        values = self._new_decision_values(
            title=title,
            description=description,
            context=context,
            outcome=outcome,
            decision_date=decision_date,
            tags=tags,
            status=status,
            review_by=review_by,
        )
        with self._write() as session:
            old = self._load(session, decision_id)
            self._require_editor(session, old)
            if old.status == DecisionStatus.SUPERSEDED.value:
                raise ValidationError("status", "this decision has already been superseded")
            new_id = self._create(session, values, participant_ids)
            self._audit(session, decision_id, "superseded_by_id", old.superseded_by_id, new_id)
            old.superseded_by_id = new_id
            old.version += 1
            if values["status"] == DecisionStatus.ACCEPTED.value:
                self._supersede_predecessors(session, new_id)
            session.flush()
            return self._detail(session, new_id)

    def delete(self, decision_id: int, *, expected_version: int | None = None) -> None:
        """Soft-delete: the decision and its whole history stay; its creator or an admin."""
        v.identifier("id", decision_id)
        with self._write() as session:
            row = self._load(session, decision_id)
            if not self.actor.is_admin and row.created_by_id != self.actor.user_id:
                raise PermissionDenied("Only its creator or an admin can delete this decision.")
            self._check_version(session, row, expected_version)
            now = self._deletion_time()
            self._audit(session, decision_id, "deleted_at", None, now, ChangeType.DELETED)
            row.deleted_at = now
            row.version += 1

    def _deletion_time(self) -> dt.datetime:
        """When a delete takes effect: now (an offline delete synced later: when it was made)."""
        return utcnow()

    def restore(self, decision_id: int) -> DecisionDetail:
        """Bring back a deleted decision (admins only); audited as an update of ``deleted_at``."""
        self._require_admin("restore deleted decisions")
        v.identifier("id", decision_id)
        with self._write() as session:
            row = self._load(session, decision_id, include_deleted=True)
            if row.deleted_at is None:
                raise ValidationError("deleted_at", "this decision is not deleted")
            self._audit(session, decision_id, "deleted_at", row.deleted_at, None)
            row.deleted_at = None
            row.version += 1
            session.flush()
            return self._detail(session, decision_id)

    # -- reading --------------------------------------------------------------------------
    def _detail(self, session: Session, decision_id: int) -> DecisionDetail:
        opened = DecisionRepository(session).opened(decision_id)
        if opened is None:
            raise NotFound("Decision", decision_id)
        return opened.detail

    def get(self, decision_id: int) -> DecisionDetail:
        """A decision with its participants (deleted ones too, so history stays reachable)."""
        with self._read() as session:
            return self._detail(session, decision_id)

    def history(self, decision_id: int) -> list[AuditEntryDTO]:
        """The decision's audit entries, newest first."""
        with self._read() as session:
            return AuditRepository(session).for_decision(decision_id)

    def state_at(self, decision_id: int, moment: dt.datetime) -> dict[str, object] | None:
        """The decision as it was at ``moment``, rebuilt from the audit log (None: not yet created)."""
        entries = [
            entry for entry in reversed(self.history(decision_id)) if entry.changed_at <= moment
        ]
        return replay(entries)

    def page(
        self,
        filters: DecisionFilter | None = None,
        sort: Sort | None = None,
        *,
        after: Cursor | None = None,
        limit: int = 50,
    ) -> Page[DecisionDTO]:
        """A page of decisions (``filters.text`` filters by full-text match)."""
        with self._read() as session:
            return DecisionRepository(session).page(filters, sort, after=after, limit=limit)

    def search(
        self, query: str, filters: DecisionFilter | None = None, *, offset: int = 0, limit: int = 50
    ) -> list[SearchHit]:
        """Ranked full-text search with highlights (web-search syntax)."""
        with self._read() as session:
            return DecisionRepository(session).search(query, filters, offset=offset, limit=limit)

    def count(self, filters: DecisionFilter | None = None) -> int:
        """How many decisions match."""
        with self._read() as session:
            return DecisionRepository(session).count(filters)
