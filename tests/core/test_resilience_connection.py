"""Scenario 2, the core's part: PostgreSQL traffic through a proxy that is cut and restored.

A save while the link is down, or cut just before its COMMIT reaches the server, raises
``DatabaseUnavailable`` with one sentence and leaves nothing half-written; once the link is
back the same ``Database`` (no restart, no new engine) saves again. The GUI's part of the
scenario (offline banner, typed text kept) builds on ``support.tcp_proxy`` too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from support.sizes import CUT_ROUNDS, ScenarioRow, record
from support.tcp_proxy import TcpProxy

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import DatabaseUnavailable
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.status_updates import StatusUpdateService
from asyncops_desktop.verify import verify

COUNTED = ("status_updates", "decisions", "decision_participants", "decision_audit_log")


@pytest.fixture
def proxy(db_url: str) -> Iterator[TcpProxy]:
    """A proxy in front of the test server."""
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


def counts(database: Database) -> dict[str, int]:
    """Rows per table, read over a direct connection."""
    with database.read() as session:
        return {
            table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in COUNTED
        }


def _decision(service: DecisionService, title: str, member: Actor) -> int:
    return service.record(
        title=title,
        description="Saved through a flaky link.",
        context="Network trouble.",
        outcome="Retry later.",
        decision_date=dt.date(2026, 4, 1),
        participant_ids=[member.user_id],
    ).decision.id


def _one_sentence(exc: DatabaseUnavailable) -> None:
    message = str(exc)
    assert "\n" not in message and message.endswith("."), message


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_save_during_a_cut_fails_cleanly_and_works_after_restore(
    database: Database, db_url: str, proxy: TcpProxy, admin: Actor, member: Actor
) -> None:
    """Cut before the save, and cut between the INSERTs and the COMMIT, several times."""
    via = Database(make_url(db_url).set(port=proxy.port).render_as_string(hide_password=False))
    decisions = DecisionService(via, admin)
    statuses = StatusUpdateService(via, member)
    cut_before_commit = {"armed": False}

    @event.listens_for(via.engine, "commit")
    def _cut_on_commit(conn: Any) -> None:
        # The statements reached the server; the COMMIT will not.
        if cut_before_commit["armed"]:
            cut_before_commit["armed"] = False
            proxy.cut()

    faults = writes = 0
    try:
        _decision(decisions, "Before any trouble", member)
        writes += 1
        for round_number in range(CUT_ROUNDS):
            before = counts(database)
            proxy.cut()
            faults += 1
            with pytest.raises(DatabaseUnavailable) as down:
                statuses.post(title=f"While cut {round_number}", content="Lost?")
            _one_sentence(down.value)
            assert counts(database) == before

            proxy.restore()
            cut_before_commit["armed"] = True
            faults += 1
            with pytest.raises(DatabaseUnavailable) as mid:
                _decision(decisions, f"Cut before commit {round_number}", member)
            _one_sentence(mid.value)
            assert counts(database) == before, "a save cut before its COMMIT left rows behind"

            proxy.restore()
            saved = _decision(decisions, f"After restore {round_number}", member)
            decisions.update(saved, outcome=f"Edited after restore {round_number}")
            statuses.post(title=f"After restore {round_number}", content="Back.")
            writes += 3
            after = counts(database)
            assert after["decisions"] == before["decisions"] + 1
            assert after["status_updates"] == before["status_updates"] + 1
            # created + updated outcome, nothing from the failed attempts
            assert after["decision_audit_log"] == before["decision_audit_log"] + 2
        assert verify(database).ok
    finally:
        via.dispose()
    record(ScenarioRow("2 lost connection, core saves (postgresql)", CUT_ROUNDS, faults, writes, 0))
