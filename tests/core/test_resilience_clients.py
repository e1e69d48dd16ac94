"""Scenario 5: eight client processes on one database, overlapping on the same records.

Each client saves with ``expected_version`` and retries on ``EditConflict`` after re-reading.
Afterwards: no error but reported conflicts; every record's saved versions are distinct and
gap-free (two saves of one version would be a lost update); the row holds its last save; the
audit log lists the shared decisions' titles in the order of their saves; the audit row count
is exactly what the successful saves wrote; ``verify`` passes.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections import defaultdict
from typing import Any

from sqlalchemy import text
from support.sizes import (
    CLIENT_OPS,
    CLIENTS,
    TESTS_DIR,
    ScenarioRow,
    child_environment,
    record,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.incidents import IncidentService
from asyncops_desktop.services.users import UserService
from asyncops_desktop.verify import verify


def _setup(database: Database, admin: Actor) -> tuple[list[Actor], dict[str, list[int]]]:
    users = UserService(database, admin)
    clients = []
    for i in range(CLIENTS):
        role = Role.ADMIN if i % 2 == 0 else Role.MEMBER
        user = users.create(
            email=f"client{i}@example.com",
            full_name=f"Client {i}",
            password="client password 1",
            role=role.value,
        )
        clients.append(Actor(user.id, role))
    guests = [
        users.create(
            email=f"guest{i}@example.com", full_name=f"Guest {i}", password="guest password 1"
        ).id
        for i in range(3)
    ]
    decisions = DecisionService(database, admin)
    shared_decisions = [
        decisions.record(
            title=f"Shared decision {i}",
            description="Everyone edits this one.",
            context="Overlap on purpose.",
            outcome="First outcome.",
            decision_date=dt.date(2026, 2, 1),
            participant_ids=[c.user_id for c in clients],
        ).decision.id
        for i in range(4)
    ]
    incidents = IncidentService(database, admin)
    shared_incidents = [
        incidents.report(title=f"Shared incident {i}", description="Everyone edits this one.").id
        for i in range(2)
    ]
    return clients, {
        "decisions": shared_decisions,
        "incidents": shared_incidents,
        "guests": guests,
    }


def _audit_count(database: Database) -> int:
    with database.read() as session:
        return int(session.execute(text("SELECT count(*) FROM decision_audit_log")).scalar_one())


def test_many_clients_lose_no_update(db_url: str, backend: str, admin: Actor) -> None:
    """8 clients × N mixed operations: only conflicts, no lost update, audit rows all there."""
    database = Database(db_url)
    clients, shared = _setup(database, admin)
    audit_before = _audit_count(database)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "support.client",
                db_url,
                str(i),
                str(actor.user_id),
                actor.role.value,
                str(CLIENT_OPS),
                str(1000 + i),
                json.dumps(shared),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=TESTS_DIR,
            env=child_environment(),
            text=True,
        )
        for i, actor in enumerate(clients)
    ]
    messages: list[dict[str, Any]] = []
    stderr = []
    for proc in procs:
        out, err = proc.communicate(timeout=1800)
        messages += [json.loads(line) for line in out.splitlines()]
        stderr.append(err)
        assert proc.returncode == 0, err
    errors = [m["error"] for m in messages if "error" in m]
    assert not errors, f"{errors[:5]}\n{''.join(stderr)[-3000:]}"
    assert sum("finished" in m for m in messages) == CLIENTS
    saves = [m["save"] for m in messages if "save" in m]
    conflicts = sum("conflict" in m for m in messages)

    by_record: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for save in saves:
        by_record[(save["kind"], save["id"])].append(save)
    losses: list[str] = []
    decisions = DecisionService(database, admin)
    incidents = IncidentService(database, admin)
    for (kind, ident), record_saves in by_record.items():
        record_saves.sort(key=lambda s: int(s["version"]))
        versions = [int(s["version"]) for s in record_saves]
        first = 1 if record_saves[0].get("created") else 2
        if versions != list(range(first, first + len(versions))):
            losses.append(f"{kind} {ident}: saved versions {versions} repeat or skip")
        last = record_saves[-1]
        if kind == "decision":
            detail = decisions.get(ident)
            stored = {
                "version": detail.decision.version,
                "title": detail.decision.title,
                "outcome": detail.decision.outcome,
                "participants": list(detail.participant_ids),
            }
            history = [
                e.new_value
                for e in reversed(decisions.history(ident))
                if e.field_name == "title" and e.change_type == "updated"
            ]
            titles = [
                s["title"] for s in record_saves if not s.get("created") and "deleted" not in s
            ]
            if history != titles:
                losses.append(f"decision {ident}: audited titles differ from the saves' order")
        else:
            incident = incidents.get(ident)
            stored = {
                "version": incident.version,
                "title": incident.title,
                "severity": incident.severity,
            }
        wanted = {key: last[key] for key in stored}
        if stored != wanted:
            losses.append(f"{kind} {ident}: stored {stored}, last save {wanted}")
    audit_rows = sum(int(s.get("audit_rows", 0)) for s in saves)
    audit_after = _audit_count(database)
    if audit_after - audit_before != audit_rows:
        losses.append(
            f"{audit_after - audit_before} audit rows written, saves account for {audit_rows}"
        )
    report = verify(database)
    database.dispose()
    record(
        ScenarioRow(
            f"5 many clients ({backend})",
            runs=CLIENTS,
            faults=conflicts,
            writes_checked=len(saves),
            losses=len(losses),
        )
    )
    assert report.ok, report
    assert not losses, "\n".join(losses[:20])
    assert conflicts > 0, "the clients never overlapped: the test proves nothing"
