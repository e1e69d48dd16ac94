"""Daily summaries: each part of the JSON against hand-built rows, determinism, missing days,
backfill with progress and cancellation, concurrent clients, the CLI and Markdown."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from asyncops_desktop import cli, summaries
from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.domain.models import (
    Blocker,
    DailySummary,
    Decision,
    Incident,
    StatusUpdate,
    User,
    utcnow,
)
from asyncops_desktop.repositories.summaries import SummaryRepository
from asyncops_desktop.summaries import (
    MAX_BACKFILL_DAYS,
    BackfillResult,
    backfill,
    compute_summary,
    format_duration,
    missing_days,
    refresh_summary,
    summary_json,
    summary_markdown,
)

DAY = dt.date(2026, 3, 10)
TODAY = dt.date(2026, 3, 14)
NOW = dt.datetime(2026, 3, 14, 12, 0)
LONG_AGO = dt.datetime(2026, 1, 1, 9, 0)


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> dt.datetime:
    """A moment in March 2026 (naive UTC, as stored)."""
    return dt.datetime(2026, 3, day, hour, minute, second, micro)


@dataclass
class World:
    """Hand-built rows with explicit timestamps; ids by a short name."""

    database: Database
    ids: dict[str, int] = field(default_factory=dict)

    def _add(self, name: str, row: Any) -> int:
        with self.database.write() as session:
            session.add(row)
            session.flush()
            self.ids[name] = int(row.id)
        return self.ids[name]

    def user(
        self, name: str, *, created: dt.datetime = LONG_AGO, active: bool = True, full: str = ""
    ) -> int:
        return self._add(
            name,
            User(
                email=f"{name}@example.com",
                password_hash="x",
                full_name=full or name.capitalize(),
                role="member",
                is_active=active,
                created_at=created,
                updated_at=created,
            ),
        )

    def update(self, name: str, user: str, created: dt.datetime, title: str = "") -> int:
        return self._add(
            name,
            StatusUpdate(
                user_id=self.ids[user],
                title=title or f"Update {name}",
                content="text",
                tags=[],
                created_at=created,
                updated_at=created,
            ),
        )

    def incident(
        self,
        name: str,
        *,
        severity: str,
        created: dt.datetime,
        status: str = "open",
        resolved: dt.datetime | None = None,
        updated: dt.datetime | None = None,
        assignee: str | None = None,
    ) -> int:
        return self._add(
            name,
            Incident(
                reported_by_id=self.ids["ada"],
                assigned_to_id=self.ids[assignee] if assignee else None,
                title=f"Incident {name}",
                description="description",
                severity=severity,
                status=status,
                created_at=created,
                updated_at=updated or resolved or created,
                resolved_at=resolved,
            ),
        )

    def blocker(
        self,
        name: str,
        *,
        created: dt.datetime,
        status: str = "active",
        resolved: dt.datetime | None = None,
        updated: dt.datetime | None = None,
        description: str = "",
    ) -> int:
        return self._add(
            name,
            Blocker(
                reported_by_id=self.ids["ada"],
                description=description or f"Blocker {name}",
                impact="impact",
                status=status,
                created_at=created,
                updated_at=updated or resolved or created,
                resolved_at=resolved,
            ),
        )

    def decision(self, name: str, day: dt.date, *, deleted: dt.datetime | None = None) -> int:
        return self._add(
            name,
            Decision(
                created_by_id=self.ids["ada"],
                title=f"Decision {name}",
                description="d",
                context="c",
                outcome="o",
                decision_date=day,
                tags=[],
                created_at=dt.datetime.combine(day, dt.time(12)),
                updated_at=dt.datetime.combine(day, dt.time(12)),
                deleted_at=deleted,
            ),
        )


LONG_TEXT = "Waiting on the vendor\nfor the sandbox " + "and more words " * 30


@pytest.fixture
def world(database: Database) -> World:
    """The team and its records around 2026-03-10 (DAY), seen from 2026-03-14 (TODAY)."""
    w = World(database)
    w.user("ada", full="Ada Admin")
    w.user("ben", full="Ben Builder")
    w.user("cara", full="Cara Quiet")
    w.user("dan", full="Dan Gone", active=False)
    w.user("eve", full="Eve Newcomer", created=at(12))
    w.user("zoe", full="Zoe Lastweek")
    w.user("yan", full="Yan Boundary")

    w.update("su_morning", "ada", at(10, 9), "Morning update")
    w.update("su_evening", "ben", at(10, 17, 30), "Evening update")
    w.update("su_midnight", "ben", at(10), "Midnight update")
    w.update("su_next_day", "ada", at(11), "Next day")
    w.update("su_day_before", "ada", at(9, 23, 59, 59), "Day before")
    w.update("su_inactive", "dan", at(10, 11), "From an inactive account")
    w.update("su_zoe", "zoe", at(3, 23, 59, 59), "Just outside the week")
    w.update("su_yan", "yan", at(4), "First moment of the week")

    w.incident("i_open", severity="critical", created=at(1, 8))
    w.incident(
        "i_resolved_since",
        severity="high",
        created=at(5, 10),
        status="resolved",
        resolved=at(12, 9),
        assignee="ben",
    )
    w.incident(
        "i_resolved_during",
        severity="medium",
        created=at(10, 9),
        status="resolved",
        resolved=at(10, 15),
    )
    w.incident("i_next_day", severity="low", created=at(11))
    w.incident("i_closed_before", severity="high", created=at(2), status="closed", updated=at(9))
    w.incident("i_closed_after", severity="medium", created=at(3), status="closed", updated=at(13))
    w.incident(
        "i_resolved_at_midnight",
        severity="critical",
        created=at(8, 7),
        status="resolved",
        resolved=at(11),
    )
    w.incident("i_in_progress", severity="high", created=at(10, 23), status="in_progress")
    w.incident(
        "i_february",
        severity="medium",
        created=dt.datetime(2026, 2, 20),
        status="closed",
        resolved=dt.datetime(2026, 2, 21),
    )
    w.incident(
        "i_too_old",
        severity="low",
        created=dt.datetime(2026, 2, 1),
        status="resolved",
        resolved=dt.datetime(2026, 2, 8, 23),
    )
    w.incident(
        "i_quick",
        severity="critical",
        created=at(2, 10),
        status="resolved",
        resolved=at(2, 10, 0, 1, 600_000),
    )

    w.blocker("b_old", created=dt.datetime(2026, 2, 20, 10))
    w.blocker("b_resolved_since", created=at(9, 14), status="resolved", resolved=at(12))
    w.blocker("b_resolved_during", created=at(9), status="resolved", resolved=at(10, 12))
    w.blocker("b_resolved_no_time", created=at(1), status="resolved", updated=at(8))
    w.blocker("b_next_day", created=at(11))
    w.blocker("b_long", created=at(10, 8), description=LONG_TEXT)

    w.decision("d_today", DAY)
    w.decision("d_first_of_week", dt.date(2026, 3, 4))
    w.decision("d_too_old", dt.date(2026, 3, 3))
    w.decision("d_next_day", dt.date(2026, 3, 11))
    w.decision("d_deleted_since", DAY, deleted=at(12))
    w.decision("d_deleted_during", dt.date(2026, 3, 9), deleted=at(10, 10))
    return w


def _compute(database: Database, day: dt.date = DAY) -> summaries.SummaryContent:
    with database.read() as session:
        return compute_summary(session, day, now=NOW)


def _ids(items: list[dict[str, Any]]) -> list[int]:
    return [int(item["id"]) for item in items]


# -- each part of the document -------------------------------------------------------------------


def test_status_updates_created_on_the_day_newest_first(world: World) -> None:
    content = _compute(world.database).content
    expected = ["su_evening", "su_inactive", "su_morning", "su_midnight"]
    assert _ids(content["status_updates"]) == [world.ids[n] for n in expected]
    first = content["status_updates"][0]
    assert first == {
        "id": world.ids["su_evening"],
        "title": "Evening update",
        "author": "Ben Builder",
        "created_at": "2026-03-10T17:30:00Z",
    }
    assert content["statistics"]["total_status_updates"] == 4


def test_incidents_active_at_the_end_of_a_past_day_judged_from_timestamps(world: World) -> None:
    content = _compute(world.database).content
    # Most severe first, then oldest first.
    expected = [
        "i_open",
        "i_resolved_at_midnight",
        "i_resolved_since",
        "i_in_progress",
        "i_closed_after",
    ]
    assert _ids(content["incidents"]) == [world.ids[n] for n in expected]
    by_id = {item["id"]: item for item in content["incidents"]}
    # Resolved two days later: active on DAY, shown as being worked on (it had an assignee).
    assert by_id[world.ids["i_resolved_since"]] == {
        "id": world.ids["i_resolved_since"],
        "title": "Incident i_resolved_since",
        "severity": "high",
        "status": "in_progress",
        "created_at": "2026-03-05T10:00:00Z",
    }
    # Closed without resolved_at, last changed after DAY: it may still have been open then.
    assert by_id[world.ids["i_closed_after"]]["status"] == "open"
    assert by_id[world.ids["i_open"]]["status"] == "open"
    assert by_id[world.ids["i_in_progress"]]["status"] == "in_progress"
    stats = content["statistics"]
    assert stats["active_incidents"] == 5
    assert stats["critical_incidents"] == 2
    assert stats["active_incidents_by_severity"] == {
        "critical": 2,
        "high": 2,
        "medium": 1,
        "low": 0,
    }


def test_incidents_active_today_follow_the_status_of_undated_closures(world: World) -> None:
    content = _compute(world.database, TODAY).content
    expected = ["i_open", "i_in_progress", "i_next_day"]
    assert _ids(content["incidents"]) == [world.ids[n] for n in expected]


def test_blockers_active_at_the_end_of_the_day_oldest_first_with_age(world: World) -> None:
    content = _compute(world.database).content
    blockers = content["blockers"]
    assert _ids(blockers) == [world.ids[n] for n in ("b_old", "b_resolved_since", "b_long")]
    assert [b["age_days"] for b in blockers] == [18, 1, 0]
    assert all(b["status"] == "active" for b in blockers)
    long_excerpt = blockers[2]["description"]
    assert len(long_excerpt) <= 200 and long_excerpt.endswith("…")
    assert long_excerpt.startswith("Waiting on the vendor for the sandbox and more")
    assert content["statistics"]["active_blockers"] == 3
    assert content["oldest_active_blocker"] == {
        "id": world.ids["b_old"],
        "description": "Blocker b_old",
        "status": "active",
        "created_at": "2026-02-20T10:00:00Z",
        "age_days": 18,
    }


def test_decisions_of_the_seven_days_ending_on_the_day(world: World) -> None:
    content = _compute(world.database).content
    assert content["recent_decisions"] == [
        {
            "id": world.ids["d_deleted_since"],
            "title": "Decision d_deleted_since",
            "decision_date": "2026-03-10",
        },
        {"id": world.ids["d_today"], "title": "Decision d_today", "decision_date": "2026-03-10"},
        {
            "id": world.ids["d_first_of_week"],
            "title": "Decision d_first_of_week",
            "decision_date": "2026-03-04",
        },
    ]
    assert content["statistics"]["decisions_last_7_days"] == 3


def test_mean_time_to_resolve_per_severity_over_thirty_days(world: World) -> None:
    content = _compute(world.database).content
    assert content["time_to_resolve"] == {
        "days": 30,
        "first_day": "2026-02-09",
        "by_severity": {
            # 1.6 s rounds to 2 s.
            "critical": {"resolved": 1, "mean_seconds": 2},
            "high": {"resolved": 0, "mean_seconds": None},
            # 6 h and 24 h.
            "medium": {"resolved": 2, "mean_seconds": 15 * 3600},
            "low": {"resolved": 0, "mean_seconds": None},
        },
    }


def test_active_users_without_a_status_update_in_seven_days(world: World) -> None:
    content = _compute(world.database).content
    assert content["users_without_status_update"] == {
        "days": 7,
        "users": [
            {"id": world.ids["cara"], "name": "Cara Quiet"},
            {"id": world.ids["zoe"], "name": "Zoe Lastweek"},
        ],
    }
    assert content["statistics"]["users_without_status_update"] == 2


def test_count_columns_and_spec_statistics_agree(world: World) -> None:
    summary = _compute(world.database)
    stats = summary.content["statistics"]
    assert summary.counts() == {
        "status_updates_count": stats["total_status_updates"],
        "incidents_count": stats["active_incidents"],
        "blockers_count": stats["active_blockers"],
        "decisions_count": stats["decisions_last_7_days"],
    }
    assert summary.counts() == {
        "status_updates_count": 4,
        "incidents_count": 5,
        "blockers_count": 3,
        "decisions_count": 3,
    }
    spec_keys = {"status_updates", "incidents", "blockers", "recent_decisions", "statistics"}
    assert spec_keys <= set(summary.content)
    assert {
        "total_status_updates",
        "critical_incidents",
        "active_blockers",
        "decisions_last_7_days",
    } <= set(stats)
    assert summary.content["date"] == "2026-03-10"


def test_an_empty_day_has_zeros_and_no_oldest_blocker(database: Database) -> None:
    summary = _compute(database)
    content = summary.content
    assert content["status_updates"] == content["incidents"] == content["blockers"] == []
    assert content["recent_decisions"] == []
    assert content["oldest_active_blocker"] is None
    assert content["users_without_status_update"]["users"] == []
    assert set(summary.counts().values()) == {0}
    assert all(
        entry == {"resolved": 0, "mean_seconds": None}
        for entry in content["time_to_resolve"]["by_severity"].values()
    )


def test_lists_stop_at_the_limit_while_statistics_count_everything(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summaries, "LIST_LIMIT", 2)
    content = _compute(world.database).content
    assert len(content["status_updates"]) == 2
    assert len(content["incidents"]) == 2
    assert len(content["blockers"]) == 2
    assert len(content["recent_decisions"]) == 2
    assert content["statistics"]["total_status_updates"] == 4
    assert content["statistics"]["decisions_last_7_days"] == 3
    assert _ids(content["incidents"]) == [world.ids["i_open"], world.ids["i_resolved_at_midnight"]]


def test_a_future_day_is_refused(database: Database) -> None:
    with database.read() as session, pytest.raises(ValidationError):
        compute_summary(session, TODAY + dt.timedelta(days=1), now=NOW)


# -- determinism ---------------------------------------------------------------------------------


def test_recomputing_gives_byte_identical_json_also_after_storing(world: World) -> None:
    first = _compute(world.database).to_json()
    second = _compute(world.database).to_json()
    assert first == second
    assert first == json.dumps(
        _compute(world.database).content, sort_keys=True, separators=(",", ":")
    )
    with world.database.write() as session:
        summaries.store_summary(session, DAY, now=NOW)
    with world.database.read() as session:
        stored = SummaryRepository(session).for_date(DAY)
    assert stored is not None
    # JSONB reorders keys and SQLite stores text: the canonical form is the same either way.
    assert summary_json(stored.content) == first
    assert stored.status_updates_count == 4 and stored.incidents_count == 5


def test_unrelated_changes_after_the_day_leave_a_past_day_unchanged(world: World) -> None:
    before = _compute(world.database).to_json()
    world.update("su_later", "cara", at(13, 9))
    world.incident("i_later", severity="critical", created=at(13, 10))
    world.decision("d_later", dt.date(2026, 3, 13))
    with world.database.write() as session:
        session.execute(
            update(Incident)
            .where(Incident.id == world.ids["i_open"])
            .values(status="resolved", resolved_at=at(13, 12))
        )
    assert _compute(world.database).to_json() == before


# -- missing days ----------------------------------------------------------------------------------


def _store_days(database: Database, days: list[dt.date]) -> None:
    with database.write() as session:
        for day in days:
            SummaryRepository(session).upsert(day, {"date": day.isoformat()}, {})


def _days_back(first: int, last: int = 0) -> list[dt.date]:
    """TODAY - first … TODAY - last, oldest first."""
    return [TODAY - dt.timedelta(days=n) for n in range(first, last - 1, -1)]


def test_missing_days_on_an_empty_database_is_today_only(database: Database) -> None:
    with database.read() as session:
        assert missing_days(session, TODAY) == [TODAY]


def test_missing_days_start_at_the_first_activity(database: Database) -> None:
    world = World(database)
    world.user("ada")
    world.update("first", "ada", dt.datetime.combine(TODAY - dt.timedelta(days=10), dt.time(15)))
    with database.read() as session:
        assert missing_days(session, TODAY) == _days_back(10)


def test_missing_days_reach_back_at_most_ninety_days(database: Database) -> None:
    world = World(database)
    world.user("ada")
    world.decision("ancient", TODAY - dt.timedelta(days=400))
    with database.read() as session:
        days = missing_days(session, TODAY)
    assert len(days) == MAX_BACKFILL_DAYS == 90
    assert days == _days_back(89)


def test_missing_days_keep_stored_days_fill_gaps_and_always_recompute_today(
    database: Database,
) -> None:
    world = World(database)
    world.user("ada")
    world.incident(
        "old", severity="low", created=dt.datetime.combine(TODAY, dt.time()) - dt.timedelta(days=20)
    )
    _store_days(database, [*_days_back(20, 6), TODAY])
    with database.read() as session:
        assert missing_days(session, TODAY) == [*_days_back(5, 1), TODAY]
    _store_days(database, _days_back(5, 1))
    with database.write() as session:
        session.execute(
            delete(DailySummary).where(DailySummary.summary_date == TODAY - dt.timedelta(days=12))
        )
    with database.read() as session:
        assert missing_days(session, TODAY) == [TODAY - dt.timedelta(days=12), TODAY]


# -- backfill ---------------------------------------------------------------------------------------


def _stored(database: Database) -> dict[dt.date, tuple[str, dt.datetime]]:
    with database.read() as session:
        rows = session.execute(
            select(DailySummary.summary_date, DailySummary.content, DailySummary.generated_at)
        )
        return {day: (summary_json(content), generated) for day, content, generated in rows}


def _row_counts(database: Database) -> tuple[int, int]:
    """Rows and distinct days in daily_summaries."""
    with database.read() as session:
        rows, days = session.execute(
            select(func.count(), func.count(DailySummary.summary_date.distinct()))
        ).one()
    return int(rows), int(days)


def test_backfill_stores_every_missing_day_and_reports_progress(world: World) -> None:
    database = world.database
    calls: list[tuple[int, int, dt.date | None]] = []
    result = backfill(database, TODAY, progress=lambda *call: calls.append(call))

    first_activity = dt.date(2026, 2, 1)  # the oldest incident; accounts are not activity
    expected = [
        first_activity + dt.timedelta(days=n) for n in range((TODAY - first_activity).days + 1)
    ]
    assert result == BackfillResult(tuple(expected), tuple(expected), (), cancelled=False)
    assert calls[0] == (0, len(expected), None)
    assert calls[1:] == [(n + 1, len(expected), day) for n, day in enumerate(expected)]
    stored = _stored(database)
    assert sorted(stored) == expected
    assert stored[DAY][0] == _compute(database).to_json()
    with database.read() as session:
        row = SummaryRepository(session).for_date(DAY)
    assert row is not None and (row.incidents_count, row.blockers_count) == (5, 3)
    with database.read() as session:
        counts = SummaryRepository(session).counts_between(DAY, DAY + dt.timedelta(days=1))
    assert [(c.summary_date, c.incidents) for c in counts] == [
        (DAY, 5),
        (DAY + dt.timedelta(days=1), 5),
    ]


def test_a_second_backfill_only_recomputes_today(world: World) -> None:
    database = world.database
    backfill(database, TODAY)
    before = _stored(database)
    world.update("su_new", "cara", at(14, 9))
    # A late change to a past day's data does not rewrite that day: complete days are kept.
    world.update("su_backdated", "cara", at(10, 12))

    result = backfill(database, TODAY)

    assert result.planned == result.computed == (TODAY,)
    after = _stored(database)
    assert {day: value for day, value in after.items() if day != TODAY} == {
        day: value for day, value in before.items() if day != TODAY
    }
    assert after[TODAY][1] >= before[TODAY][1]
    assert json.loads(after[TODAY][0])["statistics"]["total_status_updates"] == 1


def test_backfill_can_be_cancelled_between_days_and_resumed(world: World) -> None:
    database = world.database
    done: list[dt.date] = []
    result = backfill(
        database,
        TODAY,
        progress=lambda _done, _total, day: done.append(day) if day else None,
        should_cancel=lambda: len(done) >= 3,
    )
    assert result.cancelled
    assert result.computed == result.planned[:3] == tuple(done)
    assert sorted(_stored(database)) == list(result.computed)

    resumed = backfill(database, TODAY)
    assert not resumed.cancelled
    assert resumed.planned == result.planned[3:]
    assert sorted(_stored(database)) == list(result.planned)


def test_refresh_recomputes_one_day_in_place(world: World) -> None:
    database = world.database
    refresh_summary(database, DAY, now=NOW)
    world.update("su_backdated", "cara", at(10, 12))
    summary = refresh_summary(database, DAY, now=NOW)
    assert summary.status_updates_count == 5
    assert _row_counts(database) == (1, 1)
    assert _stored(database)[DAY][0] == summary.to_json()


# -- several clients at once -------------------------------------------------------------------------


def test_concurrent_backfills_in_threads_store_one_row_per_day(world: World) -> None:
    workers = 4
    barrier = threading.Barrier(workers)
    results: list[BackfillResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        # Each client has its own engine and connections, like separate app instances.
        database = Database(world.database.url)
        try:
            barrier.wait()
            results.append(backfill(database, TODAY))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(results) == workers
    planned = results[0].planned
    assert all(r.done == len(r.planned) and not r.cancelled for r in results)
    assert _row_counts(world.database) == (len(planned), len(planned))
    # Whoever computed a day, the stored document is the one a fresh computation gives.
    assert _stored(world.database)[DAY][0] == _compute(world.database).to_json()


def test_concurrent_clients_in_processes_store_one_row_per_day(world: World) -> None:
    """Several `summary compute --backfill` processes at once (today is the real today)."""
    today = utcnow().date()
    world.update("su_recent", "ada", dt.datetime.combine(today - dt.timedelta(days=20), dt.time(9)))
    script = "import sys; from asyncops_desktop.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", script, "--db", world.database.url, "summary", "compute"]
    processes = [
        subprocess.Popen(
            [*command, "--backfill"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=180) for process in processes]
    assert [p.returncode for p in processes] == [0] * 4, outputs
    assert all("Traceback" not in err for _, err in outputs)
    # From the oldest incident (2026-02-01) through today, at most 90 days.
    expected_days = min(MAX_BACKFILL_DAYS, (today - dt.date(2026, 2, 1)).days + 1)
    assert _row_counts(world.database) == (expected_days, expected_days)


# -- CLI ---------------------------------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def test_cli_compute_a_date_then_show_it_as_markdown_and_json(
    world: World, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run("--db", db_url, "summary", "compute", "--date", "2026-03-10")
    assert code == 0
    assert "Stored the summary of 2026-03-10" in output
    assert "4 status updates, 5 active incidents (2 critical), 3 active blockers" in output

    code, output = run("summary", "show", "--date", "2026-03-10", "--db", db_url)
    assert code == 0
    assert output == summary_markdown(_compute(world.database).content, DAY)

    code, output = run("summary", "show", "--format", "json", "--db", db_url)
    assert code == 0
    assert json.loads(output) == _compute(world.database).content


def test_cli_backfill_prints_progress_and_what_it_did(
    world: World, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run("--db", db_url, "summary", "compute", "--backfill")
    assert code == 0
    assert output.startswith("Computed ") and "daily summaries" in output
    progress = capsys.readouterr().err
    assert "Daily summaries: day 0 of" in progress
    total = int(progress.splitlines()[0].rsplit(" ", 1)[1])
    assert f"day {total} of {total}" in progress

    code, output = run("--db", db_url, "summary", "compute")
    assert code == 0 and f"Stored the summary of {utcnow().date()}" in output
    code, output = run("--db", db_url, "summary", "compute", "--backfill")
    assert code == 0 and "Computed 1 daily summary" in output


def test_cli_errors_are_one_sentence(
    database: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("--db", db_url, "summary", "show")
    assert code == 1
    assert "No summary is stored" in capsys.readouterr().err
    code, _ = run("--db", db_url, "summary", "show", "--date", "2026-03-10")
    assert code == 1
    assert "summary compute --date 2026-03-10" in capsys.readouterr().err
    future = (utcnow().date() + dt.timedelta(days=2)).isoformat()
    code, _ = run("--db", db_url, "summary", "compute", "--date", future)
    assert code == 1
    assert "in the future" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        run("--db", db_url, "summary", "compute", "--date", "2026-03-10", "--backfill")
    assert usage.value.code == 2
    with pytest.raises(SystemExit):
        run("--db", db_url, "summary", "compute", "--date", "10/03/2026")
    assert "is not a date" in capsys.readouterr().err


# -- Markdown ----------------------------------------------------------------------------------------


def test_markdown_has_every_section_in_order(world: World) -> None:
    text = summary_markdown(_compute(world.database).content, DAY)
    assert text.startswith("# Daily summary: Tuesday 2026-03-10\n")
    assert (
        "4 status updates · 5 active incidents (2 critical) · 3 active blockers · "
        "3 decisions in the last 7 days"
    ) in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Incidents active at the end of the day",
        "## Active blockers",
        "## Status updates",
        "## Decisions of the last 7 days",
        "## Time to resolve (last 30 days)",
        "## Oldest active blocker",
        "## No status update in the last 7 days",
    ]
    assert f"- **critical** · Incident i\\_open (#{world.ids['i_open']}, open)" in text
    assert f"(#{world.ids['i_resolved_since']}, in progress)" in text
    assert "- 17:30 UTC · Evening update (Ben Builder)" in text
    assert (
        f"- 2026-03-04 · Decision d\\_first\\_of\\_week (#{world.ids['d_first_of_week']})" in text
    )
    assert "| medium | 2 | 15.0 h |" in text and "| high | 0 | – |" in text
    assert f"Blocker b\\_old (#{world.ids['b_old']}): 18 days old" in text
    assert "- Cara Quiet\n- Zoe Lastweek\n" in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_markdown_escapes_user_text_and_counts_what_the_lists_leave_out() -> None:
    content: dict[str, Any] = {
        "status_updates": [
            {
                "id": 1,
                "title": "# not a *heading* [link](x) <b>",
                "author": "A|B",
                "created_at": "2026-03-10T08:05:00Z",
            }
        ],
        "incidents": [],
        "blockers": [],
        "recent_decisions": [],
        "statistics": {
            "total_status_updates": 3,
            "critical_incidents": 0,
            "active_blockers": 0,
            "decisions_last_7_days": 0,
        },
    }
    text = summary_markdown(content, DAY)
    assert "- 08:05 UTC · \\# not a \\*heading\\* \\[link\\](x) \\<b\\> (A\\|B)" in text
    assert "- … and 2 more" in text
    # A document with only the spec's parts (as older rows may be) still renders.
    assert "## Time to resolve" not in text and "## Oldest active blocker" not in text
    assert "No status update was posted." not in text


def test_durations_read_naturally() -> None:
    assert format_duration(0) == "0 min"
    assert format_duration(45 * 60) == "45 min"
    assert format_duration(int(5.5 * 3600)) == "5.5 h"
    assert format_duration(3 * 86400 + 4 * 3600) == "3.2 days"
