"""Offline review of decisions: snapshot a server into a SQLite file, edit it, sync back.

Snapshot. ``take_snapshot`` copies the decisions matching a filter (plus the decisions they
are superseded by, so every link resolves), their participants and full audit history, with
the same ids, into a freshly migrated SQLite file. Of the users table only the id, name and
email of the people those rows mention are copied; each gets a bcrypt hash of a random secret
that is thrown away (unusable), and no token, throttle or other row is copied. The source is
read in one REPEATABLE READ transaction (a consistent picture), the file is written under a
temporary name and renamed only when complete, so a cancel or failure leaves no half file.

Working offline. ``open_snapshot`` needs no network: it opens the file like any SQLite
database. Edits go through ``OfflineDecisionService``, which *is* a ``DecisionService`` on the
snapshot: every edit is applied and audited locally exactly as online, and in the same local
transaction a row of ``offline_pending_changes`` keeps what was asked (the service call and
its arguments), the version it was based on, the original time, and the state before the
edit of every decision it touched (so ``discard`` can put them back). New decisions get a
temporary id above ``LOCAL_ID_BASE``, out of reach of server ids.

Sync. Pending changes are sent in order through ``DecisionService`` on the server, each only
if the server's version is still the one it was based on (checked under a row lock in the
same transaction, for every kind of change). A conflict becomes a per-field
``ConflictRecord`` (base, theirs, mine) and the sync continues; later changes to the same
decision then conflict too, since they built on the refused one. New decisions get server ids
and later changes and links are remapped. After a full pass the snapshot is refreshed from
the server; conflicts and failures are carried into the new file (under the same ids, with
the decisions they are about, deleted ones too) to be resolved or discarded.

Resolving. Whether the decision is deleted is a field of the conflict (``deleted_at``)
whenever a delete or restore is involved on either side, and a supersede's new decision is
its ``superseded_by_id``. ``OfflineWorkspace.resolve`` applies the user's choices in one
server transaction, checked against the version the conflict showed and recorded once as
the offline change: restore first if kept, then the field values, then the supersede, then
the delete. The other open conflicts on that decision are then restated against its new
version, and changes that waited for a decision the supersede created are queued again.

Audit attribution (the choice made here). Audit rows written by a sync name the syncing user
and carry the time the change was made offline as ``changed_at`` (never earlier than the
decision's latest entry, so each decision's history keeps the same order by time as by id,
which ``state_at`` relies on); ``created_at`` of a new decision is its offline creation time,
and ``deleted_at`` of an offline delete the time it was deleted offline. A conflict resolved
later is audited when it is resolved (the user chose then). The marker that a change was made
offline is the server table ``decision_offline_changes`` (change id, decision, user, original
time, sync time), written in the same transaction as the change: the audit values themselves
stay in the format ``replay`` and ``verify`` read.

Idempotency. Each pending change has a client-generated ``change_uid``. The server row above
commits with the change or not at all, and the change is marked applied in the snapshot only
after the server commit. A sync killed between the two finds the uid on the server when run
again and marks the change applied (with the server id it produced) instead of repeating it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import bcrypt
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from asyncops_desktop import migrate
from asyncops_desktop.db import Database, sqlite_url
from asyncops_desktop.domain.dto import DecisionDetail
from asyncops_desktop.domain.enums import ChangeType, Role
from asyncops_desktop.domain.errors import (
    AsyncOpsError,
    ConflictError,
    EditConflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from asyncops_desktop.domain.models import (
    Decision,
    DecisionAuditEntry,
    DecisionOfflineChange,
    DecisionParticipant,
    OfflinePendingChange,
    OfflineSnapshotInfo,
    User,
    utcnow,
)
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.decisions import (
    AuditRepository,
    DecisionFilter,
    DecisionRepository,
)
from asyncops_desktop.repositories.users import UserRepository
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import (
    AUDITED_FIELDS,
    DecisionService,
    audit_value,
    parse_audit_value,
    replay,
    state_of,
)

CHUNK = 500
# New decisions made offline get ids above this until sync gives them server ids (a server
# would need two billion decisions to reach it; ids stop at 2**31 - 1 on PostgreSQL).
LOCAL_ID_BASE = 2_000_000_000
STATE_FIELDS = (*AUDITED_FIELDS, "participants", "deleted_at")
# Arguments that mean "clear it" when None; for the others None means "leave it".
NULLABLE_ARGS = ("review_by", "superseded_by_id")


class OfflineCancelled(AsyncOpsError):
    """The user cancelled; nothing was written."""


class OfflineError(AsyncOpsError):
    """The file is not a usable offline snapshot, or the action does not apply to it."""


@dataclass(frozen=True)
class Progress:
    """How far a long step is: ``phase`` is "reading", "copying" or "syncing"."""

    phase: str
    done: int
    total: int


ProgressCallback = Callable[[Progress], None]


class Cancellation:
    """A flag the GUI sets from its thread; the worker stops at the next checkpoint."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the running job to stop."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether ``cancel`` was called."""
        return self._event.is_set()

    def check(self) -> None:
        """Raise ``OfflineCancelled`` if cancelled."""
        if self._event.is_set():
            raise OfflineCancelled("Cancelled: nothing was written.")


@dataclass(frozen=True)
class SnapshotFilter:
    """Which decisions to take offline; ``mine`` is an email: decisions they take part in."""

    tag: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    mine: str | None = None

    def to_json(self) -> str:
        """The filter as stored in the snapshot."""
        return json.dumps(
            {
                "tag": self.tag,
                "date_from": self.date_from.isoformat() if self.date_from else None,
                "date_to": self.date_to.isoformat() if self.date_to else None,
                "mine": self.mine,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> SnapshotFilter:
        """The inverse of ``to_json``."""
        data = json.loads(text or "{}")
        return cls(
            tag=data.get("tag"),
            date_from=dt.date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
            date_to=dt.date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
            mine=data.get("mine"),
        )


@dataclass(frozen=True)
class SnapshotInfo:
    """Where a snapshot came from and when; ``owner_*`` is who works in it offline."""

    path: Path
    source: str
    source_profile: str | None
    taken_at: dt.datetime
    schema_revision: str
    filters: SnapshotFilter
    owner_user_id: int | None
    owner_email: str | None
    owner_role: str | None

    def actor(self) -> Actor | None:
        """The actor edits are made as offline (None: read-only copy)."""
        if self.owner_user_id is None:
            return None
        return Actor(self.owner_user_id, Role(self.owner_role or Role.MEMBER.value))

    def title(self) -> str:
        """A label such as "Offline: Team server, as of 21 Nov 14:05 UTC"."""
        return (
            f"Offline: {self.source_profile or self.source}, as of {self.taken_at:%d %b %H:%M} UTC"
        )

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        """How old the copy is."""
        return (now or utcnow()) - self.taken_at


@dataclass(frozen=True)
class SnapshotReport:
    """What ``take_snapshot`` wrote."""

    info: SnapshotInfo
    decisions: int
    participants: int
    audit_entries: int
    users: int
    kept_changes: int = 0


@dataclass(frozen=True)
class FieldConflict:
    """One field of a conflict: the value the edit started from, the server's, the user's."""

    field: str
    base: object
    theirs: object
    mine: object

    @property
    def changed_by_them(self) -> bool:
        """The other person changed this field since the snapshot."""
        return self.theirs != self.base


@dataclass(frozen=True)
class ConflictRecord:
    """A pending change the server refused because the decision changed meanwhile."""

    change_id: int
    decision_id: int
    server_version: int
    fields: tuple[FieldConflict, ...]


@dataclass(frozen=True)
class PendingChange:
    """An offline edit: ``state`` is "pending", "applied", "conflict" or "failed"."""

    id: int
    change_uid: str
    kind: str
    decision_id: int
    new_decision_id: int | None
    base_version: int | None
    arguments: dict[str, object]
    made_at: dt.datetime
    made_by_id: int
    state: str
    server_decision_id: int | None
    message: str | None
    conflict: ConflictRecord | None

    def describe(self, titles: Mapping[int, str] | None = None) -> str:
        """One line for the pending-changes panel; ``titles`` names decisions by their title."""

        def name(decision_id: int) -> str:
            title = (titles or {}).get(decision_id)
            return f"“{title}”" if title else f"decision {decision_id}"

        if self.kind == "record":
            return f"New decision “{self.arguments.get('title')}”"
        if self.kind == "supersede":
            return f"{name(self.decision_id)} superseded by “{self.arguments.get('title')}”"
        if self.kind == "delete":
            return f"Deleted {name(self.decision_id)}"
        if self.kind == "restore":
            return f"Restored {name(self.decision_id)}"
        names = ", ".join(arg.replace("_ids", "s").replace("_", " ") for arg in self.arguments)
        return f"Changed {names} of {name(self.decision_id)}"


@dataclass(frozen=True)
class ChangeOutcome:
    """What sync did with one change: "applied", "already applied", "conflict" or "failed"."""

    change_id: int
    kind: str
    local_id: int
    server_id: int | None
    result: str
    message: str | None = None
    conflict: ConflictRecord | None = None


@dataclass(frozen=True)
class SyncReport:
    """Every change's outcome, and the refreshed snapshot (None when not refreshed)."""

    outcomes: tuple[ChangeOutcome, ...]
    refreshed: SnapshotReport | None = None
    id_map: dict[int, int] = field(default_factory=dict)

    @property
    def applied(self) -> int:
        """Changes now on the server (including ones found there already)."""
        return sum(o.result in ("applied", "already applied") for o in self.outcomes)

    @property
    def conflicts(self) -> tuple[ConflictRecord, ...]:
        """The conflicts to resolve."""
        return tuple(o.conflict for o in self.outcomes if o.conflict is not None)

    @property
    def failed(self) -> tuple[ChangeOutcome, ...]:
        """Changes the server refused for another reason (validation, permission)."""
        return tuple(o for o in self.outcomes if o.result == "failed")


# -- encoding --------------------------------------------------------------------------------
def is_local_id(decision_id: int) -> bool:
    """Whether an id is a temporary one of a decision created offline and not yet synced."""
    return decision_id > LOCAL_ID_BASE


def _encode_arguments(arguments: Mapping[str, object]) -> dict[str, object]:
    encoded: dict[str, object] = {}
    for name, value in arguments.items():
        if name == "expected_version" or (value is None and name not in NULLABLE_ARGS):
            continue
        if isinstance(value, dt.date):
            encoded[name] = value.isoformat()
        elif name in ("tags", "participant_ids"):
            encoded[name] = list(value)  # type: ignore[call-overload]
        else:
            encoded[name] = value
    return encoded


def _decode_arguments(data: Mapping[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("decision_date", "review_by") and value is not None:
            decoded[name] = dt.date.fromisoformat(value)
        else:
            decoded[name] = value
    return decoded


def _encode_state(state: Mapping[str, object]) -> dict[str, str | None]:
    return {name: audit_value(name, state.get(name)) for name in STATE_FIELDS}


def _decode_state(data: Mapping[str, str | None]) -> dict[str, object]:
    return {name: parse_audit_value(name, data.get(name)) for name in STATE_FIELDS}


def _state_field(name: str) -> str:
    return "participants" if name == "participant_ids" else name


def _conflict_to_json(record: ConflictRecord) -> str:
    return json.dumps(
        {
            "decision_id": record.decision_id,
            "server_version": record.server_version,
            "fields": [
                {
                    "field": f.field,
                    "base": audit_value(f.field, f.base),
                    "theirs": audit_value(f.field, f.theirs),
                    "mine": audit_value(f.field, f.mine),
                }
                for f in record.fields
            ],
        }
    )


def _conflict_from_json(change_id: int, text: str | None) -> ConflictRecord | None:
    if not text:
        return None
    data = json.loads(text)
    return ConflictRecord(
        change_id,
        int(data["decision_id"]),
        int(data["server_version"]),
        tuple(
            FieldConflict(
                f["field"],
                parse_audit_value(f["field"], f["base"]),
                parse_audit_value(f["field"], f["theirs"]),
                parse_audit_value(f["field"], f["mine"]),
            )
            for f in data["fields"]
        ),
    )


def _pending_from_row(row: OfflinePendingChange) -> PendingChange:
    return PendingChange(
        row.id,
        row.change_uid,
        row.kind,
        row.decision_id,
        row.new_decision_id,
        row.base_version,
        _decode_arguments(json.loads(row.payload)),
        row.made_at,
        row.made_by_id,
        row.state,
        row.server_decision_id,
        row.message,
        _conflict_from_json(row.id, row.conflict),
    )


# -- taking a snapshot -------------------------------------------------------------------------
def _unusable_hash() -> str:
    """A bcrypt hash of a random secret nobody keeps: well-formed, matches no password."""
    return bcrypt.hashpw(secrets.token_urlsafe(32).encode("ascii"), bcrypt.gensalt(4)).decode()


def _remove_file_set(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def _selected_ids(
    session: Session, filters: SnapshotFilter, progress: ProgressCallback | None, cancel: Any
) -> list[int]:
    participant_id: int | None = None
    if filters.mine:
        user = UserRepository(session).by_email(filters.mine)
        if user is None:
            raise ValidationError("mine", f"no user has the email {filters.mine}")
        participant_id = user.id
    wanted = DecisionFilter(
        tag=filters.tag,
        date_from=filters.date_from,
        date_to=filters.date_to,
        participant_id=participant_id,
    )
    repo = DecisionRepository(session)
    total = repo.count(wanted)
    ids: list[int] = []
    cursor = None
    while True:
        if cancel is not None:
            cancel.check()
        page = repo.page(wanted, Sort("id", descending=False), after=cursor, limit=CHUNK)
        ids += [d.id for d in page.rows]
        if progress is not None:
            progress(Progress("reading", len(ids), total))
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def _with_successors(session: Session, ids: list[int]) -> list[int]:
    """``ids`` plus every decision they are (transitively) superseded by."""
    chosen = set(ids)
    frontier = list(ids)
    while frontier:
        found: set[int] = set()
        for start in range(0, len(frontier), CHUNK):
            rows = session.execute(
                select(Decision.superseded_by_id).where(
                    Decision.id.in_(frontier[start : start + CHUNK]),
                    Decision.superseded_by_id.is_not(None),
                )
            ).scalars()
            found |= {int(r) for r in rows if r is not None and int(r) not in chosen}
        chosen |= found
        frontier = sorted(found)
    return sorted(chosen)


def _table_rows(
    session: Session, table: Any, column: Any, ids: Sequence[int]
) -> list[dict[str, Any]]:
    rows = session.execute(select(table).where(column.in_(ids)).order_by(table.c.id)).mappings()
    return [dict(row) for row in rows]


def take_snapshot(
    source: Database,
    out: Path | str,
    *,
    filters: SnapshotFilter | None = None,
    owner_email: str | None = None,
    source_profile: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: Cancellation | None = None,
    keep_changes: Sequence[Mapping[str, Any]] = (),
) -> SnapshotReport:
    """Write the filtered decisions of ``source`` to the SQLite file ``out`` (all or nothing).

    ``owner_email`` (default: ``filters.mine``) is who will edit the copy offline;
    ``keep_changes`` are pending-change rows carried over by a refresh.
    """
    filters = filters or SnapshotFilter()
    owner_email = owner_email or filters.mine
    target_path = Path(out).expanduser()
    if not target_path.parent.is_dir():
        raise ValidationError("out", f"the folder {target_path.parent} does not exist")
    temp_path = target_path.with_name(f".{target_path.name}.{uuid.uuid4().hex[:8]}.partial")
    target: Database | None = None
    try:
        revision = migrate.schema_state(source.engine).current or "(none)"
        target = Database(sqlite_url(temp_path))
        migrate.upgrade(target.engine, backup=False)
        with source.read() as src, target.write() as dst:
            if source.dialect == "postgresql":
                # Every query below sees the same moment: no audit row without its decision.
                src.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            taken_at = utcnow()
            # Links between decisions are copied in any order; SQLite checks them at commit.
            dst.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            ids = _selected_ids(src, filters, progress, cancel)
            # Decisions that changes carried over still refer to come along, even deleted
            # ones (a conflict with a deletion on the server), so each change can be shown.
            held = {int(c["decision_id"]) for c in keep_changes} - set(ids)
            ids = _with_successors(src, ids + sorted(i for i in held if not is_local_id(i)))
            owner = UserRepository(src).by_email(owner_email) if owner_email else None
            if owner_email and owner is None:
                raise ValidationError("owner", f"no user has the email {owner_email}")
            counts = _copy_decisions(src, dst, ids, owner.id if owner else None, progress, cancel)
            dst.execute(
                insert(OfflineSnapshotInfo).values(
                    source=source.masked_url[:500],
                    source_profile=source_profile,
                    taken_at=taken_at,
                    schema_revision=revision,
                    filters=filters.to_json(),
                    owner_user_id=owner.id if owner else None,
                    owner_email=owner.email if owner else None,
                    owner_role=owner.role if owner else None,
                )
            )
            for change in keep_changes:
                dst.execute(insert(OfflinePendingChange).values(**change, local_effects=False))
            if cancel is not None:
                cancel.check()
        target.dispose()
        target = None
        # A WAL or journal left by an earlier file of that name must not meet the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{target_path}{suffix}").unlink()
        temp_path.replace(target_path)
    except BaseException:
        if target is not None:
            target.dispose()
        _remove_file_set(temp_path)
        raise
    info = SnapshotInfo(
        target_path,
        source.masked_url[:500],
        source_profile,
        taken_at,
        revision,
        filters,
        owner.id if owner else None,
        owner.email if owner else None,
        owner.role if owner else None,
    )
    return SnapshotReport(info, *counts, kept_changes=len(keep_changes))


def _copy_decisions(
    src: Session,
    dst: Session,
    ids: list[int],
    owner_id: int | None,
    progress: ProgressCallback | None,
    cancel: Cancellation | None,
) -> tuple[int, int, int, int]:
    decisions: Any = Decision.__table__
    participants: Any = DecisionParticipant.__table__
    audit: Any = DecisionAuditEntry.__table__
    user_ids: set[int] = {owner_id} if owner_id is not None else set()
    copied = [0, 0, 0]
    for start in range(0, len(ids), CHUNK):
        if cancel is not None:
            cancel.check()
        chunk = ids[start : start + CHUNK]
        rows = _table_rows(src, decisions, decisions.c.id, chunk)
        part_rows = _table_rows(src, participants, participants.c.decision_id, chunk)
        audit_rows = _table_rows(src, audit, audit.c.decision_id, chunk)
        user_ids |= {r["created_by_id"] for r in rows}
        user_ids |= {r["user_id"] for r in part_rows}
        user_ids |= {r["changed_by_id"] for r in audit_rows}
        for table, batch, index in (
            (decisions, rows, 0),
            (participants, part_rows, 1),
            (audit, audit_rows, 2),
        ):
            if batch:
                dst.execute(insert(table), batch)
            copied[index] += len(batch)
        if progress is not None:
            progress(Progress("copying", min(start + CHUNK, len(ids)), len(ids)))
    users = sorted(user_ids)
    for start in range(0, len(users), CHUNK):
        found = src.execute(
            select(User.id, User.email, User.full_name).where(
                User.id.in_(users[start : start + CHUNK])
            )
        ).all()
        # Names and emails only: role, state and the real hash stay on the server.
        dst.execute(
            insert(User),
            [
                {"id": uid, "email": email, "full_name": name, "password_hash": _unusable_hash()}
                for uid, email, name in found
            ],
        )
    return copied[0], copied[1], copied[2], len(users)


# -- working offline --------------------------------------------------------------------------
@dataclass
class _Intent:
    kind: str
    decision_id: int | None
    arguments: dict[str, object]


def _decision_state(session: Session, decision_id: int) -> dict[str, object] | None:
    repo = DecisionRepository(session)
    decision = repo.get(decision_id)
    if decision is None:
        return None
    return state_of(DecisionDetail(decision, repo.participant_ids(decision_id)))


class OfflineDecisionService(DecisionService):
    """``DecisionService`` on a snapshot: each edit is applied locally and kept as a pending change."""

    def __init__(self, database: Database, actor: Actor) -> None:
        super().__init__(database, actor)
        self._intent: _Intent | None = None

    @contextmanager
    def _intending(
        self, kind: str, decision_id: int | None, arguments: Mapping[str, object]
    ) -> Iterator[None]:
        self._intent = _Intent(kind, decision_id, _encode_arguments(arguments))
        try:
            yield
        finally:
            self._intent = None

    @contextmanager
    def _write(self) -> Iterator[Session]:
        intent = self._intent
        with super()._write() as session:
            if intent is None:
                yield session
                return
            mark = int(
                session.execute(
                    select(func.coalesce(func.max(DecisionAuditEntry.id), 0))
                ).scalar_one()
            )
            watched: dict[int, dict[str, Any]] = {}
            if intent.decision_id is not None:
                rows = session.execute(
                    select(Decision.id, Decision.version).where(
                        or_(
                            Decision.id == intent.decision_id,
                            Decision.superseded_by_id == intent.decision_id,
                        )
                    )
                ).all()
                for decision_id, version in rows:
                    state = _decision_state(session, decision_id)
                    assert state is not None
                    watched[decision_id] = {"version": version, "state": _encode_state(state)}
            yield session
            session.flush()
            self._keep_pending(session, intent, mark, watched)

    def _keep_pending(
        self, session: Session, intent: _Intent, mark: int, watched: dict[int, dict[str, Any]]
    ) -> None:
        entries = session.execute(
            select(DecisionAuditEntry.decision_id, DecisionAuditEntry.change_type)
            .where(DecisionAuditEntry.id > mark)
            .order_by(DecisionAuditEntry.id)
        ).all()
        if not entries:
            return  # the save changed nothing: there is nothing to sync
        created = [int(d) for d, kind in entries if kind == ChangeType.CREATED.value]
        before: dict[str, dict[str, Any] | None] = {}
        for decision_id in dict.fromkeys(int(d) for d, _ in entries):
            if decision_id in created:
                before[str(decision_id)] = None
            elif decision_id in watched:
                before[str(decision_id)] = watched[decision_id]
            else:
                history = AuditRepository(session).for_decision(decision_id)
                earlier = [e for e in reversed(history) if e.id <= mark]
                version = session.get(Decision, decision_id)
                assert version is not None
                before[str(decision_id)] = {
                    "version": version.version - 1,
                    "state": _encode_state(replay(earlier) or {}),
                }
        primary = intent.decision_id if intent.decision_id is not None else created[0]
        base = watched.get(primary, {}).get("version") if intent.decision_id is not None else None
        session.execute(
            insert(OfflinePendingChange).values(
                change_uid=str(uuid.uuid4()),
                kind=intent.kind,
                decision_id=primary,
                new_decision_id=created[0] if created else None,
                base_version=base,
                payload=json.dumps(intent.arguments, sort_keys=True),
                before=json.dumps(before, sort_keys=True),
                made_at=utcnow(),
                made_by_id=self.actor.user_id,
            )
        )

    def _create(
        self, session: Session, values: dict[str, object], participant_ids: Sequence[int]
    ) -> int:
        if self._intent is None:
            return super()._create(session, values, participant_ids)
        # Temporary ids come from the top of the id range, far above any server's ids.
        highest = session.execute(select(func.max(Decision.id))).scalar()
        temporary = max(LOCAL_ID_BASE, int(highest or 0)) + 1
        return super()._create(session, {**values, "id": temporary}, participant_ids)

    # The edits: the same signatures as DecisionService, recorded as pending changes.
    def record(self, **arguments: Any) -> DecisionDetail:
        """Record a new decision offline (it gets a temporary id, see ``is_local_id``)."""
        with self._intending("record", None, arguments):
            return super().record(**arguments)

    def update(self, decision_id: int, **arguments: Any) -> DecisionDetail:
        """Change fields offline; synced with the version this edit started from."""
        with self._intending("update", decision_id, arguments):
            return super().update(decision_id, **arguments)

    def supersede(self, decision_id: int, **arguments: Any) -> DecisionDetail:
        """Create a decision replacing ``decision_id``, offline."""
        with self._intending("supersede", decision_id, arguments):
            return super().supersede(decision_id, **arguments)

    def delete(self, decision_id: int, *, expected_version: int | None = None) -> None:
        """Soft-delete offline."""
        with self._intending("delete", decision_id, {}):
            super().delete(decision_id, expected_version=expected_version)

    def restore(self, decision_id: int) -> DecisionDetail:
        """Restore a deleted decision offline (admins)."""
        with self._intending("restore", decision_id, {}):
            return super().restore(decision_id)


def _read_info(database: Database, path: Path) -> SnapshotInfo:
    with database.read() as session:
        row = (
            session.execute(select(OfflineSnapshotInfo).order_by(OfflineSnapshotInfo.id.desc()))
            .scalars()
            .first()
        )
        if row is None:
            raise OfflineError(f"{path} is a database but not an offline snapshot.")
        return SnapshotInfo(
            path,
            row.source,
            row.source_profile,
            row.taken_at,
            row.schema_revision,
            SnapshotFilter.from_json(row.filters),
            row.owner_user_id,
            row.owner_email,
            row.owner_role,
        )


class OfflineWorkspace:
    """An open snapshot: browse and edit through ``decisions``, list, discard and sync changes."""

    def __init__(self, path: Path, actor: Actor | None = None) -> None:
        self.path = path
        self._actor_override = actor
        self.database: Database
        self.info: SnapshotInfo
        self.decisions: OfflineDecisionService
        self._open()

    def _open(self) -> None:
        self.database = migrate.open_database(sqlite_url(self.path))
        try:
            self.info = _read_info(self.database, self.path)
        except BaseException:
            self.database.dispose()
            raise
        actor = self._actor_override or self.info.actor()
        # Without an owner the copy is read-only: the local service refuses every edit.
        self.decisions = OfflineDecisionService(self.database, actor or Actor(0))

    @property
    def actor(self) -> Actor:
        """Whom edits are made as."""
        return self.decisions.actor

    def close(self) -> None:
        """Close the file."""
        self.database.dispose()

    def __enter__(self) -> OfflineWorkspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pending changes --------------------------------------------------------------------
    def decision_titles(self) -> dict[int, str]:
        """Every decision in the copy (deleted ones too) by id, for describing changes."""
        with self.database.read() as session:
            rows = session.execute(select(Decision.id, Decision.title)).all()
        return {int(decision_id): str(title) for decision_id, title in rows}

    def pending_changes(self, *, include_applied: bool = False) -> list[PendingChange]:
        """Offline edits in the order they were made (pending, conflicting and failed ones)."""
        with self.database.read() as session:
            query = select(OfflinePendingChange).order_by(OfflinePendingChange.id)
            if not include_applied:
                query = query.where(OfflinePendingChange.state != "applied")
            return [_pending_from_row(row) for row in session.execute(query).scalars()]

    def discard(self, change_id: int) -> list[int]:
        """Drop a change and every later one that builds on it; put the local rows back.

        Returns the ids of the changes dropped. The local rows are set back through the
        service (audited locally, so the copy stays verifiable) to the state kept with the
        change, and their version to the server's, so later edits sync against it.
        """
        with self.database.read() as session:
            rows = list(
                session.execute(
                    select(OfflinePendingChange)
                    .where(
                        OfflinePendingChange.id >= change_id,
                        OfflinePendingChange.state != "applied",
                    )
                    .order_by(OfflinePendingChange.id)
                ).scalars()
            )
        if not rows or rows[0].id != change_id:
            raise NotFound("Pending change", change_id)
        dropped = [rows[0]]
        touched: dict[int, dict[str, Any] | None] = {}
        if rows[0].local_effects:
            touched.update({int(k): v for k, v in json.loads(rows[0].before).items()})
            for row in rows[1:]:
                if not row.local_effects:
                    continue
                before = {int(k): v for k, v in json.loads(row.before).items()}
                linked = _decode_arguments(json.loads(row.payload)).get("superseded_by_id")
                if set(before) & set(touched) or linked in touched:
                    dropped.append(row)
                    for decision_id, state in before.items():
                        touched.setdefault(decision_id, state)
        reverter = DecisionService(self.database, Actor(self.actor.user_id, Role.ADMIN))
        for decision_id, before_state in touched.items():
            _revert(reverter, decision_id, before_state)
        with self.database.write() as session:
            for decision_id, before_state in touched.items():
                if before_state is not None:
                    session.execute(
                        update(Decision)
                        .where(Decision.id == decision_id)
                        .values(version=int(before_state["version"]))
                    )
            session.execute(
                delete(OfflinePendingChange).where(
                    OfflinePendingChange.id.in_([r.id for r in dropped])
                )
            )
        return [r.id for r in dropped]

    # -- sync -------------------------------------------------------------------------------
    def sync(
        self,
        server: Database,
        actor: Actor | None = None,
        *,
        progress: ProgressCallback | None = None,
        cancel: Cancellation | None = None,
        refresh: bool = True,
    ) -> SyncReport:
        """Send the pending changes to ``server`` in order, then refresh the copy from it."""
        actor = actor or self.actor
        with self.database.read() as session:
            rows = list(
                session.execute(
                    select(OfflinePendingChange).order_by(OfflinePendingChange.id)
                ).scalars()
            )
        id_map = {
            r.new_decision_id: r.server_decision_id
            for r in rows
            if r.state == "applied"
            and r.new_decision_id is not None
            and r.server_decision_id is not None
        }
        todo = [r for r in rows if r.state == "pending"]
        starts = _starting_states(r for r in rows if r.state != "applied")
        blocked = {
            int(k)
            for r in rows
            if r.state in ("conflict", "failed") and r.local_effects
            for k in json.loads(r.before)
        }
        outcomes: list[ChangeOutcome] = []
        for index, row in enumerate(todo):
            if cancel is not None:
                cancel.check()
            outcome = _apply(server, actor, row, id_map, blocked, starts)
            if outcome.result in ("conflict", "failed"):
                blocked |= {int(k) for k in json.loads(row.before)}
            _mark_done(self.database, row.id, outcome)
            if (
                row.new_decision_id is not None
                and outcome.server_id is not None
                and outcome.result in ("applied", "already applied")
            ):
                id_map[row.new_decision_id] = outcome.server_id
            outcomes.append(outcome)
            if progress is not None:
                progress(Progress("syncing", index + 1, len(todo)))
        refreshed = self.refresh(server, progress=progress, cancel=cancel) if refresh else None
        return SyncReport(tuple(outcomes), refreshed, {int(k): int(v) for k, v in id_map.items()})

    def refresh(
        self,
        server: Database,
        *,
        progress: ProgressCallback | None = None,
        cancel: Cancellation | None = None,
    ) -> SnapshotReport:
        """Take the snapshot again with the same filter; unresolved conflicts are kept."""
        with self.database.read() as session:
            rows = list(
                session.execute(
                    select(OfflinePendingChange)
                    .where(OfflinePendingChange.state != "applied")
                    .order_by(OfflinePendingChange.id)
                ).scalars()
            )
        if any(r.state == "pending" for r in rows):
            raise OfflineError("Sync or discard the pending changes before refreshing the copy.")
        keep = [
            {
                c.key: getattr(r, c.key)
                for c in OfflinePendingChange.__table__.columns
                if c.key != "local_effects"
            }
            for r in rows
        ]
        info = self.info
        self.database.dispose()
        try:
            report = take_snapshot(
                server,
                self.path,
                filters=info.filters,
                owner_email=info.owner_email,
                source_profile=info.source_profile,
                progress=progress,
                cancel=cancel,
                keep_changes=keep,
            )
        finally:
            self._open()
        return report

    def resolve(
        self,
        change_id: int,
        server: Database,
        choices: Mapping[str, Any],
        actor: Actor | None = None,
    ) -> DecisionDetail:
        """Save the user's choices for a conflict on the server, against the version they saw.

        ``choices`` maps service argument names (``title``, ``participant_ids``…) to values;
        only what differs from the server's version needs to be there. ``deleted_at`` says
        whether the decision ends deleted (a time: deleted, None: not deleted), and a
        ``superseded_by_id`` naming the decision a supersede created offline creates it now.
        Everything is one transaction, recorded once as the offline change (safe to repeat).
        Raises ``EditConflict`` again if the decision changed once more; then refresh.
        """
        change = next((c for c in self.pending_changes() if c.id == change_id), None)
        if change is None or change.conflict is None:
            raise NotFound("Conflict", change_id)
        decision_id = change.conflict.decision_id
        wanted = dict(choices)
        ends_deleted: bool | None = None
        if "deleted_at" in wanted:
            ends_deleted = wanted.pop("deleted_at") is not None
        successor = wanted.get("superseded_by_id")
        supersede = isinstance(successor, int) and is_local_id(successor)
        if supersede:
            if change.kind != "supersede" or successor != change.new_decision_id:
                raise ValidationError(
                    "superseded_by_id", f"decision {successor} does not exist on the server"
                )
            del wanted["superseded_by_id"]
        actor = actor or self.actor
        service = _SyncService(
            server,
            actor,
            change.change_uid,
            change.kind if change.kind in ("delete", "restore", "supersede") else "update",
            utcnow(),
            (decision_id, change.conflict.server_version),
            offline_at=change.made_at,
        )
        try:
            with service.together() as session:
                row = session.get(Decision, decision_id)
                assert row is not None  # the version check found it under a lock
                deleted = row.deleted_at is not None
                if deleted and ends_deleted is False:
                    service.restore(decision_id)
                    deleted = False
                if deleted and (wanted or supersede):
                    raise ValidationError(
                        "deleted_at",
                        "the decision was deleted on the server: keep your side of Deleted "
                        "to restore it with your changes, or keep theirs for every field",
                    )
                if wanted:
                    service.update(decision_id, **wanted)
                if supersede:
                    successor_arguments: dict[str, Any] = dict(change.arguments)
                    service.supersede(decision_id, **successor_arguments)
                if ends_deleted and not deleted:
                    service.delete(decision_id)
        except _AlreadyApplied as done:
            # Recorded under the decision it created, for a supersede.
            service.created_id = done.decision_id if supersede else None
        except EditConflict as moved:
            # Changed once more: the conflict now shows that version, to be chosen again.
            assert isinstance(moved.current, DecisionDetail)
            self._restate_conflicts(moved.current)
            raise
        detail = DecisionService(server, actor).get(decision_id)
        created = service.created_id
        with self.database.write() as session:
            session.execute(
                update(OfflinePendingChange)
                .where(OfflinePendingChange.id == change_id)
                .values(
                    state="applied",
                    server_decision_id=created or detail.decision.id,
                    conflict=None,
                )
            )
            if created is not None and change.new_decision_id is not None:
                _requeue_builders(session, change.new_decision_id)
        self._restate_conflicts(detail)
        return detail

    def _restate_conflicts(self, current: DecisionDetail) -> None:
        """The open conflicts on this decision now start from ``current``, its server version.

        Without this, resolving one of two conflicts on a decision would leave the other
        pointing at a version that no longer exists, refused however it was resolved.
        """
        with self.database.write() as session:
            rows = list(
                session.execute(
                    select(OfflinePendingChange)
                    .where(OfflinePendingChange.state != "applied")
                    .order_by(OfflinePendingChange.id)
                ).scalars()
            )
            starts = _starting_states(rows)
            for row in rows:
                record = _conflict_from_json(row.id, row.conflict)
                if record is None or record.decision_id != current.decision.id:
                    continue
                arguments = _decode_arguments(json.loads(row.payload))
                row.conflict = _conflict_to_json(_conflict_record(row, arguments, current, starts))


def _requeue_builders(session: Session, local_id: int) -> None:
    """Changes refused because the new decision ``local_id`` was missing wait to sync again.

    Its creation was held back by a conflict; now that it exists on the server (the sync
    maps ``local_id`` to it), the edits made to it or linking to it can be sent.
    """
    rows = session.execute(
        select(OfflinePendingChange).where(OfflinePendingChange.state == "failed")
    ).scalars()
    for row in rows:
        link = json.loads(row.payload).get("superseded_by_id")
        if row.decision_id == local_id or link == local_id:
            row.state = "pending"
            row.message = None


def _revert(service: DecisionService, decision_id: int, before: dict[str, Any] | None) -> None:
    """Put a local decision back to ``before`` (None: it was created offline, delete it)."""
    current = service.get(decision_id)
    if before is None:
        if current.decision.deleted_at is None:
            service.delete(decision_id)
        return
    target = _decode_state(before["state"])
    if current.decision.deleted_at is not None and target["deleted_at"] is None:
        current = service.restore(decision_id)
    now = state_of(current)
    changes: dict[str, Any] = {
        name: target[name] for name in AUDITED_FIELDS if target[name] != now[name]
    }
    if target["participants"] != now["participants"]:
        changes["participant_ids"] = target["participants"]
    if changes:
        service.update(decision_id, **changes)
    if target["deleted_at"] is not None and now["deleted_at"] is None:
        service.delete(decision_id)


def open_snapshot(path: Path | str, actor: Actor | None = None) -> OfflineWorkspace:
    """Open a snapshot file (no network); edits are made as ``actor``, else its owner."""
    location = Path(path).expanduser()
    if not location.is_file():
        raise NotFound("Offline snapshot", str(location))
    return OfflineWorkspace(location, actor)


def snapshot_profile(info: SnapshotInfo, name: str | None = None) -> Profile:
    """A connection profile for a snapshot, named like "Offline: Team server, as of 21 Nov 14:05"."""
    return Profile(
        name=name or info.title().removesuffix(" UTC")[:100],
        kind=ProfileKind.OFFLINE,
        path=str(info.path),
        source_profile=info.source_profile or info.source,
        snapshot_taken_at=info.taken_at.isoformat(timespec="seconds"),
    )


def remember_snapshot(store: ProfileStore, info: SnapshotInfo) -> Profile:
    """Add the snapshot to the profile list, or update the profile already on its file."""
    wanted = snapshot_profile(info)
    for existing in store.profiles():
        if existing.kind is ProfileKind.OFFLINE and existing.path == wanted.path:
            # A name the user chose is kept; the generated one follows the snapshot's time.
            name = wanted.name if existing.name.startswith("Offline: ") else existing.name
            return store.update(replace(wanted, id=existing.id, name=name))
    return store.add(wanted)


# -- sync on the server --------------------------------------------------------------------------
class _AlreadyApplied(Exception):
    """The server has this change already (a sync that was interrupted after the commit)."""

    def __init__(self, decision_id: int) -> None:
        super().__init__(decision_id)
        self.decision_id = decision_id


class _SyncService(DecisionService):
    """``DecisionService`` on the server for one offline change: checked, timed, recorded once."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        change_uid: str,
        kind: str,
        made_at: dt.datetime,
        expected: tuple[int, int] | None,
        offline_at: dt.datetime | None = None,
    ) -> None:
        super().__init__(database, actor)
        self.change_uid = change_uid
        self.kind = kind
        # When the audit rows are dated, and when the change was made offline (the same,
        # except for a conflict resolved later: audited when resolved, made when offline).
        self.made_at = made_at
        self.offline_at = offline_at or made_at
        self.expected = expected
        self.created_id: int | None = None
        self._session: Session | None = None

    @contextmanager
    def _write(self) -> Iterator[Session]:
        if self._session is not None:
            # Inside ``together``: one more step of the same change, in the same transaction.
            yield self._session
            return
        with super()._write() as session:
            done = session.get(DecisionOfflineChange, self.change_uid)
            if done is not None:
                raise _AlreadyApplied(done.decision_id)
            if self.expected is not None:
                decision_id, version = self.expected
                # Every kind of change (restore and supersede too) applies only to the version
                # it was made on; the row lock keeps the check and the write together.
                row = session.get(Decision, decision_id, with_for_update=True)
                if row is None:
                    raise NotFound("Decision", decision_id)
                if row.version != version:
                    raise EditConflict("Decision", decision_id, self._detail(session, decision_id))
            self._session = session
            try:
                yield session
            finally:
                self._session = None
            session.flush()
            target = self.created_id or (self.expected[0] if self.expected else None)
            assert target is not None
            session.add(
                DecisionOfflineChange(
                    change_uid=self.change_uid,
                    decision_id=target,
                    changed_by_id=self.actor.user_id,
                    kind=self.kind,
                    made_at=self.offline_at,
                )
            )
            session.flush()

    def together(self) -> contextlib.AbstractContextManager[Session]:
        """One transaction (checked and recorded once) for several service calls."""
        return self._write()

    def _deletion_time(self) -> dt.datetime:
        # Deleted when the user deleted it offline (a resolved conflict: when resolved).
        return self.made_at

    def _when(self, session: Session, decision_id: int) -> dt.datetime:
        latest = session.execute(
            select(func.max(DecisionAuditEntry.changed_at)).where(
                DecisionAuditEntry.decision_id == decision_id
            )
        ).scalar()
        return self.made_at if latest is None else max(self.made_at, latest)

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
            changed_at=self._when(session, decision_id),
        )

    def _create(
        self, session: Session, values: dict[str, object], participant_ids: Sequence[int]
    ) -> int:
        # As DecisionService._create, but dated when the decision was recorded offline.
        from asyncops_desktop.services.decisions import created_snapshot

        participants = self._participants(session, participant_ids)
        repo = DecisionRepository(session)
        decision_id = repo.add(created_by_id=self.actor.user_id, created_at=self.made_at, **values)
        repo.set_participants(decision_id, participants)
        AuditRepository(session).add(
            decision_id=decision_id,
            changed_by_id=self.actor.user_id,
            change_type=ChangeType.CREATED.value,
            new_value=created_snapshot(values, participants),
            changed_at=self.made_at,
        )
        self.created_id = decision_id
        return decision_id


def _apply(
    server: Database,
    actor: Actor,
    row: OfflinePendingChange,
    id_map: Mapping[int, int],
    blocked: set[int],
    starts: Mapping[int, Any] | None = None,
) -> ChangeOutcome:
    """Apply one pending change on the server (one transaction) and say what happened.

    ``blocked`` holds the local decisions an earlier, refused change touched: a later change
    to one of them built on a state the server never had, so it is a conflict as well (even
    if the server's version number happens to match again).
    """
    arguments = _decode_arguments(json.loads(row.payload))
    local_id = row.new_decision_id if row.kind == "record" else row.decision_id

    def server_id(local: int) -> int | None:
        return id_map.get(local) if is_local_id(local) else local

    target = server_id(row.decision_id) if row.kind != "record" else None
    link = arguments.get("superseded_by_id")
    if isinstance(link, int):
        arguments["superseded_by_id"] = server_id(link)
    if (row.kind != "record" and target is None) or (
        isinstance(link, int) and arguments["superseded_by_id"] is None
    ):
        return ChangeOutcome(
            row.id,
            row.kind,
            local_id or row.decision_id,
            None,
            "failed",
            "It builds on a new decision that could not be created on the server.",
        )
    expected = (
        (target, row.base_version) if target is not None and row.base_version is not None else None
    )
    if blocked & {int(k) for k in json.loads(row.before)} and target is not None:
        with server.read() as session:
            done = session.get(DecisionOfflineChange, row.change_uid)
        if done is not None:
            return ChangeOutcome(row.id, row.kind, row.decision_id, target, "already applied")
        try:
            current = DecisionService(server, actor).get(target)
        except NotFound as missing:
            return ChangeOutcome(row.id, row.kind, row.decision_id, None, "failed", str(missing))
        return ChangeOutcome(
            row.id,
            row.kind,
            row.decision_id,
            target,
            "conflict",
            "It builds on an earlier change to this decision that was not applied.",
            _conflict_record(row, arguments, current, starts),
        )
    service = _SyncService(server, actor, row.change_uid, row.kind, row.made_at, expected)
    try:
        result_id: int | None = target
        if row.kind == "record":
            result_id = service.record(**arguments).decision.id
        elif row.kind == "update":
            assert target is not None
            service.update(target, expected_version=row.base_version, **arguments)
        elif row.kind == "supersede":
            assert target is not None
            result_id = service.supersede(target, **arguments).decision.id
        elif row.kind == "delete":
            assert target is not None
            service.delete(target, expected_version=row.base_version)
        elif row.kind == "restore":
            assert target is not None
            service.restore(target)
        else:
            raise OfflineError(f"unknown kind of change '{row.kind}'")
    except _AlreadyApplied as done:
        found = done.decision_id if row.new_decision_id is not None else target
        return ChangeOutcome(
            row.id, row.kind, local_id or row.decision_id, found, "already applied"
        )
    except EditConflict as conflict:
        assert isinstance(conflict.current, DecisionDetail)
        record = _conflict_record(row, arguments, conflict.current, starts)
        return ChangeOutcome(
            row.id, row.kind, local_id or row.decision_id, target, "conflict", str(conflict), record
        )
    except (ValidationError, PermissionDenied, NotFound, ConflictError) as refused:
        return ChangeOutcome(
            row.id, row.kind, local_id or row.decision_id, None, "failed", str(refused)
        )
    return ChangeOutcome(row.id, row.kind, local_id or row.decision_id, result_id, "applied")


def _starting_states(rows: Iterable[OfflinePendingChange]) -> dict[int, Any]:
    """Per decision, the state kept with the first of ``rows`` (in order) that touched it.

    That is the server's state as the copy knew it; later changes' own "before" states hold
    earlier offline edits, which the other person never saw.
    """
    starts: dict[int, Any] = {}
    for row in rows:
        for decision_id, state in json.loads(row.before).items():
            starts.setdefault(int(decision_id), state)
    return starts


def _conflict_record(
    row: OfflinePendingChange,
    arguments: Mapping[str, object],
    current: DecisionDetail,
    starts: Mapping[int, Any] | None = None,
) -> ConflictRecord:
    """The fields to choose between: the user's, and whether the decision is deleted.

    A delete, restore or supersede also shows every field the server changed meanwhile (the
    user's value there is their own just before the change), so the choice is made knowing
    what it deletes or replaces. Whenever the server deleted or restored the decision
    meanwhile, ``deleted_at`` is one of the fields: keeping the user's side restores or
    deletes it again. ``base`` is the server's state as the copy knew it (``starts``).
    """
    theirs = state_of(current)
    before = json.loads(row.before).get(str(row.decision_id))
    own = _decode_state(before["state"]) if before else {}
    start = starts.get(row.decision_id, before) if starts is not None else before
    base = _decode_state(start["state"]) if start else {}
    mine: dict[str, object] = {_state_field(k): v for k, v in arguments.items()}
    if row.kind == "delete":
        mine = {"deleted_at": row.made_at}
    elif row.kind == "restore":
        mine = {"deleted_at": None}
    elif row.kind == "supersede":
        mine = {"superseded_by_id": row.new_decision_id}
    if row.kind in ("delete", "restore", "supersede") and base:
        for name in STATE_FIELDS:
            if name not in mine and name != "deleted_at" and theirs.get(name) != base.get(name):
                mine[name] = own.get(name)
    if (
        "deleted_at" not in mine
        and base
        and (theirs["deleted_at"] is None) != (base.get("deleted_at") is None)
    ):
        mine["deleted_at"] = own.get("deleted_at")
    fields = []
    for name in STATE_FIELDS:
        if name not in mine:
            continue
        value = mine[name]
        if name == "tags" and value is not None:
            value = list(value)  # type: ignore[call-overload]
        if name == "participants" and value is not None:
            value = sorted(value)  # type: ignore[call-overload]
        fields.append(FieldConflict(name, base.get(name), theirs.get(name), value))
    return ConflictRecord(row.id, current.decision.id, current.decision.version, tuple(fields))


def _mark_done(snapshot: Database, change_id: int, outcome: ChangeOutcome) -> None:
    """Record a change's outcome in the snapshot (only ever after the server committed it)."""
    state = "applied" if outcome.result in ("applied", "already applied") else outcome.result
    with snapshot.write() as session:
        session.execute(
            update(OfflinePendingChange)
            .where(OfflinePendingChange.id == change_id)
            .values(
                state=state,
                server_decision_id=outcome.server_id,
                message=outcome.message if state != "applied" else None,
                conflict=_conflict_to_json(outcome.conflict) if outcome.conflict else None,
            )
        )


__all__ = [
    "Cancellation",
    "ChangeOutcome",
    "ConflictRecord",
    "FieldConflict",
    "OfflineCancelled",
    "OfflineDecisionService",
    "OfflineError",
    "OfflineWorkspace",
    "PendingChange",
    "Progress",
    "SnapshotFilter",
    "SnapshotInfo",
    "SnapshotReport",
    "SyncReport",
    "is_local_id",
    "open_snapshot",
    "remember_snapshot",
    "snapshot_profile",
    "take_snapshot",
]
