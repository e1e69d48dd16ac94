"""``db verify``: every decision equals the replay of its audit log; no orphans; integrity."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import text

from asyncops_desktop import cli
from asyncops_desktop.db import Database
from asyncops_desktop.demo_data import generate
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.verify import verify


def test_demo_data_and_service_edits_verify_clean(database: Database, admin: Actor) -> None:
    generate(database, scale=2)
    service = DecisionService(database, admin)
    detail = service.record(
        title="t", description="d", context="c", outcome="o", decision_date=dt.date(2026, 1, 1)
    )
    service.update(detail.decision.id, title="t2", tags=["x"], review_by=dt.date(2026, 6, 1))
    service.delete(detail.decision.id)
    report = verify(database)
    assert report.ok, report
    assert report.decisions_checked >= 100


def test_a_change_behind_the_audit_log_is_found(database: Database, admin: Actor) -> None:
    service = DecisionService(database, admin)
    ids = [
        service.record(
            title=f"t{i}",
            description="d",
            context="c",
            outcome="o",
            decision_date=dt.date(2026, 1, 1),
        ).decision.id
        for i in range(3)
    ]
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE decisions SET outcome = 'changed quietly' WHERE id = :id"), {"id": ids[1]}
        )
    report = verify(database)
    assert not report.ok
    assert report.mismatches == [f"decision {ids[1]}: audit log disagrees on outcome"]
    out = io.StringIO()
    assert cli.main(["--db", database.url, "db", "verify"], out=out) == 1
    assert "disagrees on outcome" in out.getvalue() and "FAILED" in out.getvalue()


def test_orphans_are_reported(database: Database, admin: Actor) -> None:
    DecisionService(database, admin).record(
        title="t", description="d", context="c", outcome="o", decision_date=dt.date(2026, 1, 1)
    )
    # A decision inserted behind the services' back has no "created" entry.
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO decisions (created_by_id, title, description, context, outcome, decision_date) "
                "VALUES (:u, 'raw', 'd', 'c', 'o', :d)"
            ),
            {"u": admin.user_id, "d": dt.date(2026, 1, 2)},
        )
    report = verify(database)
    assert report.orphans["decisions without a created entry"] == 1
    assert not report.ok


def test_verify_command_on_a_clean_database(db_url: str) -> None:
    out = io.StringIO()
    assert cli.main(["--db", db_url, "db", "verify"], out=out) == 0
    assert "OK: the database is consistent." in out.getvalue()
