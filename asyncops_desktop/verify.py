"""``db verify``: the checks that prove a database has kept its history.

- For every decision, its current row equals the state rebuilt by replaying its audit log
  from ``created`` onwards (``services.decisions.replay``).
- No orphans: participants, audit entries and blocker links all point at existing rows.
- On SQLite, ``PRAGMA integrity_check`` and ``foreign_key_check`` are clean.
Decisions are checked in keyset chunks with three queries per chunk, so a large database
is verified in bounded memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import AuditEntryDTO, DecisionDetail
from asyncops_desktop.domain.models import DecisionAuditEntry, DecisionParticipant
from asyncops_desktop.repositories.decisions import DecisionRepository
from asyncops_desktop.services.decisions import replay, state_of

CHUNK = 2_000

ORPHAN_QUERIES = {
    "participants of missing decisions": (
        "SELECT count(*) FROM decision_participants p "
        "LEFT JOIN decisions d ON d.id = p.decision_id WHERE d.id IS NULL"
    ),
    "participants who are missing users": (
        "SELECT count(*) FROM decision_participants p "
        "LEFT JOIN users u ON u.id = p.user_id WHERE u.id IS NULL"
    ),
    "audit entries of missing decisions": (
        "SELECT count(*) FROM decision_audit_log a "
        "LEFT JOIN decisions d ON d.id = a.decision_id WHERE d.id IS NULL"
    ),
    "audit entries by missing users": (
        "SELECT count(*) FROM decision_audit_log a "
        "LEFT JOIN users u ON u.id = a.changed_by_id WHERE u.id IS NULL"
    ),
    "blockers linked to missing status updates": (
        "SELECT count(*) FROM blockers b LEFT JOIN status_updates s ON s.id = b.related_status_id "
        "WHERE b.related_status_id IS NOT NULL AND s.id IS NULL"
    ),
    "blockers linked to missing incidents": (
        "SELECT count(*) FROM blockers b LEFT JOIN incidents i ON i.id = b.related_incident_id "
        "WHERE b.related_incident_id IS NOT NULL AND i.id IS NULL"
    ),
    "decisions without a created entry": (
        "SELECT count(*) FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM decision_audit_log a "
        "WHERE a.decision_id = d.id AND a.change_type = 'created')"
    ),
}


@dataclass
class VerifyReport:
    """What ``verify`` found; ``ok`` when nothing."""

    decisions_checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    orphans: dict[str, int] = field(default_factory=dict)
    integrity: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return not self.mismatches and not any(self.orphans.values()) and not self.integrity


def _audit_by_decision(session: Session, ids: list[int]) -> dict[int, list[AuditEntryDTO]]:
    rows = session.execute(
        select(
            DecisionAuditEntry.id,
            DecisionAuditEntry.decision_id,
            DecisionAuditEntry.changed_by_id,
            DecisionAuditEntry.change_type,
            DecisionAuditEntry.field_name,
            DecisionAuditEntry.old_value,
            DecisionAuditEntry.new_value,
            DecisionAuditEntry.changed_at,
        )
        .where(DecisionAuditEntry.decision_id.in_(ids))
        .order_by(DecisionAuditEntry.decision_id, DecisionAuditEntry.id)
    ).all()
    grouped: dict[int, list[AuditEntryDTO]] = defaultdict(list)
    for r in rows:
        grouped[r[1]].append(AuditEntryDTO(r[0], r[1], r[2], "", r[3], r[4], r[5], r[6], r[7]))
    return grouped


def _participants_by_decision(session: Session, ids: list[int]) -> dict[int, tuple[int, ...]]:
    rows = session.execute(
        select(DecisionParticipant.decision_id, DecisionParticipant.user_id)
        .where(DecisionParticipant.decision_id.in_(ids))
        .order_by(DecisionParticipant.decision_id, DecisionParticipant.user_id)
    ).all()
    grouped: dict[int, list[int]] = defaultdict(list)
    for decision_id, user_id in rows:
        grouped[decision_id].append(user_id)
    return {k: tuple(v) for k, v in grouped.items()}


def verify(database: Database, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Run every check; ``progress`` gets the number of decisions checked so far."""
    report = VerifyReport()
    with database.read() as session:
        if database.dialect == "sqlite":
            result = [str(r[0]) for r in session.execute(text("PRAGMA integrity_check")).all()]
            if result != ["ok"]:
                report.integrity += result
            broken = session.execute(text("PRAGMA foreign_key_check")).all()
            report.integrity += [f"foreign key broken in {r[0]} row {r[1]}" for r in broken]
        for label, sql in ORPHAN_QUERIES.items():
            report.orphans[label] = int(session.execute(text(sql)).scalar_one())
        repo = DecisionRepository(session)
        last_id = 0
        while True:
            # Deleted decisions are checked too: their history must hold as well.
            chunk = repo.after_id(last_id, CHUNK)
            if not chunk:
                break
            ids = [d.id for d in chunk]
            audits = _audit_by_decision(session, ids)
            participants = _participants_by_decision(session, ids)
            for decision in chunk:
                expected = state_of(DecisionDetail(decision, participants.get(decision.id, ())))
                rebuilt = replay(audits.get(decision.id, []))
                if rebuilt != expected:
                    differing = sorted(
                        k for k in expected if rebuilt is None or rebuilt.get(k) != expected[k]
                    )
                    report.mismatches.append(
                        f"decision {decision.id}: audit log disagrees on {', '.join(differing)}"
                    )
            report.decisions_checked += len(chunk)
            last_id = ids[-1]
            if progress is not None:
                progress(report.decisions_checked)
    return report
