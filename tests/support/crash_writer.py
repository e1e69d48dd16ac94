"""Scenario 1's child: service-level writes in a loop, one JSON line per committed write.

Run as ``python -m support.crash_writer URL SEED ADMIN_ID MEMBER_IDS MAX_WRITES``. Before each
write it prints ``{"intent": ...}`` (what it is about to change) and after the service call
returns ``{"done": ...}`` (the record's state as the projection below sees it). The parent kills
it with SIGKILL at random moments and checks that every ``done`` write is in the database.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import BlockerDTO, DecisionDetail, IncidentDTO, StatusUpdateDTO
from asyncops_desktop.domain.enums import IncidentStatus, Role
from asyncops_desktop.domain.errors import NotFound
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.blockers import BlockerService
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.incidents import TRANSITIONS, IncidentService
from asyncops_desktop.services.status_updates import StatusUpdateService

State = dict[str, object] | None
KINDS = ("decision", "status", "incident", "blocker")
TABLES = {
    "decision": "decisions",
    "status": "status_updates",
    "incident": "incidents",
    "blocker": "blockers",
}
WORDS = ("Ölpreis", "決定", "שלום\u200f", "naïve café", "🚀 launch", "O'Brien; DROP TABLE x;--")


def project(kind: str, record: object) -> State:
    """The fields the writer changes, as plain JSON values (None: the record is gone)."""
    if record is None:
        return None
    if isinstance(record, DecisionDetail):
        d = record.decision
        return {
            "title": d.title,
            "outcome": d.outcome,
            "tags": list(d.tags),
            "participants": list(record.participant_ids),
            "status": d.status,
            "deleted": d.deleted_at is not None,
        }
    if isinstance(record, StatusUpdateDTO):
        return {"title": record.title, "content": record.content, "tags": list(record.tags)}
    if isinstance(record, IncidentDTO):
        return {"title": record.title, "severity": record.severity, "status": record.status}
    if isinstance(record, BlockerDTO):
        return {
            "description": record.description,
            "impact": record.impact,
            "status": record.status,
        }
    raise TypeError(f"cannot project {kind}: {record!r}")


def read_state(database: Database, actor: Actor, kind: str, ident: int) -> State:
    """The stored state of one record in the shape ``project`` gives."""
    getters: dict[str, Callable[[int], object]] = {
        "decision": DecisionService(database, actor).get,
        "status": StatusUpdateService(database, actor).get,
        "incident": IncidentService(database, actor).get,
        "blocker": BlockerService(database, actor).get,
    }
    try:
        return project(kind, getters[kind](ident))
    except NotFound:
        return None


class Writer:
    """Chooses and performs one random write at a time, announcing it on stdout."""

    def __init__(self, database: Database, seed: int, admin_id: int, members: list[int]) -> None:
        self.database = database
        self.rng = random.Random(seed)
        self.seed = seed
        self.actor = Actor(admin_id, Role.ADMIN)
        self.members = members
        self.counter = 0
        self.ids: dict[str, list[int]] = {}
        with database.read() as session:
            for kind, table in TABLES.items():
                rows = session.execute(text(f"SELECT id FROM {table} ORDER BY id")).all()
                self.ids[kind] = [int(r[0]) for r in rows]
        self.decisions = DecisionService(database, self.actor)
        self.statuses = StatusUpdateService(database, self.actor)
        self.incidents = IncidentService(database, self.actor)
        self.blockers = BlockerService(database, self.actor)

    def words(self) -> str:
        """A unique text: the seed and a counter make every written value distinct."""
        self.counter += 1
        return f"{self.rng.choice(WORDS)} s{self.seed} #{self.counter}"

    def emit(self, key: str, payload: dict[str, Any]) -> None:
        """One JSON line, flushed at once so a kill right after loses nothing printed."""
        sys.stdout.write(json.dumps({key: payload}, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def step(self) -> None:
        """Perform one write chosen at random."""
        kind = self.rng.choice(KINDS)
        existing = self.ids[kind]
        if not existing or self.rng.random() < 0.3:
            self.create(kind)
        else:
            self.change(kind, self.rng.choice(existing))

    def create(self, kind: str) -> None:
        """Create one record of ``kind``."""
        if kind == "decision":
            participants = sorted(self.rng.sample(self.members, self.rng.randint(0, 2)))
            title, outcome, tags = self.words(), self.words(), [f"t{self.rng.randint(1, 5)}"]
            intent = {
                "title": title,
                "outcome": outcome,
                "tags": tags,
                "participants": participants,
                "status": "accepted",
                "deleted": False,
            }
            self.emit("intent", {"kind": kind, "id": None, "changes": intent})
            detail = self.decisions.record(
                title=title,
                description="What was decided and why.",
                context="Context.",
                outcome=outcome,
                decision_date=dt.date(2026, 1, 1 + self.rng.randint(0, 27)),
                tags=tags,
                participant_ids=participants,
            )
            self.done(kind, detail.decision.id, detail)
        elif kind == "status":
            title, content = self.words(), self.words()
            self.emit("intent", {"kind": kind, "id": None, "changes": {"title": title}})
            update = self.statuses.post(title=title, content=content, tags=["daily"])
            self.done(kind, update.id, update)
        elif kind == "incident":
            title = self.words()
            self.emit("intent", {"kind": kind, "id": None, "changes": {"title": title}})
            incident = self.incidents.report(
                title=title, description="It broke.", severity=self.rng.choice(["low", "high"])
            )
            self.done(kind, incident.id, incident)
        else:
            description = self.words()
            self.emit("intent", {"kind": kind, "id": None, "changes": {"description": description}})
            blocker = self.blockers.raise_blocker(description=description, impact="Waiting.")
            self.done(kind, blocker.id, blocker)

    def done(self, kind: str, ident: int, record: object) -> None:
        """Report a committed write and remember the record for later edits."""
        if record is None:
            self.ids[kind].remove(ident)
        elif ident not in self.ids[kind]:
            self.ids[kind].append(ident)
        self.emit("done", {"kind": kind, "id": ident, "state": project(kind, record)})

    def change(self, kind: str, ident: int) -> None:
        """Edit, move along its workflow or delete an existing record."""
        roll = self.rng.random()
        if kind == "decision":
            self.change_decision(ident, roll)
        elif kind == "status":
            if roll < 0.2:
                self.emit("intent", {"kind": kind, "id": ident, "changes": None})
                self.statuses.delete(ident)
                self.done(kind, ident, None)
            else:
                title, content = self.words(), self.words()
                changes = {"title": title, "content": content}
                self.emit("intent", {"kind": kind, "id": ident, "changes": changes})
                self.done(kind, ident, self.statuses.edit(ident, title=title, content=content))
        elif kind == "incident":
            current = self.incidents.get(ident)
            if roll < 0.5:
                title, severity = self.words(), self.rng.choice(["low", "medium", "critical"])
                changes = {"title": title, "severity": severity}
                self.emit("intent", {"kind": kind, "id": ident, "changes": changes})
                edited = self.incidents.edit(ident, title=title, severity=severity)
                self.done(kind, ident, edited)
            else:
                options = TRANSITIONS[IncidentStatus(current.status)]
                target = self.rng.choice(sorted(status.value for status in options))
                self.emit("intent", {"kind": kind, "id": ident, "changes": {"status": target}})
                moved = self.incidents.change_status(ident, target, resolution_notes="Fixed.")
                self.done(kind, ident, moved)
        else:
            current_blocker = self.blockers.get(ident)
            if roll < 0.5:
                description = self.words()
                changes = {"description": description}
                self.emit("intent", {"kind": kind, "id": ident, "changes": changes})
                self.done(kind, ident, self.blockers.edit(ident, description=description))
            elif current_blocker.status == "active":
                self.emit("intent", {"kind": kind, "id": ident, "changes": {"status": "resolved"}})
                self.done(kind, ident, self.blockers.resolve(ident, "Unblocked."))
            else:
                self.emit("intent", {"kind": kind, "id": ident, "changes": {"status": "active"}})
                self.done(kind, ident, self.blockers.reopen(ident))

    def change_decision(self, ident: int, roll: float) -> None:
        """Edit fields or participants, soft-delete, or restore a decision."""
        current = self.decisions.get(ident)
        kind = "decision"
        if current.decision.deleted_at is not None:
            self.emit("intent", {"kind": kind, "id": ident, "changes": {"deleted": False}})
            self.done(kind, ident, self.decisions.restore(ident))
        elif roll < 0.15:
            self.emit("intent", {"kind": kind, "id": ident, "changes": {"deleted": True}})
            self.decisions.delete(ident)
            self.done(kind, ident, self.decisions.get(ident))
        elif roll < 0.45:
            participants = sorted(self.rng.sample(self.members, self.rng.randint(0, 3)))
            changes: dict[str, object] = {"participants": participants}
            self.emit("intent", {"kind": kind, "id": ident, "changes": changes})
            updated = self.decisions.update(ident, participant_ids=participants)
            self.done(kind, ident, updated)
        else:
            title, outcome = self.words(), self.words()
            tags = [f"t{self.rng.randint(1, 5)}", "edited"]
            changes = {"title": title, "outcome": outcome, "tags": tags}
            self.emit("intent", {"kind": kind, "id": ident, "changes": changes})
            updated = self.decisions.update(ident, title=title, outcome=outcome, tags=tags)
            self.done(kind, ident, updated)


def main(argv: list[str]) -> int:
    """Write until killed or ``MAX_WRITES`` writes are done."""
    url, seed, admin_id, members, max_writes = argv[1:6]
    database = Database(url)
    writer = Writer(database, int(seed), int(admin_id), list(json.loads(members)))
    writer.emit("ready", {})
    for _ in range(int(max_writes)):
        writer.step()
    database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
