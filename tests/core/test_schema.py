"""The migrated schema matches the schema spec, table by table, on both backends."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from asyncops_desktop.db import Database
from asyncops_desktop.dialect import TITLE_DESCRIPTION_VECTOR, TITLE_VECTOR, TSVECTOR_COLUMN

# name: (type, nullable, has_default) per the spec; "tags" and "json" are dialect types.
SERIAL = ("integer", False, True)
SPEC_COLUMNS: dict[str, dict[str, tuple[str, bool, bool]]] = {
    "users": {
        "id": SERIAL,
        "email": ("varchar(255)", False, False),
        "password_hash": ("varchar(255)", False, False),
        "full_name": ("varchar(255)", False, False),
        "role": ("varchar(20)", False, True),
        "is_active": ("boolean", False, True),
        "created_at": ("timestamp", False, True),
        "updated_at": ("timestamp", False, True),
    },
    "status_updates": {
        "id": SERIAL,
        "user_id": ("integer", False, False),
        "title": ("varchar(200)", False, False),
        "content": ("text", False, False),
        "tags": ("tags", True, False),
        "created_at": ("timestamp", False, True),
        "updated_at": ("timestamp", False, True),
    },
    "incidents": {
        "id": SERIAL,
        "reported_by_id": ("integer", False, False),
        "assigned_to_id": ("integer", True, False),
        "title": ("varchar(200)", False, False),
        "description": ("text", False, False),
        "severity": ("varchar(20)", False, True),
        "status": ("varchar(20)", False, True),
        "resolution_notes": ("text", True, False),
        "created_at": ("timestamp", False, True),
        "updated_at": ("timestamp", False, True),
        "resolved_at": ("timestamp", True, False),
    },
    "blockers": {
        "id": SERIAL,
        "reported_by_id": ("integer", False, False),
        "description": ("text", False, False),
        "impact": ("text", False, False),
        "status": ("varchar(20)", False, True),
        "resolution_notes": ("text", True, False),
        "related_status_id": ("integer", True, False),
        "related_incident_id": ("integer", True, False),
        "created_at": ("timestamp", False, True),
        "updated_at": ("timestamp", False, True),
        "resolved_at": ("timestamp", True, False),
    },
    "decisions": {
        "id": SERIAL,
        "created_by_id": ("integer", False, False),
        "title": ("varchar(200)", False, False),
        "description": ("text", False, False),
        "context": ("text", False, False),
        "outcome": ("text", False, False),
        "decision_date": ("date", False, False),
        "tags": ("tags", True, False),
        "created_at": ("timestamp", False, True),
        "updated_at": ("timestamp", False, True),
    },
    "decision_participants": {
        "id": SERIAL,
        "decision_id": ("integer", False, False),
        "user_id": ("integer", False, False),
        "created_at": ("timestamp", False, True),
    },
    "decision_audit_log": {
        "id": SERIAL,
        "decision_id": ("integer", False, False),
        "changed_by_id": ("integer", False, False),
        "change_type": ("varchar(20)", False, False),
        "field_name": ("varchar(100)", True, False),
        "old_value": ("text", True, False),
        "new_value": ("text", True, False),
        "changed_at": ("timestamp", False, True),
    },
    "daily_summaries": {
        "id": SERIAL,
        "summary_date": ("date", False, False),
        "content": ("json", False, False),
        "status_updates_count": ("integer", False, True),
        "incidents_count": ("integer", False, True),
        "blockers_count": ("integer", False, True),
        "decisions_count": ("integer", False, True),
        "generated_at": ("timestamp", False, True),
        "created_at": ("timestamp", False, True),
    },
}

# Columns and tables added by later revisions, beyond the spec.
VERSION = ("integer", False, True)
EXTRA_COLUMNS: dict[str, dict[str, tuple[str, bool, bool]]] = {
    "users": {"must_change_password": ("boolean", False, True)},
    "decisions": {
        "status": ("varchar(20)", False, True),
        "superseded_by_id": ("integer", True, False),
        "review_by": ("date", True, False),
        "deleted_at": ("timestamp", True, False),
        "version": VERSION,
    },
    "incidents": {"version": VERSION},
    "blockers": {"version": VERSION},
    "status_updates": {"version": VERSION},
}
EXTRA_TABLES = {
    "sign_in_throttle",
    "remember_tokens",
    "offline_snapshot_info",
    "offline_pending_changes",
    "decision_offline_changes",
}

# (column, referred table, ON DELETE). Author columns use RESTRICT instead of the spec's
# SET NULL, which contradicts their NOT NULL (see models.py and the README).
SPEC_FOREIGN_KEYS: dict[str, set[tuple[str, str, str]]] = {
    "users": set(),
    "status_updates": {("user_id", "users", "CASCADE")},
    "incidents": {("reported_by_id", "users", "RESTRICT"), ("assigned_to_id", "users", "SET NULL")},
    "blockers": {
        ("reported_by_id", "users", "RESTRICT"),
        ("related_status_id", "status_updates", "SET NULL"),
        ("related_incident_id", "incidents", "SET NULL"),
    },
    "decisions": {
        ("created_by_id", "users", "RESTRICT"),
        ("superseded_by_id", "decisions", "SET NULL"),  # revision 0003
    },
    "decision_participants": {
        ("decision_id", "decisions", "CASCADE"),
        ("user_id", "users", "CASCADE"),
    },
    "decision_audit_log": {
        ("decision_id", "decisions", "CASCADE"),
        ("changed_by_id", "users", "RESTRICT"),
    },
    "daily_summaries": set(),
}

# index name: (columns, unique)
SPEC_INDEXES: dict[str, dict[str, tuple[list[str], bool]]] = {
    "users": {"idx_users_email": (["email"], True), "idx_users_role": (["role"], False)},
    "status_updates": {
        "idx_status_updates_user_id": (["user_id"], False),
        "idx_status_updates_created_at": (["created_at"], False),
        "idx_status_updates_tags": (["tags"], False),
    },
    "incidents": {
        "idx_incidents_reported_by": (["reported_by_id"], False),
        "idx_incidents_assigned_to": (["assigned_to_id"], False),
        "idx_incidents_status": (["status"], False),
        "idx_incidents_severity": (["severity"], False),
        "idx_incidents_created_at": (["created_at"], False),
        "idx_incidents_status_severity": (["status", "severity"], False),
    },
    "blockers": {
        "idx_blockers_reported_by": (["reported_by_id"], False),
        "idx_blockers_status": (["status"], False),
        "idx_blockers_created_at": (["created_at"], False),
        "idx_blockers_related_status": (["related_status_id"], False),
        "idx_blockers_related_incident": (["related_incident_id"], False),
    },
    "decisions": {
        "idx_decisions_created_by": (["created_by_id"], False),
        "idx_decisions_decision_date": (["decision_date"], False),
        "idx_decisions_tags": (["tags"], False),
    },
    "decision_participants": {
        "idx_decision_participants_decision": (["decision_id"], False),
        "idx_decision_participants_user": (["user_id"], False),
    },
    "decision_audit_log": {
        "idx_decision_audit_decision": (["decision_id"], False),
        "idx_decision_audit_changed_by": (["changed_by_id"], False),
        "idx_decision_audit_changed_at": (["changed_at"], False),
    },
    "daily_summaries": {
        "idx_daily_summaries_date": (["summary_date"], True),
        "idx_daily_summaries_generated_at": (["generated_at"], False),
    },
}

SPEC_CHECKS: dict[str, dict[str, tuple[str, ...]]] = {
    "incidents": {
        "severity": ("low", "medium", "high", "critical"),
        "status": ("open", "in_progress", "resolved", "closed"),
    },
    "blockers": {"status": ("active", "resolved")},
    "decision_audit_log": {"change_type": ("created", "updated", "deleted")},
    "decisions": {"status": ("proposed", "accepted", "rejected", "deprecated", "superseded")},
    "users": {"role": ("admin", "member")},
}


def _type_of(engine: Engine, column: Any) -> str:
    compiled = str(column["type"].compile(dialect=engine.dialect)).lower()
    if compiled.startswith("varchar") or compiled.startswith("character varying"):
        length = getattr(column["type"], "length", None)
        return f"varchar({length})"
    if engine.dialect.name == "postgresql":
        return {
            "text[]": "tags",
            "jsonb": "json",
            "timestamp without time zone": "timestamp",
        }.get(compiled, compiled)
    # SQLite keeps the declared type names.
    return {"json": "json", "datetime": "timestamp"}.get(compiled, compiled)


def _index_columns(index: Any) -> list[str]:
    names = [name for name in index.get("column_names", []) if name]
    if names:
        return names
    # DESC indexes are reflected as expressions ("created_at DESC").
    return [str(expr).split()[0].strip('"') for expr in index.get("expressions", [])]


def test_every_table_of_the_spec_exists(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    known = set(SPEC_COLUMNS) | EXTRA_TABLES | {"alembic_version"}
    assert set(SPEC_COLUMNS) <= tables
    assert {t for t in tables if not t.startswith("decisions_fts")} == known


@pytest.mark.parametrize("table", sorted(SPEC_COLUMNS))
def test_columns_types_and_nullability_match_the_spec(database: Database, table: str) -> None:
    engine = database.engine
    columns = {c["name"]: c for c in inspect(engine).get_columns(table)}
    expected = SPEC_COLUMNS[table] | EXTRA_COLUMNS.get(table, {})
    # The search vectors are generated from the texts (PostgreSQL only), not spec columns.
    search_only = {TSVECTOR_COLUMN, TITLE_VECTOR, TITLE_DESCRIPTION_VECTOR}
    mapped = {name: columns[name] for name in columns if name not in search_only}
    assert set(mapped) == set(expected)
    for name, (kind, nullable, has_default) in expected.items():
        column = columns[name]
        wanted_kind = "json" if (kind == "tags" and engine.dialect.name == "sqlite") else kind
        assert (name, _type_of(engine, column)) == (name, wanted_kind)
        assert (name, column["nullable"]) == (name, nullable)
        if name != "id":
            assert (name, column["default"] is not None) == (name, has_default)


@pytest.mark.parametrize("table", sorted(SPEC_COLUMNS))
def test_foreign_keys_match_the_spec(database: Database, table: str) -> None:
    found = {
        (
            fk["constrained_columns"][0],
            fk["referred_table"],
            (fk["options"].get("ondelete") or "NO ACTION").upper(),
        )
        for fk in inspect(database.engine).get_foreign_keys(table)
    }
    assert found == SPEC_FOREIGN_KEYS[table]


@pytest.mark.parametrize("table", sorted(SPEC_INDEXES))
def test_named_indexes_match_the_spec(database: Database, table: str) -> None:
    found = {
        index["name"]: (_index_columns(index), bool(index["unique"]))
        for index in inspect(database.engine).get_indexes(table)
    }
    for name, expected in SPEC_INDEXES[table].items():
        assert (name, found.get(name)) == (name, expected)


def test_participants_are_unique_per_decision(database: Database) -> None:
    constraints = inspect(database.engine).get_unique_constraints("decision_participants")
    assert [sorted(c["column_names"]) for c in constraints] == [["decision_id", "user_id"]]


@pytest.mark.parametrize("table", sorted(SPEC_CHECKS))
def test_check_constraints_reject_unknown_values(database: Database, table: str) -> None:
    checks = inspect(database.engine).get_check_constraints(table)
    sql = " ".join(c["sqltext"] for c in checks)
    for column, allowed in SPEC_CHECKS[table].items():
        assert column in sql
        for value in allowed:
            assert f"'{value}'" in sql


def _insert_user(conn: Any, email: str = "a@example.com") -> int:
    return int(
        conn.execute(
            text(
                "INSERT INTO users (email, password_hash, full_name) VALUES (:e, 'x', 'A') RETURNING id"
            ),
            {"e": email},
        ).scalar_one()
    )


def test_check_constraint_is_enforced_by_the_database(database: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with database.engine.begin() as conn:
        user_id = _insert_user(conn)
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO incidents (reported_by_id, title, description, severity) "
                "VALUES (:u, 't', 'd', 'apocalyptic')"
            ),
            {"u": user_id},
        )


def test_defaults_fill_role_active_status_and_timestamps(database: Database) -> None:
    with database.engine.begin() as conn:
        user_id = _insert_user(conn)
        conn.execute(
            text(
                "INSERT INTO incidents (reported_by_id, title, description) VALUES (:u, 't', 'd')"
            ),
            {"u": user_id},
        )
        user = conn.execute(text("SELECT role, is_active, created_at FROM users")).one()
        incident = conn.execute(text("SELECT severity, status FROM incidents")).one()
    assert user.role == "member"
    assert bool(user.is_active) is True
    assert user.created_at is not None
    assert tuple(incident) == ("medium", "open")


def test_updated_at_trigger_moves_on_a_raw_update(database: Database) -> None:
    with database.engine.begin() as conn:
        user_id = _insert_user(conn)
        conn.execute(
            text("UPDATE users SET updated_at = :old WHERE id = :id"),
            {"old": dt.datetime(2020, 1, 1), "id": user_id},
        )
    stored = _updated_at(database, user_id)
    # PostgreSQL's trigger overrides every assignment; SQLite's fires when the value did not change.
    assert stored is not None
    time.sleep(0.01)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE users SET full_name = 'B' WHERE id = :id"), {"id": user_id})
    after = _updated_at(database, user_id)
    assert after is not None and after > stored
    assert after > dt.datetime(2020, 1, 2)


def _updated_at(database: Database, user_id: int) -> dt.datetime | None:
    from asyncops_desktop.domain.models import User

    with database.read() as session:
        user = session.get(User, user_id)
        return None if user is None else user.updated_at


def test_dialect_objects_for_tags_search_and_updated_at(database: Database) -> None:
    """PostgreSQL: GIN indexes, a generated tsvector, triggers; SQLite: FTS5, triggers, WAL."""
    if database.dialect == "postgresql":
        _check_postgresql_objects(database)
    else:
        _check_sqlite_objects(database)


def _check_postgresql_objects(database: Database) -> None:
    with database.engine.connect() as conn:
        methods: dict[str, str] = dict(
            conn.execute(
                text(
                    "SELECT i.relname, am.amname FROM pg_class i JOIN pg_am am ON am.oid = i.relam "
                    "WHERE i.relname IN ('idx_status_updates_tags', 'idx_decisions_tags', 'idx_decisions_fts')"
                )
            ).all()
        )
        generated = conn.execute(
            text(
                "SELECT data_type, is_generated FROM information_schema.columns "
                "WHERE table_name = 'decisions' AND column_name = 'search_vector'"
            )
        ).one()
        triggers = conn.execute(
            text("SELECT count(*) FROM pg_trigger WHERE tgname = 'update_updated_at'")
        ).scalar_one()
    assert methods == {
        "idx_status_updates_tags": "gin",
        "idx_decisions_tags": "gin",
        "idx_decisions_fts": "gin",
    }
    assert tuple(generated) == ("tsvector", "ALWAYS")
    assert triggers == 5


def _check_sqlite_objects(database: Database) -> None:
    with database.engine.connect() as conn:
        fts = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'decisions_fts'")
        ).scalar_one()
        triggers = {
            row[0]
            for row in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        }
        journal = conn.execute(text("PRAGMA journal_mode")).scalar_one()
        foreign_keys = conn.execute(text("PRAGMA foreign_keys")).scalar_one()
    assert "fts5" in fts.lower()
    assert {"decisions_fts_ai", "decisions_fts_ad", "decisions_fts_au"} <= triggers
    assert {
        f"update_updated_at_{t}"
        for t in ("users", "status_updates", "incidents", "blockers", "decisions")
    } <= triggers
    assert journal == "wal"
    assert foreign_keys == 1
