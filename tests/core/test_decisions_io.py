"""Decision import and export: front matter, MADR / adr-tools reading and writing, CSV,
the import preview and report, superseded-by links, re-runs, and the round trip between
two databases (each database test on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from asyncops_desktop import cli
from asyncops_desktop.db import Database, sqlite_url
from asyncops_desktop.decisions_io import (
    CSV_COLUMNS,
    DecisionExporter,
    DecisionImporter,
    FileAction,
    frontmatter,
    importing_actor,
    markdown,
    render_plan,
    render_report,
)
from asyncops_desktop.decisions_io import export as export_module
from asyncops_desktop.decisions_io.markdown import DecisionRecord, LinkRef
from asyncops_desktop.domain.enums import DecisionStatus, Role
from asyncops_desktop.domain.errors import AsyncOpsError, PermissionDenied, ValidationError
from asyncops_desktop.domain.models import Decision, DecisionAuditEntry, User
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.decisions import DecisionFilter
from asyncops_desktop.repositories.users import UserRepository
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService, replay, state_of
from asyncops_desktop.services.users import UserService, hash_password

DAY = dt.date(2024, 1, 15)


# -- helpers ------------------------------------------------------------------------------


def _record(database: Database, actor: Actor, **overrides: Any) -> int:
    values: dict[str, Any] = {
        "title": "Adopt PostgreSQL",
        "description": "Move to a shared server.",
        "context": "The team grew past one laptop.",
        "outcome": "Migrate in Q3.",
        "decision_date": DAY,
        "participant_ids": [actor.user_id],
    }
    values.update(overrides)
    return DecisionService(database, actor).record(**values).decision.id


def _add_admin(database: Database, email: str = "admin@example.com") -> Actor:
    with database.write() as session:
        user_id = UserRepository(session).add(
            email=email,
            password_hash=hash_password("correct horse battery", rounds=4),
            full_name="Ada Admin",
            role="admin",
        )
    return Actor(user_id, Role.ADMIN)


def _count(database: Database, model: type[Any]) -> int:
    with database.read() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def _adr(number: int, title: str, status: str, *, date: str = "2024-01-15") -> str:
    return (
        f"# {number}. {title}\n\nDate: {date}\n\n## Status\n\n{status}\n\n"
        f"## Context\n\nWhy {title}.\n\n## Decision\n\nWe do {title}.\n\n"
        f"## Consequences\n\nAfter {title}.\n"
    )


def _madr(title: str, **front: str) -> str:
    lines = ["---", *(f"{key.replace('_', '-')}: {value}" for key, value in front.items()), "---"]
    return "\n".join(
        [
            *lines,
            "",
            f"# {title}",
            "",
            "## Context and Problem Statement",
            "",
            "Context.",
            "",
            "## Decision Outcome",
            "",
            "Description.",
            "",
            "### Consequences",
            "",
            "Outcome.",
            "",
        ]
    )


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def fresh_database(
    backend: str, db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Database]:
    """A second migrated database on the same backend (the import target of round trips)."""
    templates: dict[str, str] = request.getfixturevalue("migrated_templates")
    if backend == "sqlite":
        path = tmp_path / "fresh.db"
        shutil.copyfile(templates["sqlite"], path)
        database = Database(sqlite_url(path))
        yield database
        database.dispose()
        return
    server = request.getfixturevalue("pg_server")
    name = server.create(template=templates["postgresql"])
    database = Database(make_url(db_url).set(database=name).render_as_string(hide_password=False))
    yield database
    database.dispose()
    server.drop(name)


# -- front matter -------------------------------------------------------------------------

_CONTROL: list[Any] = ["Cc"]
_SCALARS = st.text(st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True),
            st.one_of(_SCALARS, st.lists(_SCALARS.filter(str.strip), max_size=5)),
        ),
        max_size=6,
        unique_by=lambda pair: pair[0],
    )
)
def test_front_matter_round_trips_any_strings_and_lists(
    pairs: list[tuple[str, str | list[str]]],
) -> None:
    text = frontmatter.dump(pairs)
    values, body, _ = frontmatter.split(text + "# Title\n")
    assert body == "# Title\n"
    assert values == dict(pairs)


def test_front_matter_reads_block_lists_quotes_and_comments() -> None:
    values = frontmatter.parse(
        [
            "# a comment",
            "status: accepted  # trailing comment",
            "deciders:",
            "  - Ada Admin",
            "  - 'Max O''Member'",
            "tags: [a, \"b, c\", 'd']",
            "empty:",
            'quoted: "x: y # not a comment"',
        ]
    )
    assert values == {
        "status": "accepted",
        "deciders": ["Ada Admin", "Max O'Member"],
        "tags": ["a", "b, c", "d"],
        "empty": None,
        "quoted": "x: y # not a comment",
    }


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["a: 1", "a: 2"], "line 2: 'a' is given twice"),
        (["a:", "  b: c"], "line 2: indented lines"),
        (['a: "open'], "line 1: a double-quoted value is not closed"),
        (["a: [x, y"], "line 1: a '[' list is not closed"),
        (["a: {x: 1}"], "line 1: a value starting with '{' must be quoted"),
        (["just text"], "line 1: expected 'key: value'"),
    ],
)
def test_front_matter_outside_the_subset_is_an_error_with_its_line(
    lines: list[str], message: str
) -> None:
    with pytest.raises(frontmatter.FrontMatterError) as caught:
        frontmatter.parse(lines)
    assert message in str(caught.value)


def test_unclosed_front_matter_is_an_error() -> None:
    with pytest.raises(ValidationError, match="no closing '---'"):
        markdown.parse("---\nstatus: accepted\n# Title\n")


# -- Markdown -----------------------------------------------------------------------------

_LINE = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=30),
    st.sampled_from(
        [
            "",
            "## Decision",
            "### Consequences",
            "## Context and Problem Statement",
            "## Decision Drivers",
            "### Positive Consequences",
            "## More Information",
            "## Status",
            "\\## Decision",
            "\\\\### Consequences",
            "##  Decision ",
            "# Not a title",
            "Title",
            "=====",
            "---",
            "```",
            "* Status: rejected",
            "Date: 2020-01-01",
            "- item",
        ]
    ),
)


def _blocks_text() -> st.SearchStrategy[str]:
    """Markdown-ish texts that start and end with a non-blank line (as texts we store do)."""
    return (
        st.lists(_LINE, min_size=1, max_size=12)
        .map("\n".join)
        .filter(lambda t: bool(t.split("\n")[0].strip()) and bool(t.split("\n")[-1].strip()))
    )


_TITLES = st.one_of(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=60).filter(str.strip),
    st.sampled_from(["1. Starts with a number", "Use C#", "Issue #", "  spaced  ", "a\nb"]),
)
_NAMES = st.text(
    st.characters(codec="utf-8", exclude_categories=_CONTROL), min_size=1, max_size=20
).filter(lambda t: t.strip() == t and bool(t))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    title=_TITLES,
    description=_blocks_text(),
    context=_blocks_text(),
    outcome=_blocks_text(),
    status=st.sampled_from(list(DecisionStatus)),
    deciders=st.lists(_NAMES, max_size=4),
    tags=st.lists(_NAMES, max_size=4),
    review_by=st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31))),
    successor=st.one_of(st.none(), st.integers(1, 99_999)),
)
def test_madr_file_round_trips_every_field(
    title: str,
    description: str,
    context: str,
    outcome: str,
    status: DecisionStatus,
    deciders: list[str],
    tags: list[str],
    review_by: dt.date | None,
    successor: int | None,
) -> None:
    record = DecisionRecord(
        title=title,
        description=description,
        context=context,
        outcome=outcome,
        decision_date=DAY,
        status=status,
        deciders=tuple(deciders),
        tags=tuple(tags),
        review_by=review_by,
        superseded_by=None
        if successor is None
        else LinkRef(markdown.file_name(successor, "next"), successor, ""),
        deleted_at=dt.datetime(2024, 2, 1, 12, 30, 5, 123456) if status == "rejected" else None,
    )
    successor_file = record.superseded_by.file if record.superseded_by else None
    parsed = markdown.parse(markdown.render(record, successor_file))
    assert replace(parsed, superseded_by=None) == replace(record, superseded_by=None)
    assert (parsed.superseded_by.file if parsed.superseded_by else None) == successor_file
    assert (parsed.superseded_by.number if parsed.superseded_by else None) == successor


def test_written_madr_file_reads_as_madr() -> None:
    record = DecisionRecord(
        title="Adopt PostgreSQL",
        description="We move.",
        context="The team grew.\n\n## Decision Drivers\n\n* one server",
        outcome="Migrate in Q3.\n## Status\nnot a section",
        decision_date=DAY,
        status=DecisionStatus.SUPERSEDED,
        deciders=("ada@example.com", "max@example.com"),
        tags=("database", "a, b"),
        review_by=dt.date(2025, 1, 15),
    )
    text = markdown.render(record, "0042-move-to-managed-postgresql.md")
    assert text.startswith(
        "---\nstatus: superseded\ndate: 2024-01-15\n"
        "deciders: [ada@example.com, max@example.com]\n"
        'tags: [database, "a, b"]\nreview-by: 2025-01-15\n'
        "superseded-by: 0042-move-to-managed-postgresql.md\n---\n\n# Adopt PostgreSQL\n\n"
        "## Context and Problem Statement\n\nThe team grew.\n\n## Decision Drivers\n\n"
    )
    # MADR's own sub-heading stays a heading; a line that would end the section is escaped.
    assert "Migrate in Q3.\n\\## Status\nnot a section\n" in text
    assert "\n## Decision Outcome\n\nWe move.\n\n### Consequences\n\n" in text


def test_adr_tools_file_is_read() -> None:
    text = (
        "# 2. Use PostgreSQL for everything\n\nDate: 2024-01-15\n\n## Status\n\nAccepted\n\n"
        "Supersedes [1. Use SQLite](0001-use-sqlite.md)\n\n"
        "Superseded by [3. Use both](0003-use-both.md)\n\n"
        "Amends [4. Backups](0004-backups.md)\n\n"
        "## Context\n\nWhy.\n\n## Decision\n\nWhat.\n\n## Consequences\n\nAfter.\n"
    )
    record = markdown.parse(text)
    assert (record.title, record.context, record.description, record.outcome) == (
        "Use PostgreSQL for everything",
        "Why.",
        "What.",
        "After.",
    )
    assert record.decision_date == DAY
    assert record.status is DecisionStatus.SUPERSEDED
    assert record.superseded_by == LinkRef("0003-use-both.md", 3, "3. Use both")
    assert record.notes == ("status line not stored: Amends [4. Backups](0004-backups.md)",)


def test_madr_2_and_madr_3_sections_go_to_their_fields() -> None:
    madr2 = (
        "# Use MADR\n\n* Status: superseded by [ADR-0005](0005-use-madr-4.md)\n"
        "* Deciders: Ada Admin, Max <max.member@example.com>\n* Date: 2017-12-01\n\n"
        "Technical Story: #42\n\n## Context and Problem Statement\n\nWe want records.\n\n"
        "## Decision Drivers\n\n* simple\n\n## Considered Options\n\n* MADR\n* Nygard\n\n"
        "## Decision Outcome\n\nChosen option: MADR.\n\n### Positive Consequences\n\n* good\n\n"
        "### Negative Consequences\n\n* bad\n\n## Links\n\n* elsewhere\n"
    )
    record = markdown.parse(madr2)
    assert record.status is DecisionStatus.SUPERSEDED
    assert record.superseded_by == LinkRef("0005-use-madr-4.md", 5, "ADR-0005")
    assert record.deciders == ("Ada Admin", "Max <max.member@example.com>")
    assert record.decision_date == dt.date(2017, 12, 1)
    assert record.context == (
        "Technical Story: #42\n\nWe want records.\n\n## Decision Drivers\n\n* simple\n\n"
        "## Considered Options\n\n* MADR\n* Nygard"
    )
    assert record.description == "Chosen option: MADR."
    assert record.outcome == (
        "### Positive Consequences\n\n* good\n\n### Negative Consequences\n\n* bad\n\n"
        "## Links\n\n* elsewhere"
    )
    madr4 = (
        '---\nstatus: "proposed"\ndate: 2024-03-01\ndecision-makers: [Ada Admin]\n'
        "consulted: [Max]\n---\n\n# Use MADR 4\n\n## Context and Problem Statement\n\nC.\n\n"
        "## Decision Outcome\n\nD.\n\n### Consequences\n\n* Good, because E.\n\n"
        "### Confirmation\n\nF.\n"
    )
    record = markdown.parse(madr4)
    assert record.status is DecisionStatus.PROPOSED
    assert record.deciders == ("Ada Admin",)
    assert record.outcome == "* Good, because E.\n\n### Confirmation\n\nF."
    assert record.notes == ("front matter keys not stored: consulted",)


@pytest.mark.parametrize(
    ("text", "status", "target"),
    [
        ("Accepted", DecisionStatus.ACCEPTED, None),
        ("**Proposed**", DecisionStatus.PROPOSED, None),
        ("draft", DecisionStatus.PROPOSED, None),
        ("Accepted on 2024-01-01", DecisionStatus.ACCEPTED, None),
        ("Rejected", DecisionStatus.REJECTED, None),
        ("Deprecated", DecisionStatus.DEPRECATED, None),
        ("superseded", DecisionStatus.SUPERSEDED, None),
        ("Superseded by ADR-0007", DecisionStatus.SUPERSEDED, 7),
        ("Superseded by [7. X](0007-x.md)", DecisionStatus.SUPERSEDED, 7),
    ],
)
def test_statuses_map_onto_ours(text: str, status: DecisionStatus, target: int | None) -> None:
    parsed, link = markdown.parse_status(text)
    assert parsed is status
    assert (link.number if link else None) == target


def test_unknown_status_names_the_field_and_the_rule() -> None:
    with pytest.raises(ValidationError) as caught:
        markdown.parse_status("{proposed | rejected}")
    assert caught.value.field == "status"
    assert "is not a status we know" in caught.value.message


def test_file_names_are_adr_tools_style() -> None:
    assert markdown.file_name(7, "Use Ünïcode & C# — really!") == "0007-use-unicode-c-really.md"
    assert markdown.file_name(123456, "日本") == "123456-decision.md"
    assert len(markdown.file_name(1, "word " * 40)) <= len("0001-") + markdown.SLUG_MAX + 3


# -- CSV export ---------------------------------------------------------------------------


def _csv_rows(text: str) -> list[dict[str, str]]:
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_export_writes_the_filtered_list(
    database: Database, admin: Actor, member: Actor, tmp_path: Path
) -> None:
    first = _record(
        database,
        admin,
        title='=HYPERLINK("http://evil")',
        description='- a list, "quoted"\nsecond line',
        tags=["ops", "db"],
        participant_ids=[admin.user_id, member.user_id],
        review_by=dt.date(2024, 6, 1),
    )
    _record(database, member, title="Member's proposal", status="proposed", tags=["ops"])
    _record(database, admin, title="Older", decision_date=dt.date(2023, 5, 1), tags=["db"])
    gone = _record(database, admin, title="Deleted one")
    DecisionService(database, admin).delete(gone)

    exporter = DecisionExporter(database, admin)
    out = tmp_path / "decisions.csv"
    report = exporter.export_csv(out)
    assert report.decisions == 3
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = _csv_rows(text)
    # The default list order: newest decision date first, ties by newest id.
    assert [row["title"] for row in rows] == [
        "Member's proposal",
        '\'=HYPERLINK("http://evil")',
        "Older",
    ]
    row = rows[1]
    assert row["id"] == str(first)
    assert row["description"] == '\'- a list, "quoted"\nsecond line'
    assert row["tags"] == "ops; db"
    assert row["participants"] == "admin@example.com; max.member@example.com"
    assert row["created_by"] == "admin@example.com"
    assert (row["decision_date"], row["review_by"], row["status"]) == (
        "2024-01-15",
        "2024-06-01",
        "accepted",
    )
    assert row["created_at"].endswith("Z") and row["deleted_at"] == ""

    def titles(filters: DecisionFilter, **options: Any) -> list[str]:
        stream = io.StringIO(newline="")
        exporter.export_csv(stream, filters, **options)
        return [row["title"] for row in _csv_rows(stream.getvalue())]

    assert titles(DecisionFilter(tag="db")) == ['\'=HYPERLINK("http://evil")', "Older"]
    assert titles(DecisionFilter(statuses=("proposed",))) == ["Member's proposal"]
    assert titles(DecisionFilter(date_from=dt.date(2024, 1, 1), date_to=DAY)) == [
        "Member's proposal",
        '\'=HYPERLINK("http://evil")',
    ]
    assert titles(DecisionFilter(participant_id=member.user_id)) == [
        "Member's proposal",
        '\'=HYPERLINK("http://evil")',
    ]
    assert titles(DecisionFilter(text="proposal")) == ["Member's proposal"]
    assert titles(DecisionFilter(), sort=Sort("title", descending=False)) == [
        '\'=HYPERLINK("http://evil")',
        "Member's proposal",
        "Older",
    ]
    assert titles(DecisionFilter(), include_deleted=True)[-1] == "Deleted one"
    with pytest.raises(PermissionDenied):
        DecisionExporter(database, member).export_csv(io.StringIO(), include_deleted=True)


def test_csv_export_runs_no_query_per_decision(
    database: Database, admin: Actor, member: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    def export_statements() -> int:
        statements.clear()
        event.listen(database.engine, "before_cursor_execute", count)
        try:
            DecisionExporter(database, admin).export_csv(io.StringIO(newline=""))
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
        return len(statements)

    for n in range(3):
        _record(database, admin, title=f"Decision {n}", participant_ids=[member.user_id])
    few = export_statements()
    for n in range(3, 40):
        _record(database, admin, title=f"Decision {n}", participant_ids=[member.user_id])
    assert export_statements() == few  # one statement either way: the count does not grow
    # Batches of 10 come from the same streaming statement: still no extra query.
    monkeypatch.setattr(export_module, "PAGE_ROWS", 10)
    assert export_statements() == few


def test_failed_csv_export_leaves_the_previous_file(
    database: Database, admin: Actor, tmp_path: Path
) -> None:
    _record(database, admin)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "decisions.csv"
    out.write_text("previous\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown sort key"):
        DecisionExporter(database, admin).export_csv(out, sort=Sort("nope"))
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in out.parent.iterdir()] == ["decisions.csv"]


# -- MADR export --------------------------------------------------------------------------


def test_madr_export_writes_one_file_per_decision_and_an_index(
    database: Database, admin: Actor, tmp_path: Path
) -> None:
    old = _record(database, admin, title="Use SQLite | everywhere")
    new = DecisionService(database, admin).supersede(
        old,
        title="Use PostgreSQL",
        description="D",
        context="C",
        outcome="O",
        decision_date=dt.date(2024, 2, 1),
        status="accepted",
    )
    folder = tmp_path / "adr"
    report = DecisionExporter(database, admin).export_madr(folder)
    assert (report.decisions, report.files) == (2, 3)
    old_name = f"{old:04d}-use-sqlite-everywhere.md"
    new_name = f"{new.decision.id:04d}-use-postgresql.md"
    assert sorted(p.name for p in folder.iterdir()) == sorted([old_name, new_name, "README.md"])
    assert f"superseded-by: {new_name}\n" in (folder / old_name).read_text(encoding="utf-8")
    index = (folder / "README.md").read_text(encoding="utf-8")
    assert (
        f"| {old:04d} | [Use SQLite \\| everywhere]({old_name}) | superseded "
        f"(superseded by [{new.decision.id:04d}]({new_name})) | 2024-01-15 |"
    ) in index
    assert (
        f"| {new.decision.id:04d} | [Use PostgreSQL]({new_name}) | accepted | 2024-02-01 |" in index
    )

    # Only the newer one: its predecessor's file is not there, and the report says where
    # a link leaves the export.
    report = DecisionExporter(database, admin).export_madr(
        tmp_path / "only-old", DecisionFilter(date_to=DAY)
    )
    assert report.decisions == 1 and report.notes and "not in this export" in report.notes[0]

    with pytest.raises(ValidationError, match="not an empty folder"):
        DecisionExporter(database, admin).export_madr(folder)


# -- import -------------------------------------------------------------------------------


def _source_data(database: Database, admin: Actor, member: Actor) -> None:
    """Decisions exercising every field: statuses, links, review dates, deletion, Markdown."""
    service = DecisionService(database, admin)
    both = [admin.user_id, member.user_id]
    first = _record(
        database,
        admin,
        title="Adopt PostgreSQL",
        tags=["database", "ops, infra"],
        participant_ids=both,
        review_by=dt.date(2025, 1, 15),
        context="The team grew.\n\n## Decision Drivers\n\n* one server\n\n## Decision\nnot ours",
        description="=We move.\n\n```sql\n## Consequences\nSELECT 1;\n```",
        outcome="- Migrate in Q3\n\\## Status\n  indented",
    )
    service.supersede(
        first,
        title="Move to managed PostgreSQL",
        description="Use the provider's service.",
        context="Operations cost too much.",
        outcome="Less on-call.",
        decision_date=dt.date(2024, 6, 1),
        participant_ids=[member.user_id],
        status="accepted",
    )
    flags = _record(database, member, title="Use feature flags", status="proposed", tags=[])
    DecisionService(database, member).supersede(
        flags,
        title='Use "LaunchDarkly" [maybe] #1',
        description="A vendor.",
        context="Flags everywhere.",
        outcome="A bill.",
        decision_date=dt.date(2024, 3, 1),
    )
    _record(database, admin, title="Rewrite in Rust", status="rejected", participant_ids=[])
    _record(
        database,
        admin,
        title="  Keep the old API\nfor now ",
        status="deprecated",
        decision_date=dt.date(2020, 2, 29),
    )
    gone = _record(database, admin, title="A decision later deleted", tags=["tmp"])
    service.delete(gone)


def _snapshot(database: Database) -> dict[str, dict[str, object]]:
    """Every decision by title, with people as emails and links as titles."""
    with database.read() as session:
        emails = {row[0]: row[1] for row in session.execute(select(User.id, User.email))}
        titles = {row[0]: row[1] for row in session.execute(select(Decision.id, Decision.title))}
    service = DecisionService(database, Actor(0, Role.ADMIN))
    result: dict[str, dict[str, object]] = {}
    for decision_id in titles:
        detail = service.get(decision_id)
        d = detail.decision
        result[d.title] = {
            "description": d.description,
            "context": d.context,
            "outcome": d.outcome,
            "decision_date": d.decision_date,
            "tags": d.tags,
            "participants": sorted(emails[u] for u in detail.participant_ids),
            "status": d.status,
            "review_by": d.review_by,
            "superseded_by": None if d.superseded_by_id is None else titles[d.superseded_by_id],
            "deleted": d.deleted_at is not None,
        }
    return result


def test_madr_export_then_import_round_trips_every_field(
    database: Database,
    admin: Actor,
    member: Actor,
    fresh_database: Database,
    tmp_path: Path,
) -> None:
    _source_data(database, admin, member)
    folder = tmp_path / "adr"
    DecisionExporter(database, admin).export_madr(folder, include_deleted=True)

    importer_actor = _add_admin(fresh_database)
    UserService(fresh_database, importer_actor).create(
        email="max.member@example.com", full_name="Max Member", password="member password 1"
    )
    actor, who = importing_actor(fresh_database, None)
    assert actor.user_id == importer_actor.user_id and who == "Ada Admin <admin@example.com>"
    importer = DecisionImporter(fresh_database, actor)
    plan = importer.plan(folder)
    assert not plan.has_problems, render_plan(plan)
    assert len(plan.with_action(FileAction.IMPORT)) == 7
    assert len(plan.links) == 2
    report = importer.apply(plan)
    assert not report.has_problems, render_report(report)

    assert _snapshot(fresh_database) == _snapshot(database)
    # Every imported decision was recorded by the service: created by the importer, with a
    # history whose replay is the decision as it stands.
    service = DecisionService(fresh_database, actor)
    for decision_id in report.imported_ids:
        history = service.history(decision_id)
        assert [e.change_type for e in history].count("created") == 1
        assert {e.changed_by_id for e in history} == {actor.user_id}
        detail = service.get(decision_id)
        assert detail.decision.created_by_id == actor.user_id
        assert replay(list(reversed(history))) == state_of(detail)


def test_reimport_reports_already_present_and_adds_nothing(
    database: Database, admin: Actor, member: Actor, tmp_path: Path
) -> None:
    _source_data(database, admin, member)
    folder = tmp_path / "adr"
    DecisionExporter(database, admin).export_madr(folder, include_deleted=True)
    decisions, audit = _count(database, Decision), _count(database, DecisionAuditEntry)
    importer = DecisionImporter(database, admin)
    plan = importer.plan(folder)
    assert len(plan.with_action(FileAction.PRESENT)) == decisions
    assert plan.links == [] and not plan.has_problems
    report = importer.apply(plan)
    assert report.imported_ids == [] and not report.has_problems
    assert (_count(database, Decision), _count(database, DecisionAuditEntry)) == (decisions, audit)
    assert "already present as decision #" in render_report(report)


def test_files_sharing_a_title_and_date_pair_up_with_decisions_one_for_one(
    database: Database, admin: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "adr"
    for number in (1, 2, 3):
        _write(folder, f"000{number}-weekly-sync.md", _madr("Weekly sync", date="2024-01-15"))
    _record(database, admin, title="Weekly sync")  # one of them is already in
    importer = DecisionImporter(database, admin)
    plan = importer.plan(folder)
    assert [f.action for f in plan.files] == [
        FileAction.PRESENT,
        FileAction.IMPORT,
        FileAction.IMPORT,
    ]
    assert len(importer.apply(plan).imported_ids) == 2
    again = importer.plan(folder)
    assert [f.action for f in again.files] == [FileAction.PRESENT] * 3
    assert len({f.existing_id for f in again.files}) == 3
    assert _count(database, Decision) == 3


def test_bad_files_are_skipped_with_reasons_and_the_rest_imported(
    database: Database, admin: Actor, member: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "adr"
    _write(
        folder,
        "0001-good.md",
        _madr(
            "Good one",
            date="2024-01-15",
            deciders="[max.member@example.com, Nobody Known, carol@example.com]",
        ),
    )
    _write(folder, "0002-long-title.md", _madr("T" * 201, date="2024-01-15"))
    _write(folder, "0003-no-date.md", _madr("No date"))
    _write(folder, "0004-bad-status.md", _madr("Bad status", date="2024-01-15", status="maybe"))
    _write(folder, "0005-bad-front-matter.md", _madr("Bad", date="2024-01-15", tags="{a: 1}"))
    _write(
        folder,
        "0006-no-consequences.md",
        "# Six\n\nDate: 2024-01-15\n\n## Context\n\nC\n\n## Decision\n\nD\n",
    )
    (folder / "0007-latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    _write(
        folder,
        "0008-huge-text.md",
        _madr("Huge", date="2024-01-15").replace("Outcome.", "x" * 5001),
    )
    _write(folder, "README.md", "# Index\n")
    _write(folder, "notes.txt", "not Markdown")
    users = _count(database, User)

    plan = DecisionImporter(database, admin).plan(folder)
    reasons = {f.name: (f.action, f.reason) for f in plan.files}
    assert reasons == {
        "0001-good.md": (FileAction.IMPORT, None),
        "0002-long-title.md": (
            FileAction.SKIP,
            "title: must be at most 200 characters (it has 201)",
        ),
        "0003-no-date.md": (
            FileAction.SKIP,
            "decision_date: is required (the file has no 'date:' in its front matter or "
            "'Date:' line)",
        ),
        "0004-bad-status.md": (
            FileAction.SKIP,
            "status: 'maybe' is not a status we know (use proposed, accepted, rejected, "
            "deprecated, superseded)",
        ),
        "0005-bad-front-matter.md": (
            FileAction.SKIP,
            "front matter: line 3: a value starting with '{' must be quoted",
        ),
        "0006-no-consequences.md": (
            FileAction.SKIP,
            "outcome: is required (the file has no Consequences section text)",
        ),
        "0007-latin1.md": (FileAction.SKIP, "file: is not UTF-8 text"),
        "0008-huge-text.md": (
            FileAction.SKIP,
            "outcome: must be at most 5,000 characters (it has 5,001)",
        ),
        "README.md": (FileAction.IGNORED, "not a decision file (its name is not NNNN-title.md)"),
    }
    assert plan.unknown_participants == ["carol@example.com", "Nobody Known"]
    assert plan.has_problems
    report = DecisionImporter(database, admin).apply(plan)
    assert len(report.imported_ids) == 1 and report.has_problems
    detail = DecisionService(database, admin).get(report.imported_ids[0])
    assert detail.participant_ids == (member.user_id,)
    assert _count(database, User) == users  # nobody invented
    text = render_report(report)
    assert "participants left out (unknown): Nobody Known, carol@example.com" in text
    assert "Unknown participants (left out, not created): carol@example.com, Nobody Known" in text
    assert "skipped 7 files with problems" in text and "ignored 1 other Markdown file" in text


def test_adr_tools_folder_with_links_chain_and_cycle(
    database: Database, admin: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "doc" / "adr"
    _write(folder, "0001-record-decisions.md", _adr(1, "Record decisions", "Accepted"))
    _write(
        folder,
        "0002-use-sqlite.md",
        _adr(2, "Use SQLite", "Superseded by [3. Use PostgreSQL](0003-use-postgresql.md)"),
    )
    _write(
        folder,
        "0003-use-postgresql.md",
        _adr(3, "Use PostgreSQL", "Accepted\n\nSupersedes [2. Use SQLite](0002-use-sqlite.md)"),
    )
    _write(folder, "0004-ping.md", _adr(4, "Ping", "Superseded by [5. Pong](0005-pong.md)"))
    _write(folder, "0005-pong.md", _adr(5, "Pong", "Superseded by [4. Ping](0004-ping.md)"))
    _write(folder, "0006-orphan.md", _adr(6, "Orphan", "Superseded by [9. Gone](0009-gone.md)"))

    importer = DecisionImporter(database, admin)
    plan = importer.plan(folder)
    problems = {f.name: f.link.problem for f in plan.files if f.link is not None}
    assert problems == {
        "0002-use-sqlite.md": None,
        "0004-ping.md": None,
        "0005-pong.md": "that link would make a cycle",
        "0006-orphan.md": "0009-gone.md is not in the folder",
    }
    preview = render_plan(plan)
    assert "superseded by 0004-ping.md: link not made (that link would make a cycle)" in preview
    report = importer.apply(plan)
    assert [(link.source, link.made) for link in report.links] == [
        ("0002-use-sqlite.md", True),
        ("0004-ping.md", True),
        ("0005-pong.md", False),
        ("0006-orphan.md", False),
    ]
    state = _snapshot(database)
    assert state["Use SQLite"]["status"] == "superseded"
    assert state["Use SQLite"]["superseded_by"] == "Use PostgreSQL"
    assert state["Use PostgreSQL"]["status"] == "accepted"
    assert state["Ping"]["superseded_by"] == "Pong"
    # No successor could be linked: no longer in force, but not claiming a successor.
    assert state["Pong"]["status"] == state["Orphan"]["status"] == "deprecated"
    assert state["Record decisions"]["context"] == "Why Record decisions."


def test_the_service_is_the_last_word_when_the_database_changed_after_the_preview(
    database: Database, admin: Actor, member: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "adr"
    _write(
        folder, "0001-one.md", _madr("One", date="2024-01-15", deciders="[max.member@example.com]")
    )
    _write(folder, "0002-two.md", _madr("Two", date="2024-01-15"))
    _write(folder, "0003-three.md", _madr("Three", date="2024-01-15"))
    importer = DecisionImporter(database, admin)
    plan = importer.plan(folder)
    assert not plan.has_problems
    UserService(database, admin).set_active(member.user_id, False)
    _record(database, admin, title="Three")
    report = importer.apply(plan)
    outcome = {f.name: (f.action, f.reason) for f in report.files}
    assert outcome["0001-one.md"] == (FileAction.SKIP, "participant_ids: Max Member is deactivated")
    assert outcome["0002-two.md"][0] is FileAction.IMPORT
    assert outcome["0003-three.md"][0] is FileAction.PRESENT
    assert _snapshot(database).keys() == {"Two", "Three"}


def test_dry_run_plan_writes_nothing_and_cancel_stops_between_files(
    database: Database, admin: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "adr"
    for number in range(1, 5):
        _write(folder, f"000{number}-d{number}.md", _adr(number, f"D{number}", "Accepted"))
    _write(folder, "0005-d5.md", _adr(5, "D5", "Superseded by [1. D1](0001-d1.md)"))
    importer = DecisionImporter(database, admin)
    plan = importer.plan(folder)
    assert (_count(database, Decision), _count(database, DecisionAuditEntry)) == (0, 0)
    calls: list[int] = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    report = importer.apply(plan, should_stop=stop)
    assert report.cancelled and report.has_problems
    assert len(report.imported_ids) == 2
    assert "Cancelled" in render_report(report)
    again = importer.apply(importer.plan(folder))
    assert len(again.imported_ids) == 3
    assert [link.made for link in again.links] == [True]


def test_importing_actor_must_be_an_active_account(
    database: Database, admin: Actor, member: Actor
) -> None:
    actor, who = importing_actor(database, "MAX.member@example.com")
    assert actor == Actor(member.user_id, Role.MEMBER) and who.endswith("<max.member@example.com>")
    with pytest.raises(ValidationError, match=r"no account has the email nobody@example\.com"):
        importing_actor(database, "nobody@example.com")
    UserService(database, admin).set_active(member.user_id, False)
    with pytest.raises(ValidationError, match="is deactivated"):
        importing_actor(database, "max.member@example.com")


def test_no_admin_to_import_as(database: Database) -> None:
    with pytest.raises(AsyncOpsError, match="no active admin"):
        importing_actor(database, None)


# -- command line -------------------------------------------------------------------------


def test_cli_export_and_import(
    database: Database,
    admin: Actor,
    member: Actor,
    fresh_database: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _source_data(database, admin, member)
    url = database.url
    code, output = run_cli(
        "decisions", "export", "--format", "csv", "--out", str(tmp_path / "all.csv"), "--db", url
    )
    assert code == 0 and "Exported 6 decisions as CSV" in output
    code, output = run_cli(
        "--db",
        url,
        "decisions",
        "export",
        "--format",
        "csv",
        "--out",
        "-",
        "--status",
        "accepted,proposed",
        "--participant",
        "MAX.member@example.com",
        "--from",
        "2024-01-01",
        "--search",
        "managed",
    )
    assert code == 0
    assert [r["title"] for r in _csv_rows(output)] == ["Move to managed PostgreSQL"]
    assert "Exported 1 decision(s) as CSV to standard output." in capsys.readouterr().err
    code, output = run_cli(
        "decisions",
        "export",
        "--format",
        "csv",
        "--out",
        "-",
        "--tag",
        "tmp",
        "--include-deleted",
        "--db",
        url,
    )
    assert [r["title"] for r in _csv_rows(output)] == ["A decision later deleted"]
    code, output = run_cli(
        "decisions",
        "export",
        "--format",
        "madr",
        "--out",
        str(tmp_path / "adr"),
        "--include-deleted",
        "--db",
        url,
    )
    assert code == 0 and "(8 files including the index README.md)" in output
    code, _ = run_cli(
        "decisions", "export", "--format", "csv", "--out", "-", "--status", "done", "--db", url
    )
    assert code == 1 and "'done' is not one of" in capsys.readouterr().err

    target = fresh_database.url
    _add_admin(fresh_database)
    code, output = run_cli(
        "decisions", "import", str(tmp_path / "adr"), "--dry-run", "--db", target
    )
    # max.member@example.com does not exist in the fresh database: reported, not a failure.
    assert code == 0, output
    assert "dry run: nothing was written" in output and "Would import 7 decisions" in output
    assert "Unknown participants (left out, not created): max.member@example.com" in output
    assert _count(fresh_database, Decision) == 0
    code, output = run_cli(
        "decisions", "import", str(tmp_path / "adr"), "--as", "nobody@example.com", "--db", target
    )
    assert code == 1 and "no account has the email" in capsys.readouterr().err
    code, output = run_cli("decisions", "import", str(tmp_path / "adr"), "--db", target)
    assert code == 0, output
    assert "Imported 7 decisions" in output and "made 2 superseded-by links" in output
    code, output = run_cli("decisions", "import", str(tmp_path / "adr"), "--db", target)
    assert code == 0 and "Imported 0 decisions" in output and "7 files already present" in output

    _write(tmp_path / "bad", "0001-bad.md", _madr("Bad"))
    code, output = run_cli(
        "decisions", "import", str(tmp_path / "bad"), "--dry-run", "--db", target
    )
    assert code == 1 and "decision_date: is required" in output
