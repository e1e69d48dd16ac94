"""Every difference between PostgreSQL and SQLite, in one place.

- tags: ``TEXT[]`` with GIN on PostgreSQL, a JSON array in TEXT on SQLite;
- documents: ``JSONB`` on PostgreSQL, JSON text on SQLite;
- full-text search on decisions: a generated ``tsvector`` column with a GIN index on
  PostgreSQL, an external-content FTS5 table kept in step by triggers on SQLite;
- ``updated_at``: a trigger on both, written in each dialect's language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, ColumnElement, Text, exists, false, func, literal, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.types import TypeEngine

TagList: TypeEngine[Any] = JSON().with_variant(postgresql.ARRAY(Text()), "postgresql")
JsonDocument: TypeEngine[Any] = JSON().with_variant(postgresql.JSONB(), "postgresql")

FTS_TABLE = "decisions_fts"
TSVECTOR_COLUMN = "search_vector"
TSVECTOR_INDEX = "idx_decisions_fts"
TS_CONFIG = "simple"

# Objects created by migrations outside the mapped metadata; schema comparison skips them.
UNMAPPED_OBJECTS = frozenset({TSVECTOR_COLUMN, TSVECTOR_INDEX})


def is_unmapped_object(name: str | None) -> bool:
    """True for the FTS objects that only the migrations know about."""
    return name is not None and (name in UNMAPPED_OBJECTS or name.startswith(FTS_TABLE))


def dialect_name(bind: Session | Connection) -> str:
    """The dialect name (``postgresql`` or ``sqlite``) behind a session or connection."""
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def has_tag(
    bind: Session | Connection, column: ColumnElement[object], tag: str
) -> ColumnElement[bool]:
    """Condition: the tags column contains ``tag`` (uses the GIN index on PostgreSQL)."""
    if dialect_name(bind) == "postgresql":
        return column.op("@>")(literal([tag], postgresql.ARRAY(Text())))
    each = func.json_each(column).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == tag))


def all_tags_sql(bind: Session | Connection, table: str) -> str:
    """SQL listing every distinct tag used in ``table`` with its use count."""
    if dialect_name(bind) == "postgresql":
        return (
            f"SELECT tag, count(*) FROM {table}, unnest(tags) AS tag "
            "GROUP BY tag ORDER BY count(*) DESC, tag"
        )
    return (
        f"SELECT j.value, count(*) FROM {table}, json_each({table}.tags) AS j "
        "GROUP BY j.value ORDER BY count(*) DESC, j.value"
    )


_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """Split a free-text query into words, dropping every operator character."""
    return _WORD.findall(query)


def decision_text_match(
    bind: Session | Connection, id_column: ColumnElement[int], query: str
) -> ColumnElement[bool]:
    """Condition: the decision's title or description matches every word of ``query``.

    Words are matched as prefixes, so "migr" finds "migration". Operator characters are
    dropped, so user input can never form an FTS syntax error or injection.
    """
    terms = search_terms(query)
    if not terms:
        return false()
    if dialect_name(bind) == "postgresql":
        tsquery = " & ".join(f"{t}:*" for t in (term.replace("'", "") for term in terms) if t)
        vector: ColumnClause[object] = ColumnClause(TSVECTOR_COLUMN)
        return vector.op("@@")(func.to_tsquery(TS_CONFIG, tsquery))
    fts_query = " ".join('"' + t.replace('"', '""') + '"*' for t in terms)
    return id_column.in_(
        select(ColumnClause("rowid"))
        .select_from(text(FTS_TABLE))
        .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=fts_query))
    )


def fts_upgrade_statements(name: str) -> Sequence[str]:
    """DDL creating decision full-text search for dialect ``name``."""
    if name == "postgresql":
        return (
            f"ALTER TABLE decisions ADD COLUMN {TSVECTOR_COLUMN} tsvector GENERATED ALWAYS AS "
            f"(to_tsvector('{TS_CONFIG}', coalesce(title, '') || ' ' || coalesce(description, ''))) STORED",
            f"CREATE INDEX {TSVECTOR_INDEX} ON decisions USING gin ({TSVECTOR_COLUMN})",
        )
    return (
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, description, "
        "content='decisions', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON decisions BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, title, description) VALUES (new.id, new.title, new.description); END",
        f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON decisions BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, description) "
        "VALUES ('delete', old.id, old.title, old.description); END",
        f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF title, description ON decisions BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, description) "
        "VALUES ('delete', old.id, old.title, old.description); "
        f"INSERT INTO {FTS_TABLE}(rowid, title, description) VALUES (new.id, new.title, new.description); END",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    )


def fts_downgrade_statements(name: str) -> Sequence[str]:
    """DDL removing decision full-text search for dialect ``name``."""
    if name == "postgresql":
        return (
            f"DROP INDEX IF EXISTS {TSVECTOR_INDEX}",
            f"ALTER TABLE decisions DROP COLUMN IF EXISTS {TSVECTOR_COLUMN}",
        )
    return (
        f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
        f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
        f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
        f"DROP TABLE IF EXISTS {FTS_TABLE}",
    )


def updated_at_upgrade_statements(name: str, tables: Sequence[str]) -> list[str]:
    """DDL for the ``update_updated_at`` trigger on each table."""
    if name == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$ "
            "BEGIN NEW.updated_at = (now() AT TIME ZONE 'utc'); RETURN NEW; END; "
            "$$ LANGUAGE plpgsql"
        ]
        statements += [
            f"CREATE TRIGGER update_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
            for table in tables
        ]
        return statements
    # SQLite has no BEFORE-UPDATE assignment: a follow-up UPDATE touches only rows whose
    # updated_at the statement left unchanged (recursive triggers are off, so it stops there).
    return [
        f"CREATE TRIGGER update_updated_at_{table} AFTER UPDATE ON {table} FOR EACH ROW "
        "WHEN NEW.updated_at IS OLD.updated_at BEGIN "
        f"UPDATE {table} SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') || '000' "
        "WHERE id = NEW.id; END"
        for table in tables
    ]


def updated_at_downgrade_statements(name: str, tables: Sequence[str]) -> list[str]:
    """DDL removing the ``update_updated_at`` triggers."""
    if name == "postgresql":
        statements = [f"DROP TRIGGER IF EXISTS update_updated_at ON {table}" for table in tables]
        return [*statements, "DROP FUNCTION IF EXISTS set_updated_at()"]
    return [f"DROP TRIGGER IF EXISTS update_updated_at_{table}" for table in tables]


def missing_objects(conn: Connection, tables_with_updated_at: Sequence[str]) -> list[str]:
    """Search and trigger objects the migrations should have created but the database lacks."""
    if conn.dialect.name == "postgresql":
        triggers = {
            row[0]
            for row in conn.execute(
                text(
                    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE t.tgname = 'update_updated_at' AND NOT t.tgisinternal"
                )
            )
        }
        missing = [
            f"trigger update_updated_at on {table}"
            for table in tables_with_updated_at
            if table not in triggers
        ]
        has_vector = conn.execute(
            text(
                "SELECT count(*) FROM information_schema.columns "
                "WHERE table_name = 'decisions' AND column_name = :c"
            ),
            {"c": TSVECTOR_COLUMN},
        ).scalar_one()
        if not has_vector:
            missing.append(f"column decisions.{TSVECTOR_COLUMN}")
        has_index = conn.execute(
            text("SELECT count(*) FROM pg_class WHERE relname = :i"), {"i": TSVECTOR_INDEX}
        ).scalar_one()
        if not has_index:
            missing.append(f"index {TSVECTOR_INDEX}")
        return missing
    present = {
        row[0]
        for row in conn.execute(
            text("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'table')")
        )
    }
    wanted = [f"update_updated_at_{table}" for table in tables_with_updated_at]
    wanted += [FTS_TABLE, f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au"]
    return [name for name in wanted if name not in present]
