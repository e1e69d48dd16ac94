"""Scenario 1: a writer killed with SIGKILL at random moments loses nothing it reported.

A child process performs service-level writes and prints each one after the service call
returns. The parent kills it at a random moment, reopens the database (SQLite: the same
file, with whatever WAL the kill left), runs ``verify`` and checks every reported write. The
one write in flight at the kill may or may not have committed, but nothing in between.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from support.crash_writer import State, read_state
from support.sizes import (
    CRASH_KILLS,
    CRASH_WRITES_PER_RUN,
    TESTS_DIR,
    ScenarioRow,
    child_environment,
    record,
)

from asyncops_desktop.db import Database
from asyncops_desktop.migrate import open_database
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.status_updates import StatusUpdateService
from asyncops_desktop.services.users import UserService
from asyncops_desktop.verify import verify

Key = tuple[str, int]


@dataclass
class Ledger:
    """What the children reported, and what checking it found."""

    expected: dict[Key, State] = field(default_factory=dict)
    # Records deleted outright: their ids must never come back (SQLite AUTOINCREMENT,
    # PostgreSQL sequences), or a new record could pass for an old one in this ledger.
    deleted: set[Key] = field(default_factory=set)
    writes_reported: int = 0
    losses: list[str] = field(default_factory=list)


@dataclass
class RunOutput:
    """The complete lines of one child's output, parsed."""

    done: list[dict[str, object]]
    pending: dict[str, object] | None


def parse(lines: list[str]) -> RunOutput:
    """Committed writes, and the intent left without a ``done`` (the write in flight)."""
    done: list[dict[str, object]] = []
    pending: dict[str, object] | None = None
    for line in lines:
        message = json.loads(line)
        if "intent" in message:
            pending = message["intent"]
        elif "done" in message:
            done.append(message["done"])
            pending = None
    return RunOutput(done, pending)


def run_child(
    url: str, seed: int, admin: Actor, members: list[int], rng: random.Random
) -> RunOutput:
    """Start a writer, let it commit a random number of writes, kill it at a random moment."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "support.crash_writer",
            url,
            str(seed),
            str(admin.user_id),
            json.dumps(members),
            str(CRASH_WRITES_PER_RUN * 3),
        ],
        stdout=subprocess.PIPE,
        cwd=TESTS_DIR,
        env=child_environment(),
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    target = rng.randint(0, CRASH_WRITES_PER_RUN)
    committed = 0
    try:
        ready = proc.stdout.readline()
        assert ready.startswith('{"ready"'), f"the writer did not start: {ready!r}"
        while committed < target:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            committed += line.startswith('{"done"')
        # Land the kill anywhere in the next few writes: before, inside or after a commit.
        time.sleep(rng.uniform(0, 0.03))
    finally:
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the writer stopped before it was killed"
    # A line cut short by the kill was never reported whole: it does not count.
    lines += [line for line in rest.splitlines(keepends=True) if line.endswith("\n")]
    return parse([line for line in lines if not line.startswith('{"ready"')])


def apply_changes(before: State, changes: object) -> State:
    """The state an intent leads to (``changes`` None: the record is deleted)."""
    if changes is None:
        return None
    assert isinstance(changes, dict)
    return {**(before or {}), **changes}


def check_run(database: Database, admin: Actor, ledger: Ledger, output: RunOutput) -> None:
    """Fold one run into the ledger and compare every reported write with the database."""
    for write in output.done:
        key = (str(write["kind"]), int(write["id"]))  # type: ignore[call-overload]
        if key in ledger.deleted:
            ledger.losses.append(f"{key}: a deleted id was handed out again")
        if write["state"] is None:
            ledger.deleted.add(key)
        ledger.expected[key] = write["state"]  # type: ignore[assignment]
        ledger.writes_reported += 1
    in_flight: Key | None = None
    if output.pending is not None and output.pending["id"] is not None:
        in_flight = (str(output.pending["kind"]), int(output.pending["id"]))  # type: ignore[call-overload]
    for key in sorted(ledger.deleted):
        # Also a create that committed unreported just before the kill must not reuse one.
        if read_state(database, admin, *key) is not None:
            ledger.losses.append(f"{key}: a deleted id is in use again")
    for key, expected in ledger.expected.items():
        actual = read_state(database, admin, *key)
        allowed = [expected]
        if key == in_flight:
            assert output.pending is not None
            allowed.append(apply_changes(expected, output.pending["changes"]))
        if actual not in allowed:
            ledger.losses.append(f"{key}: expected {expected!r}, found {actual!r}")
        # The write in flight either committed or not; from now on the database says which.
        ledger.expected[key] = actual


def test_writes_survive_sigkill(db_url: str, backend: str, admin: Actor) -> None:
    """Every write a killed child reported is there afterwards, and verify passes each time."""
    setup = Database(db_url)
    members = [
        UserService(setup, admin)
        .create(email=f"m{i}@example.com", full_name=f"Member {i}", password="member password 1")
        .id
        for i in range(4)
    ]
    # The newest status update, deleted: without ids that never come back, the next one a
    # writer creates would take its id on SQLite.
    statuses = StatusUpdateService(setup, admin)
    gone = statuses.post(title="Deleted before the writers start", content="x", tags=[])
    statuses.delete(gone.id)
    setup.dispose()
    rng = random.Random(8)
    ledger = Ledger(deleted={("status", gone.id)})
    for run in range(CRASH_KILLS):
        output = run_child(db_url, run, admin, members, rng)
        database = open_database(db_url)
        try:
            report = verify(database)
            assert report.ok, f"run {run}: {report}"
            check_run(database, admin, ledger, output)
        finally:
            database.dispose()
    record(
        ScenarioRow(
            f"1 killed mid-write ({backend})",
            runs=CRASH_KILLS,
            faults=CRASH_KILLS,
            writes_checked=ledger.writes_reported,
            losses=len(ledger.losses),
        )
    )
    assert not ledger.losses, "\n".join(ledger.losses[:20])
    assert ledger.writes_reported > 0


def _other_process(path: str, sql: str) -> str:
    """Run ``sql`` in another process on its own connection, which it then closes."""
    script = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "print(c.execute(sys.argv[2]).fetchall())\n"
        "c.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, path, sql], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_reopening_a_file_in_use_keeps_this_process_commits(tmp_path: Path) -> None:
    """Checking a SQLite file this process has open must not release its locks.

    Closing any descriptor of a file drops every POSIX lock the process holds on it. Then
    another process closing its last connection would take this one for gone, checkpoint
    and delete the write-ahead log, and this process's next commits would be lost.
    """
    path = tmp_path / "asyncops.db"
    first = open_database(str(path))
    try:
        insert = text(
            "INSERT INTO users (email, password_hash, full_name, role) "
            "VALUES (:e, 'x', 'U', 'member')"
        )
        with first.write() as session:
            session.execute(insert, {"e": "before@example.com"})
        # What the kill scenario's parent and a reconnecting window do: open the file again.
        open_database(str(path)).dispose()
        _other_process(
            str(path),
            "INSERT INTO users (email, password_hash, full_name, role) "
            "VALUES ('other@example.com', 'x', 'O', 'member') RETURNING id",
        )
        with first.write() as session:
            session.execute(insert, {"e": "after@example.com"})
        seen = _other_process(str(path), "SELECT email FROM users ORDER BY id")
        assert "after@example.com" in seen, seen
        assert path.with_name(path.name + "-wal").exists()
    finally:
        first.dispose()
