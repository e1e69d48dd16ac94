"""Migrations: up/down/up with data, newer-schema refusal, backup before upgrade, concurrency."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection

from asyncops_desktop import migrate
from asyncops_desktop.db import Database, create_db_engine, sqlite_path
from asyncops_desktop.domain.errors import MigrationFailed, SchemaTooNew
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.blockers import BlockerService
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.incidents import IncidentService
from asyncops_desktop.services.status_updates import StatusUpdateService

FUTURE_REVISION = "9999_from_a_newer_app"


def _seed(database: Database) -> dict[str, int]:
    """One row in every content table, written through the services."""
    with database.engine.begin() as conn:
        admin_id = conn.execute(
            text(
                "INSERT INTO users (email, password_hash, full_name, role) "
                "VALUES ('ada@example.com', 'x', 'Ada', 'admin') RETURNING id"
            )
        ).scalar_one()
    actor = Actor(int(admin_id))
    update = StatusUpdateService(database, actor).post(
        title="Weekly", content="All **good**", tags=["ops"]
    )
    incident = IncidentService(database, actor).report(
        title="API down", description="5xx", severity="critical"
    )
    BlockerService(database, actor).raise_blocker(
        description="Waiting on keys",
        impact="No deploys",
        related_status_id=update.id,
        related_incident_id=incident.id,
    )
    DecisionService(database, actor).record(
        title="Adopt PostgreSQL",
        description="Shared server",
        context="Growing team",
        outcome="Migrate by Q3",
        decision_date=dt.date(2026, 1, 15),
        tags=["infra"],
        participant_ids=[int(admin_id)],
    )
    with database.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO daily_summaries (summary_date, content) VALUES (:d, :c)"),
            {"d": dt.date(2026, 1, 15), "c": "{}"},
        )
        tables = set(inspect(conn).get_table_names())
        if "sign_in_throttle" in tables:
            conn.execute(
                text(
                    "INSERT INTO sign_in_throttle (email, failed_attempts) VALUES ('x@example.com', 2)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO remember_tokens (user_id, token_hash, expires_at) VALUES (:u, :h, :e)"
                ),
                {"u": admin_id, "h": "0" * 64, "e": dt.datetime(2030, 1, 1)},
            )
        if "offline_pending_changes" in tables:
            _seed_offline_tables(conn, int(admin_id))
    return _counts(database)


def _seed_offline_tables(conn: Connection, admin_id: int) -> None:
    """A row in each table of revision 0004 (snapshot metadata, pending and synced changes)."""
    decision_id = conn.execute(text("SELECT min(id) FROM decisions")).scalar_one()
    moment = dt.datetime(2026, 1, 16, 9, 30)
    conn.execute(
        text(
            "INSERT INTO offline_snapshot_info (source, taken_at, schema_revision, filters) "
            "VALUES ('postgresql+psycopg://team/asyncops', :t, '0004_offline', '{}')"
        ),
        {"t": moment},
    )
    conn.execute(
        text(
            "INSERT INTO offline_pending_changes (change_uid, kind, decision_id, payload, "
            "before, made_at, made_by_id) VALUES ('u-1', 'update', :d, '{}', '{}', :t, :a)"
        ),
        {"d": decision_id, "t": moment, "a": admin_id},
    )
    conn.execute(
        text(
            "INSERT INTO decision_offline_changes (change_uid, decision_id, changed_by_id, kind, "
            "made_at) VALUES ('u-1', :d, :a, 'update', :t)"
        ),
        {"d": decision_id, "t": moment, "a": admin_id},
    )


def _counts(database: Database) -> dict[str, int]:
    tables = [
        t
        for t in inspect(database.engine).get_table_names()
        if t != "alembic_version" and not t.startswith("decisions_fts")
    ]
    with database.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in tables
        }


def _revisions_newest_first() -> list[str]:
    return [script.revision for script in migrate.script_directory().walk_revisions()]


def test_up_down_up_with_data_in_every_table(database: Database) -> None:
    counts = _seed(database)
    assert all(n >= 1 for n in counts.values())
    revisions = _revisions_newest_first()
    # Step down one revision at a time, then back up, checking that data survives every
    # revision that keeps its tables and that the schema returns to head.
    for index in range(len(revisions)):
        below = revisions[index + 1] if index + 1 < len(revisions) else "base"
        migrate.downgrade(database.engine, below)
        assert migrate.schema_state(database.engine).current == (None if below == "base" else below)
        if below == "base":
            assert [
                t for t in inspect(database.engine).get_table_names() if t != "alembic_version"
            ] == []
    result = migrate.upgrade(database.engine)
    assert result.to_revision == migrate.head_revision()
    assert migrate.check(database.engine) == []
    # After a full down/up the tables are empty and usable again.
    assert _seed(database) == counts


def test_downgrade_then_upgrade_keeps_rows_of_surviving_tables(database: Database) -> None:
    counts = _seed(database)
    revisions = _revisions_newest_first()
    if len(revisions) < 2:
        # Only the initial revision exists: a downgrade drops everything, covered above.
        assert revisions == [migrate.head_revision()]
        return
    migrate.downgrade(database.engine, "-1")
    surviving = _counts(database)
    assert surviving == {t: counts[t] for t in surviving}
    migrate.upgrade(database.engine)
    after = _counts(database)
    assert {t: after[t] for t in surviving} == surviving
    assert migrate.check(database.engine) == []


def _stamp_future(url: str) -> None:
    engine = create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE_REVISION})
    engine.dispose()


def test_database_newer_than_the_app_is_refused_and_untouched(db_url: str) -> None:
    _stamp_future(db_url)
    with pytest.raises(SchemaTooNew, match="newer version"):
        migrate.open_database(db_url)
    engine = create_db_engine(db_url)
    with pytest.raises(SchemaTooNew):
        migrate.upgrade(engine)
    with pytest.raises(SchemaTooNew):
        migrate.downgrade(engine, "base")
    state = migrate.schema_state(engine)
    assert state.status is migrate.SchemaStatus.NEWER
    assert state.current == FUTURE_REVISION
    assert "users" in inspect(engine).get_table_names()
    engine.dispose()


def _scripts_with_extra_revision(tmp_path: Path, body: str) -> Path:
    location = tmp_path / "scripts"
    shutil.copytree(
        migrate.migrations_dir(), location, ignore=shutil.ignore_patterns("__pycache__")
    )
    head = migrate.head_revision()
    (location / "versions" / "9000_extra.py").write_text(
        f'"""Extra revision for a test."""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = '9000_extra'\ndown_revision = {head!r}\nbranch_labels = None\ndepends_on = None\n\n"
        f"def upgrade():\n{body}\n\n"
        "def downgrade():\n    op.drop_column('users', 'nickname')\n",
        encoding="utf-8",
    )
    return location


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _close_and_checkpoint(url: str) -> None:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def _new_sqlite_file(tmp_path: Path) -> str:
    database = migrate.open_database(str(tmp_path / "asyncops.db"))
    url = database.url
    database.dispose()
    return url


def test_sqlite_upgrade_backs_up_first_and_keeps_data(tmp_path: Path) -> None:
    db_url = _new_sqlite_file(tmp_path)
    database = Database(db_url)
    counts = _seed(database)
    database.dispose()
    scripts = _scripts_with_extra_revision(
        tmp_path, "    op.add_column('users', sa.Column('nickname', sa.String(50)))"
    )
    engine = create_db_engine(db_url)
    result = migrate.upgrade(engine, script_location=scripts)
    assert result.to_revision == "9000_extra"
    assert result.backup is not None and result.backup.name.endswith(".bak")
    path = sqlite_path(db_url)
    assert path is not None and result.backup.parent == path.parent
    assert "nickname" in {c["name"] for c in inspect(engine).get_columns("users")}
    engine.dispose()
    backup = Database(f"sqlite:///{result.backup}")
    assert _counts(backup) == counts
    assert migrate.schema_state(backup.engine).current == migrate.head_revision()
    backup.dispose()


def test_failed_sqlite_upgrade_leaves_the_file_byte_identical(tmp_path: Path) -> None:
    db_url = _new_sqlite_file(tmp_path)
    database = Database(db_url)
    _seed(database)
    database.dispose()
    _close_and_checkpoint(db_url)
    path = sqlite_path(db_url)
    assert path is not None
    before = _sha256(path)
    scripts = _scripts_with_extra_revision(
        tmp_path,
        "    op.add_column('users', sa.Column('nickname', sa.String(50)))\n"
        "    op.execute(\"UPDATE users SET full_name = 'changed'\")\n"
        "    raise RuntimeError('injected failure')",
    )
    engine = create_db_engine(db_url)
    with pytest.raises(MigrationFailed) as failure:
        migrate.upgrade(engine, script_location=scripts)
    engine.dispose()
    message = str(failure.value)
    assert "injected failure" in message
    backups = sorted(path.parent.glob(f"{path.name}.*.bak"))
    assert len(backups) == 1
    assert str(backups[0]) in message
    assert _sha256(path) == before
    check = create_db_engine(db_url)
    assert migrate.schema_state(check).current == migrate.head_revision()
    check.dispose()


def test_failed_upgrade_rolls_back_on_both_backends(tmp_path: Path, database: Database) -> None:
    counts = _seed(database)
    scripts = _scripts_with_extra_revision(
        tmp_path,
        "    op.add_column('users', sa.Column('nickname', sa.String(50)))\n"
        "    raise RuntimeError('injected failure')",
    )
    with pytest.raises(MigrationFailed, match="unchanged"):
        migrate.upgrade(database.engine, script_location=scripts)
    assert migrate.schema_state(database.engine).current == migrate.head_revision()
    assert "nickname" not in {c["name"] for c in inspect(database.engine).get_columns("users")}
    assert _counts(database) == counts


def test_concurrent_upgrades_do_not_collide(empty_db_url: str) -> None:
    errors: list[BaseException] = []
    results: list[migrate.MigrationResult] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        engine = create_db_engine(empty_db_url)
        try:
            barrier.wait()
            results.append(migrate.upgrade(engine))
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # PostgreSQL serialises them with an advisory lock, SQLite with BEGIN IMMEDIATE: the
    # first one migrates, the others find the schema current.
    assert errors == []
    assert sorted(r.from_revision is None for r in results) == [False, False, True]
    engine = create_db_engine(empty_db_url)
    assert migrate.schema_state(engine).status is migrate.SchemaStatus.CURRENT
    assert migrate.check(engine) == []
    engine.dispose()


def test_open_database_creates_and_migrates_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "asyncops.db"
    path.parent.mkdir()
    database = migrate.open_database(str(path))
    try:
        assert path.exists()
        assert migrate.schema_state(database.engine).status is migrate.SchemaStatus.CURRENT
    finally:
        database.dispose()


def test_check_reports_drift(database: Database) -> None:
    assert migrate.check(database.engine) == []
    with database.engine.begin() as conn:
        conn.execute(text("ALTER TABLE users ADD COLUMN nickname VARCHAR(50)"))
    diffs = migrate.check(database.engine)
    assert any("nickname" in diff for diff in diffs)


def test_migrations_travel_inside_the_wheel_layout() -> None:
    # The wheel maps the repo's migrations/ to asyncops_desktop/migrations (pyproject.toml);
    # migrations_dir() must resolve to a folder holding env.py and the revisions.
    location = migrate.migrations_dir()
    assert (location / "env.py").is_file()
    assert any((location / "versions").glob("0001_*.py"))


# Revision 0006: the tables whose rows are deleted outright never hand a deleted id out again.
BEFORE_IDS_NEVER_REUSED = "0005_resolved_at"
HARD_DELETED_TABLES = (
    "status_updates",
    "decision_participants",
    "remember_tokens",
    "offline_pending_changes",
)


def _rows(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (search shadow tables aside), in id or key order."""
    tables = [
        t
        for t in inspect(database.engine).get_table_names()
        if t != "alembic_version" and not t.startswith("decisions_fts")
    ]
    with database.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1'))]
            for t in tables
        }


def _schema_objects(database: Database) -> set[tuple[str, ...]]:
    """Indexes and triggers with their definitions (what a table rebuild could lose)."""
    with database.engine.connect() as conn:
        if database.dialect == "sqlite":
            query = (
                "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master "
                "WHERE type IN ('index', 'trigger')"
            )
        else:
            query = (
                "SELECT 'index', indexname, tablename, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() UNION ALL "
                "SELECT 'trigger', t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
            )
        return {tuple(str(v) for v in row) for row in conn.execute(text(query))}


def _add_row(conn: Connection, table: str, admin_id: int, n: int) -> int:
    """Insert one row into a hard-deleted table and return its id."""
    decision_id = conn.execute(text("SELECT min(id) FROM decisions")).scalar_one()
    statements = {
        "status_updates": (
            "INSERT INTO status_updates (user_id, title, content) VALUES (:a, :s, 'x')"
        ),
        "decision_participants": (
            "INSERT INTO decision_participants (decision_id, user_id) VALUES (:d, :u)"
        ),
        "remember_tokens": (
            "INSERT INTO remember_tokens (user_id, token_hash, expires_at) "
            "VALUES (:a, :s, '2030-01-01 00:00:00')"
        ),
        "offline_pending_changes": (
            "INSERT INTO offline_pending_changes (change_uid, kind, decision_id, payload, "
            "before, made_at, made_by_id) VALUES (:s, 'update', :d, '{}', '{}', "
            "'2026-01-16 09:30:00', :a)"
        ),
    }
    user_id = admin_id
    if table == "decision_participants":
        # One participant per user and decision: each new row needs a user of its own.
        user_id = conn.execute(
            text(
                "INSERT INTO users (email, password_hash, full_name, role) "
                "VALUES (:e, 'x', 'P', 'member') RETURNING id"
            ),
            {"e": f"p{n}-{uuid.uuid4().hex[:8]}@example.com"},
        ).scalar_one()
    conn.execute(
        text(statements[table]),
        {"a": admin_id, "u": user_id, "d": decision_id, "s": f"{n:036d}"},
    )
    return int(conn.execute(text(f"SELECT max(id) FROM {table}")).scalar_one())


def _delete_newest_and_add(
    database: Database, table: str, admin_id: int, n: int
) -> tuple[int, int]:
    """Delete the row with the largest id, add another; the deleted and the new id."""
    with database.engine.begin() as conn:
        newest = _add_row(conn, table, admin_id, n)
        conn.execute(text(f"DELETE FROM {table} WHERE id = :i"), {"i": newest})
        added = _add_row(conn, table, admin_id, n + 1)
    return newest, added


def _admin_id(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(text("SELECT min(id) FROM users")).scalar_one())


def test_deleted_ids_are_never_handed_out_again(database: Database) -> None:
    _seed(database)
    admin_id = _admin_id(database)
    for n, table in enumerate(HARD_DELETED_TABLES):
        deleted, added = _delete_newest_and_add(database, table, admin_id, 10 * n)
        assert added > deleted, f"{table} handed out the deleted id {deleted} again"
    # Also through the service that deletes status updates, across separate transactions.
    actor = Actor(admin_id)
    service = StatusUpdateService(database, actor)
    newest = service.post(title="Newest", content="x", tags=[])
    service.delete(newest.id)
    assert service.post(title="Next", content="y", tags=[]).id > newest.id


def test_revision_0006_keeps_every_row_index_and_trigger(database: Database) -> None:
    migrate.downgrade(database.engine, BEFORE_IDS_NEVER_REUSED)
    _seed(database)
    admin_id = _admin_id(database)
    reused = []
    for n, table in enumerate(HARD_DELETED_TABLES):
        with database.engine.begin() as conn:
            for i in range(5):
                _add_row(conn, table, admin_id, 100 * n + i)
            # A gap in the middle, as deletions leave.
            conn.execute(text(f"DELETE FROM {table} WHERE id = (SELECT min(id) + 1 FROM {table})"))
        deleted, added = _delete_newest_and_add(database, table, admin_id, 100 * n + 50)
        reused.append(added == deleted)
    # Before the revision SQLite reuses the newest deleted id; PostgreSQL never does.
    assert reused == [database.dialect == "sqlite"] * len(HARD_DELETED_TABLES)
    rows, objects = _rows(database), _schema_objects(database)
    if database.dialect == "sqlite":
        with database.engine.connect() as conn:
            assert sorted(migrate.reusable_id_tables(conn, _metadata())) == sorted(
                HARD_DELETED_TABLES
            )

    migrate.upgrade(database.engine, "0006_ids_never_reused")
    assert _rows(database) == rows
    assert _schema_objects(database) == objects
    migrate.upgrade(database.engine)
    assert migrate.check(database.engine) == []
    for n, table in enumerate(HARD_DELETED_TABLES):
        with database.engine.connect() as conn:
            largest = conn.execute(text(f"SELECT max(id) FROM {table}")).scalar_one()
        deleted, added = _delete_newest_and_add(database, table, admin_id, 100 * n + 70)
        assert deleted > largest and added > deleted, table
    # The updated_at trigger came back with the rebuilt table and still fires.
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE status_updates SET updated_at = '2000-01-01 00:00:00'"))
        conn.execute(text("UPDATE status_updates SET title = 'touched'"))
        oldest = conn.execute(text("SELECT min(updated_at) FROM status_updates")).scalar_one()
    assert str(oldest) > "2000-01-01 00:00:00.000001"

    migrate.downgrade(database.engine, "0006_ids_never_reused")
    rows = _rows(database)
    migrate.downgrade(database.engine, BEFORE_IDS_NEVER_REUSED)
    assert _rows(database) == rows
    assert _schema_objects(database) == objects
    if database.dialect == "sqlite":
        with database.engine.connect() as conn:
            assert sorted(migrate.reusable_id_tables(conn, _metadata())) == sorted(
                HARD_DELETED_TABLES
            )
    migrate.upgrade(database.engine, "0006_ids_never_reused")
    assert _rows(database) == rows
    migrate.upgrade(database.engine)
    assert migrate.check(database.engine) == []


def _metadata() -> MetaData:
    from asyncops_desktop.domain.models import Base

    return Base.metadata


def test_check_reports_a_sqlite_table_that_reuses_ids(tmp_path: Path) -> None:
    database = migrate.open_database(str(tmp_path / "asyncops.db"))
    try:
        assert migrate.check(database.engine) == []
        with database.engine.begin() as conn:
            # The same table without AUTOINCREMENT, as a hand-made copy might have it.
            conn.exec_driver_sql("DROP TABLE remember_tokens")
            conn.exec_driver_sql(
                "CREATE TABLE remember_tokens (id INTEGER NOT NULL PRIMARY KEY, "
                "user_id INTEGER NOT NULL, token_hash VARCHAR(64) NOT NULL, "
                "created_at DATETIME NOT NULL, expires_at DATETIME NOT NULL, "
                "last_used_at DATETIME)"
            )
        diffs = migrate.check(database.engine)
        assert "ids of remember_tokens can be reused (no AUTOINCREMENT)" in diffs
    finally:
        database.dispose()


# Revision 0008: PostgreSQL counts search matches off a narrow table of live search vectors.
BEFORE_LIVE_SEARCH = "0007_search_indexes"
LIVE_SEARCH = "0008_live_search_vectors"
COUNTED_QUERIES = ("rollout", "canary", '"error budget"', "canary -rollout", "budget OR canary")


def _add_decision(conn: Connection, admin_id: int, title: str, description: str) -> int:
    return int(
        conn.execute(
            text(
                "INSERT INTO decisions (created_by_id, title, description, context, outcome, "
                "decision_date) VALUES (:a, :t, :d, 'Context', 'Outcome', '2026-01-15') "
                "RETURNING id"
            ),
            {"a": admin_id, "t": title, "d": description},
        ).scalar_one()
    )


def _direct_counts(database: Database) -> dict[str, int]:
    """Each query's live matches, counted on the decisions table itself."""
    from sqlalchemy import column, func, select, table

    from asyncops_desktop import dialect

    decisions = table("decisions", column("id"), column("deleted_at"))
    with database.engine.connect() as conn:
        return {
            query: conn.execute(
                select(func.count())
                .select_from(decisions)
                .where(
                    decisions.c.deleted_at.is_(None),
                    dialect.decision_text_match(conn, decisions.c.id, query),
                )
            ).scalar_one()
            for query in COUNTED_QUERIES
        }


def _counts_agree(database: Database) -> dict[str, int]:
    """Each query's live count as search reports it, checked against the decisions table."""
    from asyncops_desktop import dialect

    direct = _direct_counts(database)
    with database.engine.begin() as conn:
        counted = {query: dialect.live_match_count(conn, query) for query in COUNTED_QUERIES}
    assert counted == direct
    return counted


def _live_search_rows(database: Database) -> list[tuple[object, ...]]:
    with database.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT decision_id, search_vector::text FROM decisions_fts_live ORDER BY 1")
            )
        ]


def _live_vectors(database: Database) -> list[tuple[object, ...]]:
    with database.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT id, search_vector::text FROM decisions "
                    "WHERE deleted_at IS NULL ORDER BY 1"
                )
            )
        ]


def test_revision_0008_keeps_every_row_and_counts_stay_exact(database: Database) -> None:
    migrate.downgrade(database.engine, BEFORE_LIVE_SEARCH)
    _seed(database)
    admin_id = _admin_id(database)
    with database.engine.begin() as conn:
        ids = [
            _add_decision(conn, admin_id, f"Canary rollout {n}", "Spend the error budget")
            for n in range(4)
        ]
        ids.append(_add_decision(conn, admin_id, "Budget review", "Canary first, then wider"))
        conn.execute(
            text("UPDATE decisions SET deleted_at = '2026-02-01 10:00:00' WHERE id = :i"),
            {"i": ids[0]},
        )
    rows, objects = _rows(database), _schema_objects(database)
    # Revision 0007 has no count of its own to compare with: the decisions table is the truth.
    before = _direct_counts(database)
    assert before["rollout"] == 3 and before['"error budget"'] == 3

    migrate.upgrade(database.engine, LIVE_SEARCH)
    # Every row unchanged, updated_at included: the decisions are read, not rewritten.
    after_rows = _rows(database)
    assert {t: after_rows[t] for t in rows} == rows
    assert migrate.check(database.engine) == []
    assert _counts_agree(database) == before
    if database.dialect == "postgresql":
        # Exactly the live decisions, each with its own vector.
        assert _live_search_rows(database) == _live_vectors(database)
        assert ids[0] not in [r[0] for r in _live_search_rows(database)]
        assert "decisions_fts_live" in inspect(database.engine).get_table_names()
    else:
        assert _schema_objects(database) == objects
    assert set(after_rows) == set(rows)

    # Every write keeps the counts exact: new, edited, soft-deleted, restored, hard-deleted.
    with database.engine.begin() as conn:
        _add_decision(conn, admin_id, "Rollout of the error budget policy", "Canary")
        conn.execute(
            text("UPDATE decisions SET title = 'Plain title' WHERE id = :i"), {"i": ids[1]}
        )
        conn.execute(
            text("UPDATE decisions SET deleted_at = '2026-02-02 10:00:00' WHERE id = :i"),
            {"i": ids[2]},
        )
        conn.execute(text("UPDATE decisions SET deleted_at = NULL WHERE id = :i"), {"i": ids[0]})
        conn.execute(text("UPDATE decisions SET status = 'rejected' WHERE id = :i"), {"i": ids[3]})
        conn.execute(text("DELETE FROM decisions WHERE id = :i"), {"i": ids[4]})
    changed = _counts_agree(database)
    assert changed["rollout"] == 3 and changed["budget OR canary"] == 4
    if database.dialect == "postgresql":
        assert _live_search_rows(database) == _live_vectors(database)

    migrate.downgrade(database.engine, BEFORE_LIVE_SEARCH)
    assert "decisions_fts_live" not in inspect(database.engine).get_table_names()
    assert _schema_objects(database) == objects
    assert _direct_counts(database) == changed
    migrate.upgrade(database.engine)
    assert migrate.check(database.engine) == []
    assert _counts_agree(database) == changed
    if database.dialect == "postgresql":
        assert _live_search_rows(database) == _live_vectors(database)


def test_check_reports_a_missing_live_search_trigger(database: Database) -> None:
    if database.dialect == "sqlite":
        # SQLite counts off its FTS5 index: the revision adds nothing there to lose.
        with database.engine.connect() as conn:
            assert "decisions_fts_live" not in inspect(conn).get_table_names()
        return
    with database.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER decisions_fts_live_sync ON decisions"))
    assert migrate.check(database.engine) == ["missing trigger decisions_fts_live_sync"]


def test_revision_0008_lets_the_roles_that_read_decisions_count_them(database: Database) -> None:
    if database.dialect == "sqlite":
        # No roles on SQLite, and no table: the count reads the FTS5 index as before.
        migrate.downgrade(database.engine, BEFORE_LIVE_SEARCH)
        objects = _schema_objects(database)
        migrate.upgrade(database.engine)
        assert _schema_objects(database) == objects
        return
    migrate.downgrade(database.engine, BEFORE_LIVE_SEARCH)
    _seed(database)
    admin_id = _admin_id(database)
    role = f"asyncops_reader_{uuid.uuid4().hex[:10]}"
    with database.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        conn.execute(text(f"GRANT SELECT, UPDATE ON decisions TO {role}"))
    try:
        migrate.upgrade(database.engine)
        with database.engine.begin() as conn:
            granted = conn.execute(
                text(
                    "SELECT has_table_privilege(:r, 'decisions_fts_live', 'SELECT'), "
                    "has_table_privilege(:r, 'decisions_fts_live', 'INSERT')"
                ),
                {"r": role},
            ).one()
            assert tuple(granted) == (True, False)
            decision_id = _add_decision(conn, admin_id, "Canary rollout", "Spend the budget")
        # As the role: an edit keeps the vectors in step through the trigger, which writes
        # them with its owner's rights, and the count reads them.
        with database.engine.begin() as conn:
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            assert _live_count(conn, "rollout") == 1
            conn.execute(
                text("UPDATE decisions SET title = 'Canary only' WHERE id = :i"),
                {"i": decision_id},
            )
            assert _live_count(conn, "rollout") == 0
            assert _live_count(conn, "canary") == 1
    finally:
        with database.engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


def _live_count(conn: Connection, query: str) -> int:
    from asyncops_desktop import dialect

    return dialect.live_match_count(conn, query)
