"""Every difference between PostgreSQL and SQLite, in one place.

- tags: ``TEXT[]`` with GIN on PostgreSQL, a JSON array in TEXT on SQLite;
- documents: ``JSONB`` on PostgreSQL, JSON text on SQLite;
- full-text search on decisions: a generated ``tsvector`` column with a GIN index on
  PostgreSQL, an external-content FTS5 table kept in step by triggers on SQLite;
- ``updated_at``: a trigger on both, written in each dialect's language.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Text,
    case,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
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
UNMAPPED_OBJECTS = frozenset(
    {
        TSVECTOR_COLUMN,
        TSVECTOR_INDEX,
        "idx_decisions_title_fts",
        "idx_decisions_title_description_fts",
        "idx_decisions_deleted",
        "title_vector",
        "title_description_vector",
        "idx_decisions_fts_live",
    }
)


def is_unmapped_object(name: str | None) -> bool:
    """True for the FTS objects that only the migrations know about."""
    return name is not None and (name in UNMAPPED_OBJECTS or name.startswith(FTS_TABLE))


def dialect_name(bind: Session | Connection) -> str:
    """The dialect name (``postgresql`` or ``sqlite``) behind a session or connection."""
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def tags_column(bind: Session | Connection, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The tags column as fetched for DTOs: raw JSON text on SQLite (see ``decode_tags``)."""
    if dialect_name(bind) == "postgresql":
        return column
    return type_coerce(column, Text())


@functools.lru_cache(maxsize=4096)
def _decode_tag_text(text_: str) -> tuple[str, ...]:
    return tuple(json.loads(text_))


def decode_tags(value: object) -> tuple[str, ...]:
    """Tags as an immutable tuple from either dialect's raw value.

    Lists of tags repeat across many rows, so each distinct JSON text is decoded once; the
    result is a tuple, so sharing it between DTOs is safe.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        return _decode_tag_text(value)
    if isinstance(value, list | tuple):
        return tuple(str(tag) for tag in value)
    raise TypeError(f"unexpected tags value {type(value).__name__}")


def timestamp_column(bind: Session | Connection, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A timestamp column as fetched for bulk reads: raw text on SQLite (see
    ``decode_timestamp``), where SQLAlchemy's regex parsing costs more than the query."""
    if dialect_name(bind) == "postgresql":
        return column
    return type_coerce(column, Text())


def decode_timestamp(value: Any) -> dt.datetime:
    """A naive datetime from either dialect's value (SQLite's text is ISO 8601)."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value
    raise TypeError(f"unexpected timestamp value {type(value).__name__}")


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
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)', re.UNICODE)
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_END = "\ue001"


def search_terms(query: str) -> list[str]:
    """Split a free-text query into words, dropping every operator character."""
    return _WORD.findall(query)


@dataclass(frozen=True)
class SearchTerm:
    """One term of a search: a word (matched as a prefix) or a quoted phrase, maybe excluded."""

    words: tuple[str, ...]
    phrase: bool
    excluded: bool


def parse_search(query: str) -> list[list[SearchTerm]]:
    """Web-search syntax: words, "quoted phrases", -excluded and OR; a list of OR-groups.

    Only word characters survive into a term, so no input can form an FTS syntax error or
    an injection. A group without any included term is dropped (it would match everything).
    """
    groups: list[list[SearchTerm]] = [[]]
    for match in _TOKEN.finditer(query):
        minus, quoted, bare = match.groups()
        if bare is not None:
            if bare.upper() == "OR":
                groups.append([])
                continue
            excluded = bare.startswith("-") and len(bare) > 1
            words = tuple(_WORD.findall(bare))
            if words:
                groups[-1].append(SearchTerm(words, len(words) > 1, excluded))
            continue
        words = tuple(_WORD.findall(quoted or ""))
        if words:
            groups[-1].append(SearchTerm(words, True, bool(minus)))
    return [group for group in groups if any(not term.excluded for term in group)]


def _pg_tsquery(groups: list[list[SearchTerm]]) -> str:
    def render(term: SearchTerm) -> str:
        inner = " <-> ".join(term.words) if term.phrase else f"{term.words[0]}:*"
        return f"!({inner})" if term.excluded else f"({inner})"

    return " | ".join("(" + " & ".join(render(t) for t in group) + ")" for group in groups)


def _fts5_term(term: SearchTerm) -> str:
    text_ = " ".join(term.words).replace('"', '""')
    return f'"{text_}"' if term.phrase else f'"{text_}"*'


def _fts5_query(groups: list[list[SearchTerm]]) -> str:
    render = _fts5_term

    parts = []
    for group in groups:
        included = " AND ".join(render(t) for t in group if not t.excluded)
        excluded = "".join(f" NOT {render(t)}" for t in group if t.excluded)
        parts.append(f"({included}{excluded})")
    return " OR ".join(parts)


def decision_text_match(
    bind: Session | Connection, id_column: ColumnElement[int], query: str
) -> ColumnElement[bool]:
    """Condition: the decision's title, description, context or outcome match ``query``."""
    groups = parse_search(query)
    if not groups:
        return false()
    if dialect_name(bind) == "postgresql":
        vector: ColumnClause[object] = ColumnClause(TSVECTOR_COLUMN)
        return vector.op("@@")(func.to_tsquery(TS_CONFIG, _pg_tsquery(groups)))
    return id_column.in_(
        select(ColumnClause("rowid"))
        .select_from(text(FTS_TABLE))
        .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=_fts5_query(groups)))
    )


@dataclass(frozen=True)
class SearchParts:
    """One tier of a ranked decision search: join ``fts_table`` (SQLite), filter on ``match``,
    read newest first by ``order``; every row of the tier ranks ``rank``."""

    match: ColumnElement[bool]
    rank: float
    order: ColumnElement[Any]
    title: ColumnElement[Any]
    snippet: ColumnElement[Any]
    fts_table: Any | None = None  # SQLite: the FTS5 table to join on rowid
    also: tuple[ColumnElement[bool], ...] = ()  # further conditions on each row


# Search ranks by where the query matches, weighted in the columns' order: all of it within
# the title, else within title and description, else anywhere; newest first within a tier.
# Each tier is read in id order straight off the index, so the first page of a query that
# matches most decisions costs as little as one that matches a few, where scoring every
# match (bm25, ts_rank) before sorting took half a second at 100,000 decisions.
RANK_TITLE = 3.0
RANK_TITLE_DESCRIPTION = 2.0
RANK_ANYWHERE = 1.0
TITLE_INDEX = "idx_decisions_title_fts"
TITLE_DESCRIPTION_INDEX = "idx_decisions_title_description_fts"
DELETED_INDEX = "idx_decisions_deleted"
# Title and description only (revision 0007); its name starts like FTS_TABLE's, so schema
# comparison skips it and its shadow tables the same way.
HEAD_FTS_TABLE = f"{FTS_TABLE}_head"


def _included(groups: list[list[SearchTerm]]) -> list[list[SearchTerm]]:
    return [[term for term in group if not term.excluded] for group in groups]


TITLE_VECTOR = "title_vector"
TITLE_DESCRIPTION_VECTOR = "title_description_vector"


def _pg_title_vector() -> ColumnElement[Any]:
    # Stored columns (revision 0007), so a scan in id order tests each row cheaply.
    return ColumnClause(TITLE_VECTOR, type_=Text())


def _pg_title_description_vector() -> ColumnElement[Any]:
    return ColumnClause(TITLE_DESCRIPTION_VECTOR, type_=Text())


def decision_search_tiers(bind: Session | Connection, query: str) -> list[SearchParts]:
    """The tiers of a ranked search for ``query``, best first (none: nothing searchable)."""
    groups = parse_search(query)
    if not groups:
        return []
    included = _included(groups)
    if dialect_name(bind) == "postgresql":
        vector: ColumnClause[object] = ColumnClause(TSVECTOR_COLUMN, type_=Text())
        whole = func.to_tsquery(TS_CONFIG, _pg_tsquery(groups))
        wanted = func.to_tsquery(TS_CONFIG, _pg_tsquery(included))
        marks = f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}"
        title = func.ts_headline(
            TS_CONFIG, ColumnClause("title"), whole, f"HighlightAll=true, {marks}"
        )
        snippet = func.ts_headline(
            TS_CONFIG, ColumnClause("description"), whole, f"MaxWords=24, MinWords=8, {marks}"
        )
        matches: ColumnElement[bool] = vector.bool_op("@@")(whole)
        in_title: ColumnElement[bool] = _pg_title_vector().bool_op("@@")(wanted)
        in_title_description: ColumnElement[bool] = _pg_title_description_vector().bool_op("@@")(
            wanted
        )
        order: ColumnElement[Any] = literal_column("decisions.id")
        if included == groups:
            # Without exclusions a match in the title is a match: let the planner see the
            # tier's own index alone rather than intersect it with the whole-vector one.
            in_title_only, in_title_description_only = in_title, in_title_description
        else:
            in_title_only = matches & in_title
            in_title_description_only = matches & in_title_description
        return [
            SearchParts(in_title_only, RANK_TITLE, order, title, snippet),
            SearchParts(
                in_title_description_only & ~in_title,
                RANK_TITLE_DESCRIPTION,
                order,
                title,
                snippet,
            ),
            SearchParts(matches & ~in_title_description, RANK_ANYWHERE, order, title, snippet),
        ]
    # SQLite: the title and title-and-description tiers read a second, smaller FTS5 index of
    # those two columns only, so a word found only in context or outcome costs nothing there
    # (in the full index, the column filter walks every document holding the word).
    fts = table(FTS_TABLE, column("rowid"))
    head = table(HEAD_FTS_TABLE, column("rowid"))
    fts_name: ColumnClause[Any] = literal_column(FTS_TABLE)
    head_name: ColumnClause[Any] = literal_column(HEAD_FTS_TABLE)
    whole_text = _fts5_query(groups)
    wanted_text = " OR ".join(
        "(" + " AND ".join(_fts5_term(t) for t in group) + ")" for group in included
    )
    decision_id: ColumnElement[Any] = literal_column("decisions.id")
    # With exclusions, a row of the head tiers must also match the whole query.
    also = () if included == groups else (_fts5_has(FTS_TABLE, whole_text, decision_id),)
    head_title = func.highlight(head_name, 0, HIGHLIGHT_START, HIGHLIGHT_END)
    head_snippet = func.snippet(head_name, 1, HIGHLIGHT_START, HIGHLIGHT_END, "…", 16)
    return [
        SearchParts(
            head_name.bool_op("MATCH")(f"{{title}} : ({wanted_text})"),
            RANK_TITLE,
            head.c.rowid,
            head_title,
            head_snippet,
            head,
            also,
        ),
        SearchParts(
            head_name.bool_op("MATCH")(f"({wanted_text}) NOT ({{title}} : ({wanted_text}))"),
            RANK_TITLE_DESCRIPTION,
            head.c.rowid,
            head_title,
            head_snippet,
            head,
            also,
        ),
        SearchParts(
            fts_name.bool_op("MATCH")(whole_text),
            RANK_ANYWHERE,
            fts.c.rowid,
            func.highlight(fts_name, 0, HIGHLIGHT_START, HIGHLIGHT_END),
            func.snippet(fts_name, 1, HIGHLIGHT_START, HIGHLIGHT_END, "…", 16),
            fts,
            (~_fts5_has(HEAD_FTS_TABLE, wanted_text, decision_id),),
        ),
    ]


def _fts5_has(name: str, query_text: str, rowid: ColumnElement[Any]) -> ColumnElement[bool]:
    """Condition: the FTS5 table ``name`` matches ``query_text`` for the row ``rowid``."""
    index = table(name, column("rowid"))
    return exists(
        select(literal(1))
        .select_from(index)
        .where(literal_column(name).bool_op("MATCH")(query_text), index.c.rowid == rowid)
    )


def live_match_count(bind: Session | Connection, query: str) -> int:
    """How many live decisions match ``query``, counted off the search index.

    SQLite: every FTS5 match minus the deleted decisions among them (few, found through a
    partial index), so the count never reads the 100,000 decision rows. PostgreSQL: the GIN
    index of ``decisions_fts_live`` (revision 0008), the live decisions' search vectors alone.
    A bitmap scan visits every heap page holding a match, so a word in most decisions costs
    as many pages as the table has: about 13,000 there against 20,000 in ``decisions``,
    which may not stay in shared buffers. Sequential scans are off for this one statement:
    the planner does not price testing each row's vector, while the bitmap needs no recheck
    at all for words and prefixes and tests only candidate rows for phrases. The query is
    parsed once, in a subquery: once the driver prepares the statement, a generic plan
    would call ``to_tsquery`` again for every phrase candidate it rechecks (2-3x slower).
    """
    groups = parse_search(query)
    if not groups:
        return 0
    connection = bind.connection() if isinstance(bind, Session) else bind
    if dialect_name(bind) == "postgresql":
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        try:
            return int(
                connection.execute(
                    text(
                        f"SELECT count(*) FROM {LIVE_SEARCH_TABLE} WHERE "
                        f"{TSVECTOR_COLUMN} @@ (SELECT to_tsquery('{TS_CONFIG}', :q))"
                    ),
                    {"q": _pg_tsquery(groups)},
                ).scalar_one()
            )
        finally:
            connection.execute(text("SET LOCAL enable_seqscan = on"))
    statement = text(
        f"SELECT (SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q) - "
        "(SELECT count(*) FROM decisions WHERE deleted_at IS NOT NULL AND EXISTS ("
        f"SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q AND rowid = decisions.id))"
    )
    return int(connection.execute(statement, {"q": _fts5_query(groups)}).scalar_one())


# Revision 0008 (PostgreSQL): the search vectors of the live decisions, one narrow row each,
# kept in step with ``decisions`` by a trigger, so counting matches reads a small heap. Its
# name starts like FTS_TABLE's, so schema comparison skips it as it skips SQLite's.
LIVE_SEARCH_TABLE = f"{FTS_TABLE}_live"
LIVE_SEARCH_INDEX = f"idx_{LIVE_SEARCH_TABLE}"
LIVE_SEARCH_FUNCTION = f"sync_{LIVE_SEARCH_TABLE}"
LIVE_SEARCH_TRIGGER = f"{LIVE_SEARCH_TABLE}_sync"


def live_search_upgrade_statements(name: str) -> Sequence[str]:
    """DDL for revision 0008: on PostgreSQL, ``decisions_fts_live`` filled from every live
    decision, its GIN index and the trigger keeping it in step; nothing on SQLite (which
    counts off its FTS5 index)."""
    if name != "postgresql":
        return []
    table_ = LIVE_SEARCH_TABLE
    return [
        f"CREATE TABLE {table_} (decision_id integer PRIMARY KEY "
        "REFERENCES decisions (id) ON DELETE CASCADE, "
        f"{TSVECTOR_COLUMN} tsvector NOT NULL)",
        f"INSERT INTO {table_} (decision_id, {TSVECTOR_COLUMN}) "
        f"SELECT id, {TSVECTOR_COLUMN} FROM decisions WHERE deleted_at IS NULL ORDER BY id",
        f"CREATE INDEX {LIVE_SEARCH_INDEX} ON {table_} USING gin ({TSVECTOR_COLUMN})",
        f"ANALYZE {table_}",
        # AFTER: the stored search vector is computed by then. A soft delete removes the
        # row, a restore puts it back, an edit of the searched text replaces the vector.
        # SECURITY DEFINER: a role that may write decisions keeps their vectors in step
        # without privileges of its own on the table; the search path is pinned.
        f"CREATE FUNCTION {LIVE_SEARCH_FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
        "SECURITY DEFINER SET search_path FROM CURRENT AS $$ "
        "BEGIN "
        "IF TG_OP = 'UPDATE' AND (OLD.deleted_at IS NULL) = (NEW.deleted_at IS NULL) "
        f"AND OLD.{TSVECTOR_COLUMN} IS NOT DISTINCT FROM NEW.{TSVECTOR_COLUMN} THEN "
        "RETURN NULL; END IF; "
        "IF NEW.deleted_at IS NULL THEN "
        f"INSERT INTO {table_} (decision_id, {TSVECTOR_COLUMN}) "
        f"VALUES (NEW.id, NEW.{TSVECTOR_COLUMN}) ON CONFLICT (decision_id) "
        f"DO UPDATE SET {TSVECTOR_COLUMN} = EXCLUDED.{TSVECTOR_COLUMN}; "
        f"ELSE DELETE FROM {table_} WHERE decision_id = NEW.id; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER {LIVE_SEARCH_TRIGGER} AFTER INSERT OR UPDATE OF title, description, "
        f"context, outcome, deleted_at ON decisions "
        f"FOR EACH ROW EXECUTE FUNCTION {LIVE_SEARCH_FUNCTION}()",
        # Whoever may read the decisions (the roles of ``db grant-sql``) may count them.
        "DO $$ DECLARE grantee oid; BEGIN "
        "FOR grantee IN SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = 'decisions'::regclass AND a.privilege_type = 'SELECT' "
        "AND a.grantee <> c.relowner LOOP "
        "IF grantee = 0 THEN "
        f"EXECUTE 'GRANT SELECT ON {table_} TO PUBLIC'; "
        f"ELSE EXECUTE format('GRANT SELECT ON {table_} TO %I', "
        "(SELECT rolname FROM pg_roles WHERE oid = grantee)); END IF; "
        "END LOOP; END $$",
    ]


def live_search_downgrade_statements(name: str) -> Sequence[str]:
    """DDL undoing ``live_search_upgrade_statements``."""
    if name != "postgresql":
        return []
    return [
        f"DROP TRIGGER IF EXISTS {LIVE_SEARCH_TRIGGER} ON decisions",
        f"DROP FUNCTION IF EXISTS {LIVE_SEARCH_FUNCTION}()",
        f"DROP TABLE IF EXISTS {LIVE_SEARCH_TABLE}",
    ]


def search_index_upgrade_statements(name: str) -> Sequence[str]:
    """DDL for revision 0007: the deleted decisions' index, and on PostgreSQL stored title and
    title-and-description search vectors with their indexes, which the search tiers read."""
    statements = [
        f"CREATE INDEX {DELETED_INDEX} ON decisions (deleted_at) WHERE deleted_at IS NOT NULL"
    ]
    if name == "sqlite":
        head = HEAD_FTS_TABLE
        statements += [
            f"CREATE VIRTUAL TABLE {head} USING fts5(title, description, "
            "content='decisions', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
            f"CREATE TRIGGER {head}_ai AFTER INSERT ON decisions BEGIN "
            f"INSERT INTO {head}(rowid, title, description) "
            "VALUES (new.id, new.title, new.description); END",
            f"CREATE TRIGGER {head}_ad AFTER DELETE ON decisions BEGIN "
            f"INSERT INTO {head}({head}, rowid, title, description) "
            "VALUES ('delete', old.id, old.title, old.description); END",
            f"CREATE TRIGGER {head}_au AFTER UPDATE OF title, description ON decisions BEGIN "
            f"INSERT INTO {head}({head}, rowid, title, description) "
            "VALUES ('delete', old.id, old.title, old.description); "
            f"INSERT INTO {head}(rowid, title, description) "
            "VALUES (new.id, new.title, new.description); END",
            f"INSERT INTO {head}({head}) VALUES ('rebuild')",
        ]
    if name == "postgresql":
        statements += [
            f"ALTER TABLE decisions ADD COLUMN {TITLE_VECTOR} tsvector GENERATED ALWAYS AS "
            f"(to_tsvector('{TS_CONFIG}', title)) STORED, "
            f"ADD COLUMN {TITLE_DESCRIPTION_VECTOR} tsvector GENERATED ALWAYS AS "
            f"(to_tsvector('{TS_CONFIG}', title || ' ' || description)) STORED",
            f"CREATE INDEX {TITLE_INDEX} ON decisions USING gin ({TITLE_VECTOR})",
            f"CREATE INDEX {TITLE_DESCRIPTION_INDEX} ON decisions "
            f"USING gin ({TITLE_DESCRIPTION_VECTOR})",
        ]
    return statements


def search_index_downgrade_statements(name: str) -> Sequence[str]:
    """DDL undoing ``search_index_upgrade_statements``."""
    statements = [f"DROP INDEX IF EXISTS {DELETED_INDEX}"]
    if name == "sqlite":
        statements += [
            f"DROP TRIGGER IF EXISTS {HEAD_FTS_TABLE}_{suffix}" for suffix in ("ai", "ad", "au")
        ]
        statements.append(f"DROP TABLE IF EXISTS {HEAD_FTS_TABLE}")
    if name == "postgresql":
        statements += [
            f"DROP INDEX IF EXISTS {TITLE_INDEX}",
            f"DROP INDEX IF EXISTS {TITLE_DESCRIPTION_INDEX}",
            f"ALTER TABLE decisions DROP COLUMN IF EXISTS {TITLE_VECTOR}, "
            f"DROP COLUMN IF EXISTS {TITLE_DESCRIPTION_VECTOR}",
        ]
    return statements


def search_query_text(name: str, query: str) -> str | None:
    """The dialect's query string for ``query`` (None when nothing searchable is left)."""
    groups = parse_search(query)
    if not groups:
        return None
    return _pg_tsquery(groups) if name == "postgresql" else _fts5_query(groups)


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


FTS_COLUMNS = ("title", "description", "context", "outcome")
# Title matches weigh most, then the description, then context and outcome.
_PG_WEIGHTS = ("A", "B", "C", "C")


def fts_all_columns_statements(name: str) -> Sequence[str]:
    """DDL for weighted full-text search over title, description, context and outcome."""
    if name == "postgresql":
        parts = " || ".join(
            f"setweight(to_tsvector('{TS_CONFIG}', coalesce({column}, '')), '{weight}')"
            for column, weight in zip(FTS_COLUMNS, _PG_WEIGHTS, strict=True)
        )
        return (
            f"ALTER TABLE decisions ADD COLUMN {TSVECTOR_COLUMN} tsvector GENERATED ALWAYS AS ({parts}) STORED",
            f"CREATE INDEX {TSVECTOR_INDEX} ON decisions USING gin ({TSVECTOR_COLUMN})",
        )
    columns = ", ".join(FTS_COLUMNS)
    new_values = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old_values = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    return (
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({columns}, "
        "content='decisions', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON decisions BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, {columns}) VALUES (new.id, {new_values}); END",
        f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON decisions BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {columns}) VALUES ('delete', old.id, {old_values}); END",
        f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF {columns} ON decisions BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {columns}) VALUES ('delete', old.id, {old_values}); "
        f"INSERT INTO {FTS_TABLE}(rowid, {columns}) VALUES (new.id, {new_values}); END",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    )


AUDIT_TABLE = "decision_audit_log"


def append_only_upgrade_statements(name: str) -> Sequence[str]:
    """Triggers that reject UPDATE and DELETE on the audit log (so history cannot change)."""
    message = "decision_audit_log is append-only: entries cannot be changed or deleted"
    if name == "postgresql":
        return (
            "CREATE OR REPLACE FUNCTION reject_audit_change() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation'; END; "
            "$$ LANGUAGE plpgsql",
            f"CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON {AUDIT_TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION reject_audit_change()",
        )
    return (
        f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON {AUDIT_TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON {AUDIT_TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    )


def append_only_downgrade_statements(name: str) -> Sequence[str]:
    """Remove the append-only triggers."""
    if name == "postgresql":
        return (
            f"DROP TRIGGER IF EXISTS audit_log_append_only ON {AUDIT_TABLE}",
            "DROP FUNCTION IF EXISTS reject_audit_change()",
        )
    return (
        "DROP TRIGGER IF EXISTS audit_log_no_update",
        "DROP TRIGGER IF EXISTS audit_log_no_delete",
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
        append_only = conn.execute(
            text("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_log_append_only'")
        ).scalar_one()
        if not append_only:
            missing.append("trigger audit_log_append_only")
        present = {
            row[0]
            for row in conn.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relname IN (:t, :i) "
                    "UNION ALL SELECT tgname FROM pg_trigger WHERE tgname = :g"
                ),
                {"t": LIVE_SEARCH_TABLE, "i": LIVE_SEARCH_INDEX, "g": LIVE_SEARCH_TRIGGER},
            )
        }
        for kind, object_name in (
            ("table", LIVE_SEARCH_TABLE),
            ("index", LIVE_SEARCH_INDEX),
            ("trigger", LIVE_SEARCH_TRIGGER),
        ):
            if object_name not in present:
                missing.append(f"{kind} {object_name}")
        return missing
    present = {
        row[0]
        for row in conn.execute(
            text("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'table')")
        )
    }
    wanted = [f"update_updated_at_{table}" for table in tables_with_updated_at]
    for fts in (FTS_TABLE, HEAD_FTS_TABLE):
        wanted += [fts, f"{fts}_ai", f"{fts}_ad", f"{fts}_au"]
    wanted += ["audit_log_no_update", "audit_log_no_delete"]
    return [name for name in wanted if name not in present]


# pg_advisory_xact_lock(namespace, key): the namespace keeps our keys apart from any other
# application's on a shared server ("AOSD" in ASCII, fits a signed 32-bit integer).
SUMMARY_LOCK_NAMESPACE = 0x414F5344


def begin_summary_write(session: Session, day_number: int) -> None:
    """Prepare a transaction that writes one day's summary: one writer per day at a time.

    PostgreSQL: a transaction-scoped advisory lock keyed on the day, so clients launching
    together queue per day instead of computing the same day twice; and no wait for the WAL
    flush at commit, as a summary is derived data (a day lost in a server crash is simply
    missing and recomputed at the next launch), which saves a disk flush per day of a
    backfill. SQLite needs nothing: write sessions start with BEGIN IMMEDIATE, which admits
    one writer at a time (its commit flushes, as every SQLite commit here: synchronous=FULL).
    """
    if dialect_name(session) == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": SUMMARY_LOCK_NAMESPACE, "key": day_number},
        )
        session.execute(text("SET LOCAL synchronous_commit = off"))


# -- text formatting in SQL, for exports that stream rows straight into a file ---------------


def iso_date_text(bind: Session | Connection, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A DATE column as ``YYYY-MM-DD`` text (SQLite already stores it that way)."""
    if dialect_name(bind) == "postgresql":
        return func.to_char(column, "YYYY-MM-DD")
    return type_coerce(column, Text())


def iso_timestamp_text(
    bind: Session | Connection, column: ColumnElement[Any]
) -> ColumnElement[Any]:
    """A naive-UTC timestamp as ``YYYY-MM-DDTHH:MM:SSZ`` (fractions dropped, not rounded).

    SQLite stores ``YYYY-MM-DD HH:MM:SS[.ffffff]``: slicing the text is exact and avoids
    the date functions' rounding of fractional seconds.
    """
    if dialect_name(bind) == "postgresql":
        return func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    raw = type_coerce(column, Text())
    return func.substr(raw, 1, 10) + "T" + func.substr(raw, 12, 8) + "Z"


def joined_tags(
    bind: Session | Connection,
    column: ColumnElement[Any],
    separator: str,
    prefix: Callable[[ColumnElement[Any]], ColumnElement[Any]],
) -> ColumnElement[Any]:
    """The tags column as one text in stored order, ``separator`` between tags (NULL: none).

    ``prefix(first)`` is put in front, computed from the first tag on SQLite and from the
    whole text on PostgreSQL (both start alike), so SQLite decodes the JSON only once.
    """
    if dialect_name(bind) == "postgresql":
        joined = func.nullif(func.array_to_string(column, separator), "")
        return prefix(joined) + joined
    each = func.json_each(column).table_valued("key", "value")
    value = type_coerce(each.c.value, Text())
    first = case((each.c.key == 0, prefix(value)), else_="")
    return select(func.group_concat(first + value, separator)).select_from(each).scalar_subquery()


def joined_sorted_emails(
    bind: Session | Connection,
    decision_id: ColumnElement[int],
    separator: str,
    prefix: Callable[[ColumnElement[Any]], ColumnElement[Any]],
) -> tuple[ColumnElement[Any], Any | None]:
    """The decision's participants' emails in code-point order (Python's ``sorted``), joined.

    Returns the column and, on PostgreSQL, a subquery to LEFT JOIN on ``decision_id`` (one
    hash aggregate beats 100,000 correlated lookups there); SQLite gets a correlated scalar
    subquery over the participants index, which beats materialising the aggregate.
    ``prefix(first)`` goes in front, computed from the first email.
    """
    participants = table("decision_participants", column("decision_id"), column("user_id"))
    users = table("users", column("id"), column("email", Text()))
    if dialect_name(bind) == "postgresql":
        ordered = users.c.email.collate("C")
        people = (
            select(
                participants.c.decision_id,
                func.string_agg(
                    users.c.email, aggregate_order_by(literal(separator), ordered)
                ).label("emails"),
            )
            .join(users, users.c.id == participants.c.user_id)
            .group_by(participants.c.decision_id)
            .subquery("people")
        )
        joined = people.c.emails
        return prefix(joined) + joined, people
    # group_concat keeps the order of its input rows (SQLite before 3.44 has no ORDER BY
    # inside an aggregate); min() is the first of them under the default BINARY collation.
    sorted_emails = (
        select(users.c.email)
        .join(participants, participants.c.user_id == users.c.id)
        .where(participants.c.decision_id == decision_id)
        .order_by(users.c.email)
        .correlate_except(participants, users)
        .subquery("sorted_emails")
    )
    emails = sorted_emails.c.email
    aggregate = select(
        prefix(func.min(emails)) + func.group_concat(emails, separator)
    ).scalar_subquery()
    return aggregate, None
