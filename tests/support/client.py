"""Scenario 5's client: mixed operations with deliberate overlap, as a person would do them.

Run as ``python -m support.client URL INDEX USER_ID ROLE OPS SEED SHARED_JSON``. Every edit
starts from a fresh read and saves with ``expected_version``; on ``EditConflict`` the client
re-reads and tries again, as a user reviewing the other person's change would. Each
successful save is printed as ``{"save": ...}``, each conflict as ``{"conflict": ...}`` and
anything else as ``{"error": ...}``; the last line is ``{"finished": ...}``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import traceback
from typing import Any

from asyncops_desktop.db import Database
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import EditConflict
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.incidents import IncidentService
from asyncops_desktop.services.status_updates import StatusUpdateService

MAX_ATTEMPTS = 200


class Client:
    """One person working: edits shared records, creates and changes their own."""

    def __init__(
        self, database: Database, index: int, actor: Actor, seed: int, shared: dict[str, Any]
    ) -> None:
        self.index = index
        self.actor = actor
        self.rng = random.Random(seed)
        self.shared_decisions: list[int] = shared["decisions"]
        self.shared_incidents: list[int] = shared["incidents"]
        self.guests: list[int] = shared["guests"]
        self.decisions = DecisionService(database, actor)
        self.incidents = IncidentService(database, actor)
        self.statuses = StatusUpdateService(database, actor)
        self.own_decisions: list[int] = []
        self.own_statuses: list[int] = []
        self.op = 0

    def emit(self, key: str, payload: dict[str, Any]) -> None:
        """One JSON line."""
        sys.stdout.write(json.dumps({key: payload}, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def run(self, ops: int) -> None:
        """Perform ``ops`` operations."""
        for op in range(ops):
            self.op = op
            roll = self.rng.random()
            try:
                if roll < 0.5:
                    self.edit_decision(self.rng.choice(self.shared_decisions))
                elif roll < 0.65 and self.actor.is_admin:
                    self.edit_incident(self.rng.choice(self.shared_incidents))
                elif roll < 0.8 or not self.own_decisions:
                    self.record_decision()
                elif roll < 0.9:
                    self.delete_or_restore(self.rng.choice(self.own_decisions))
                else:
                    self.post_or_edit_status()
            except Exception as exc:  # every failure is reported, none may happen
                self.emit(
                    "error",
                    {"op": op, "type": type(exc).__name__, "message": str(exc)[:500]},
                )
                traceback.print_exc(file=sys.stderr)

    def text(self, attempt: int) -> str:
        """A value nobody else writes, so the audit log tells whose save it was."""
        return f"c{self.index} op{self.op} a{attempt} {self.rng.choice(['ä', '決', '🚀', 'x'])}"

    def edit_decision(self, decision_id: int) -> None:
        """Change a shared decision's title, maybe outcome and guest participants."""
        for attempt in range(MAX_ATTEMPTS):
            current = self.decisions.get(decision_id)
            title = self.text(attempt)
            changes: dict[str, Any] = {"title": title}
            if self.rng.random() < 0.3:
                changes["outcome"] = f"outcome {title}"
            participants = list(current.participant_ids)
            if self.actor.is_admin and self.rng.random() < 0.3:
                guest = self.rng.choice(self.guests)
                participants = sorted(
                    set(participants) ^ {guest}
                )  # toggle one guest, keep the clients
                changes["participant_ids"] = participants
            try:
                saved = self.decisions.update(
                    decision_id, expected_version=current.decision.version, **changes
                )
            except EditConflict:
                self.emit("conflict", {"kind": "decision", "id": decision_id, "op": self.op})
                continue
            audit_rows = 1 + int(
                "outcome" in changes and changes["outcome"] != current.decision.outcome
            )
            audit_rows += int(list(current.participant_ids) != participants)
            self.emit(
                "save",
                {
                    "kind": "decision",
                    "id": decision_id,
                    "version": saved.decision.version,
                    "title": saved.decision.title,
                    "outcome": saved.decision.outcome,
                    "participants": list(saved.participant_ids),
                    "audit_rows": audit_rows,
                },
            )
            return
        raise RuntimeError(f"gave up on decision {decision_id} after {MAX_ATTEMPTS} conflicts")

    def edit_incident(self, incident_id: int) -> None:
        """Change a shared incident's title (and sometimes its severity)."""
        for attempt in range(MAX_ATTEMPTS):
            current = self.incidents.get(incident_id)
            title = self.text(attempt)
            severity = self.rng.choice(["low", "medium", "high", "critical"])
            try:
                saved = self.incidents.edit(
                    incident_id, title=title, severity=severity, expected_version=current.version
                )
            except EditConflict:
                self.emit("conflict", {"kind": "incident", "id": incident_id, "op": self.op})
                continue
            self.emit(
                "save",
                {
                    "kind": "incident",
                    "id": incident_id,
                    "version": saved.version,
                    "title": saved.title,
                    "severity": saved.severity,
                },
            )
            return
        raise RuntimeError(f"gave up on incident {incident_id} after {MAX_ATTEMPTS} conflicts")

    def record_decision(self) -> None:
        """Record a decision of one's own with a guest taking part."""
        detail = self.decisions.record(
            title=self.text(0),
            description="Agreed in the weekly review.",
            context="Load keeps growing.",
            outcome="Do it.",
            decision_date=dt.date(2026, 3, 1),
            tags=["many-clients"],
            participant_ids=[self.actor.user_id, self.rng.choice(self.guests)],
        )
        self.own_decisions.append(detail.decision.id)
        self.emit(
            "save",
            {
                "kind": "decision",
                "id": detail.decision.id,
                "version": detail.decision.version,
                "title": detail.decision.title,
                "outcome": detail.decision.outcome,
                "participants": list(detail.participant_ids),
                "audit_rows": 1,
                "created": True,
            },
        )

    def delete_or_restore(self, decision_id: int) -> None:
        """Soft-delete one's own decision, or restore it (admins) if it is deleted."""
        current = self.decisions.get(decision_id)
        if current.decision.deleted_at is None:
            self.decisions.delete(decision_id, expected_version=current.decision.version)
            version, deleted = current.decision.version + 1, True
        elif self.actor.is_admin:
            version, deleted = self.decisions.restore(decision_id).decision.version, False
        else:
            return
        self.emit(
            "save",
            {
                "kind": "decision",
                "id": decision_id,
                "version": version,
                "title": current.decision.title,
                "outcome": current.decision.outcome,
                "participants": list(current.participant_ids),
                "deleted": deleted,
                "audit_rows": 1,
            },
        )

    def post_or_edit_status(self) -> None:
        """Post a status update, or edit one of one's own."""
        if self.own_statuses and self.rng.random() < 0.5:
            status_id = self.rng.choice(self.own_statuses)
            current = self.statuses.get(status_id)
            self.statuses.edit(status_id, content=self.text(0), expected_version=current.version)
        else:
            self.own_statuses.append(
                self.statuses.post(title=self.text(0), content="All fine.", tags=["c"]).id
            )


def main(argv: list[str]) -> int:
    """Run the client; the exit code is 0 even after errors (they are on stdout)."""
    url, index, user_id, role, ops, seed, shared = argv[1:8]
    database = Database(url)
    client = Client(
        database, int(index), Actor(int(user_id), Role(role)), int(seed), json.loads(shared)
    )
    client.run(int(ops))
    client.emit("finished", {"index": int(index)})
    database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
