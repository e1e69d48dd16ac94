"""Decisions: append-only audit log, soft delete, lifecycle, supersede, conflicts, "as of", search."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from asyncops_desktop.db import Database
from asyncops_desktop.dialect import HIGHLIGHT_END, HIGHLIGHT_START, parse_search
from asyncops_desktop.domain.dto import DecisionDetail
from asyncops_desktop.domain.errors import EditConflict, NotFound, PermissionDenied, ValidationError
from asyncops_desktop.domain.models import DecisionAuditEntry
from asyncops_desktop.repositories.decisions import DecisionFilter
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService, replay, state_of, word_diff

DAY = dt.date(2026, 3, 2)


def _record(database: Database, actor: Actor, **overrides: object) -> int:
    values: dict[str, object] = {
        "title": "Adopt PostgreSQL",
        "description": "Move to a shared server",
        "context": "The team grew past one laptop",
        "outcome": "Migrate in Q3",
        "decision_date": DAY,
        "participant_ids": [actor.user_id],
    }
    values.update(overrides)
    return DecisionService(database, actor).record(**values).decision.id  # type: ignore[arg-type]


def _audit_count(database: Database) -> int:
    with database.read() as session:
        return int(
            session.execute(select(func.count()).select_from(DecisionAuditEntry)).scalar_one()
        )


def test_audit_log_rejects_update_and_delete(database: Database, admin: Actor) -> None:
    decision_id = _record(database, admin)
    for statement in (
        "UPDATE decision_audit_log SET new_value = 'forged'",
        "DELETE FROM decision_audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
            conn.execute(text(statement))
    # A hard delete of a decision would cascade into its history, so it fails too.
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text("DELETE FROM decisions WHERE id = :id"), {"id": decision_id})
    assert _audit_count(database) == 1


def test_soft_delete_and_restore_keep_history(
    database: Database, admin: Actor, member: Actor
) -> None:
    decision_id = _record(database, member)
    service = DecisionService(database, member)
    with pytest.raises(PermissionDenied):
        DecisionService(database, Actor(admin.user_id + 999)).delete(decision_id)
    service.delete(decision_id)
    assert service.count() == 0
    assert service.count(DecisionFilter(deleted=True)) == 1
    with pytest.raises(NotFound):
        service.update(decision_id, title="edit a deleted one")
    with pytest.raises(PermissionDenied):
        service.restore(decision_id)
    restored = DecisionService(database, admin).restore(decision_id)
    assert restored.decision.deleted_at is None
    history = service.history(decision_id)
    assert [(h.change_type, h.field_name) for h in history] == [
        ("updated", "deleted_at"),
        ("deleted", "deleted_at"),
        ("created", None),
    ]
    assert history[0].new_value is None and history[0].old_value == history[1].new_value
    assert replay(list(reversed(history))) == state_of(restored)


def test_status_and_review_by(database: Database, admin: Actor) -> None:
    decision_id = _record(database, admin, status="proposed", review_by=DAY + dt.timedelta(days=30))
    service = DecisionService(database, admin)
    assert service.get(decision_id).decision.status == "proposed"
    with pytest.raises(ValidationError) as error:
        service.update(decision_id, status="superseded")
    assert error.value.field == "status"
    with pytest.raises(ValidationError) as error:
        service.update(decision_id, status="maybe")
    assert error.value.field == "status"
    due = DecisionFilter(due_for_review_on=DAY + dt.timedelta(days=30))
    assert service.count(due) == 1
    assert service.count(DecisionFilter(due_for_review_on=DAY)) == 0
    service.update(decision_id, status="rejected")
    assert service.count(due) == 0
    service.update(decision_id, review_by=None)
    fields = [h.field_name for h in service.history(decision_id) if h.change_type == "updated"]
    assert fields == ["review_by", "status"]


def test_supersede_links_both_sides_in_one_transaction(database: Database, admin: Actor) -> None:
    old_id = _record(database, admin, title="Use MySQL")
    service = DecisionService(database, admin)
    new = service.supersede(
        old_id, title="Use PostgreSQL", description="d", context="c", outcome="o", decision_date=DAY
    )
    old = service.get(old_id).decision
    assert new.decision.status == "proposed"
    assert (old.superseded_by_id, old.status) == (new.decision.id, "accepted")
    service.update(new.decision.id, status="accepted")
    old = service.get(old_id).decision
    assert old.status == "superseded"
    old_fields = [h.field_name for h in service.history(old_id) if h.change_type == "updated"]
    assert old_fields == ["status", "superseded_by_id"]
    with pytest.raises(ValidationError):
        service.supersede(
            old_id, title="again", description="d", context="c", outcome="o", decision_date=DAY
        )


def test_supersede_links_reject_self_and_cycles(database: Database, admin: Actor) -> None:
    a = _record(database, admin, title="A")
    b = _record(database, admin, title="B")
    c = _record(database, admin, title="C")
    service = DecisionService(database, admin)
    with pytest.raises(ValidationError, match="itself"):
        service.update(a, superseded_by_id=a)
    service.update(a, superseded_by_id=b)
    service.update(b, superseded_by_id=c)
    with pytest.raises(ValidationError, match="cycle") as error:
        service.update(c, superseded_by_id=a)
    assert error.value.field == "superseded_by_id"
    with pytest.raises(ValidationError, match="does not exist"):
        service.update(c, superseded_by_id=424242)


def test_concurrent_edit_conflict_then_resolution(
    database: Database, admin: Actor, member: Actor
) -> None:
    decision_id = _record(database, admin, participant_ids=[admin.user_id, member.user_id])
    start = DecisionService(database, admin).get(decision_id)
    # Someone else saves first.
    DecisionService(database, member).update(
        decision_id, outcome="Migrate in Q4", expected_version=start.decision.version
    )
    audit_before = _audit_count(database)
    with pytest.raises(EditConflict) as conflict:
        DecisionService(database, admin).update(
            decision_id,
            outcome="Migrate in Q2",
            title="Adopt PostgreSQL 16",
            expected_version=start.decision.version,
        )
    current = conflict.value.current
    assert isinstance(current, DecisionDetail)
    assert current.decision.outcome == "Migrate in Q4"
    assert _audit_count(database) == audit_before
    # The admin keeps the other person's outcome and their own title, saved on the new version.
    resolved = DecisionService(database, admin).update(
        decision_id,
        title="Adopt PostgreSQL 16",
        outcome=current.decision.outcome,
        expected_version=current.decision.version,
    )
    assert (resolved.decision.title, resolved.decision.outcome) == (
        "Adopt PostgreSQL 16",
        "Migrate in Q4",
    )
    assert resolved.decision.version == start.decision.version + 2
    history = DecisionService(database, admin).history(decision_id)
    assert [(h.field_name, h.changed_by_id) for h in history if h.change_type == "updated"] == [
        ("title", admin.user_id),
        ("outcome", member.user_id),
    ]


def test_no_op_save_writes_nothing_and_keeps_the_version(database: Database, admin: Actor) -> None:
    decision_id = _record(database, admin)
    service = DecisionService(database, admin)
    before = service.get(decision_id)
    after = service.update(
        decision_id,
        title=before.decision.title,
        participant_ids=list(before.participant_ids),
        status=before.decision.status,
        review_by=None,
        expected_version=before.decision.version,
    )
    assert after.decision.version == before.decision.version
    assert len(service.history(decision_id)) == 1


def test_failure_after_the_change_leaves_neither_change_nor_audit(
    database: Database, admin: Actor
) -> None:
    decision_id = _record(database, admin)
    service = DecisionService(database, admin)
    before = _audit_count(database)
    # The title is applied in the transaction before the unknown participant is found.
    with pytest.raises(ValidationError):
        service.update(decision_id, title="Changed", participant_ids=[admin.user_id, 98765])
    assert service.get(decision_id).decision.title == "Adopt PostgreSQL"
    assert _audit_count(database) == before


edits = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "title": st.sampled_from(
                ["Adopt PostgreSQL", "Adopt SQLite", "Keep both", "Decide later"]
            ),
            "outcome": st.text(alphabet="abc xyz", min_size=1, max_size=12).filter(str.strip),
            "tags": st.lists(
                st.sampled_from(["infra", "db", "ops", "cost"]), max_size=3, unique=True
            ),
            "status": st.sampled_from(["proposed", "accepted", "rejected", "deprecated"]),
            "review_by": st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2027, 1, 1))),
            "decision_date": st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
            "participants": st.lists(st.booleans(), min_size=2, max_size=2),
        },
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=edits)
def test_state_as_of_each_moment_equals_the_real_past_state(
    database: Database, admin: Actor, member: Actor, sequence: list[dict[str, object]]
) -> None:
    service = DecisionService(database, admin)
    decision_id = _record(database, admin)
    snapshots = [(service.history(decision_id)[0].changed_at, state_of(service.get(decision_id)))]
    for edit in sequence:
        changes = dict(edit)
        flags = changes.pop("participants", None)
        if isinstance(flags, list):
            changes["participant_ids"] = [
                u for u, keep in zip((admin.user_id, member.user_id), flags, strict=True) if keep
            ]
        service.update(decision_id, **changes)  # type: ignore[arg-type]
        snapshots.append(
            (service.history(decision_id)[0].changed_at, state_of(service.get(decision_id)))
        )
    for moment, expected in snapshots:
        assert service.state_at(decision_id, moment) == expected
    assert service.state_at(decision_id, snapshots[0][0] - dt.timedelta(seconds=1)) is None


def test_word_diff_marks_removed_and_added_words() -> None:
    parts = word_diff("Migrate the API in Q3", "Migrate the whole API in Q4")
    assert [(p.kind, p.text) for p in parts if p.kind != "same"] == [
        ("added", " whole"),
        ("removed", "Q3"),
        ("added", "Q4"),
    ]
    assert "".join(p.text for p in parts if p.kind != "removed") == "Migrate the whole API in Q4"
    assert "".join(p.text for p in parts if p.kind != "added") == "Migrate the API in Q3"


def test_word_diff_compares_punctuation_apart_from_words() -> None:
    parts = word_diff(
        "Standardise on PgBouncer across release notes",
        "Standardise on PgBouncer across release notes, for every team",
    )
    # The word stays the same; only the comma and the words after it are new.
    assert [(p.kind, p.text) for p in parts] == [
        ("same", "Standardise on PgBouncer across release notes"),
        ("added", ", for every team"),
    ]
    parts = word_diff("Split `reporting-etl` out.", "Split `reporting-api` out!")
    assert [(p.kind, p.text) for p in parts if p.kind != "same"] == [
        ("removed", "etl"),
        ("added", "api"),
        ("removed", "."),
        ("added", "!"),
    ]
    # A contraction is one word, not a word, a mark and a letter.
    assert [(p.kind, p.text) for p in word_diff("we don't ship", "we won't ship")] == [
        ("same", "we "),
        ("removed", "don't"),
        ("added", "won't"),
        ("same", " ship"),
    ]


def test_word_diff_of_nothing() -> None:
    assert word_diff(None, None) == []
    assert [(p.kind, p.text) for p in word_diff(None, "New, text.")] == [("added", "New, text.")]
    assert [(p.kind, p.text) for p in word_diff("Old text", "")] == [("removed", "Old text")]


_DIFF_TEXT = st.text(
    alphabet=st.sampled_from(list("abc XY,.;:!?'’`-_()\n\t\u00e9\u00df1")), max_size=40
) | st.text(max_size=30)


@settings(max_examples=300, deadline=None)
@given(old=_DIFF_TEXT, new=_DIFF_TEXT)
def test_word_diff_rebuilds_both_texts_exactly(old: str, new: str) -> None:
    parts = word_diff(old, new)
    assert "".join(p.text for p in parts if p.kind != "added") == old
    assert "".join(p.text for p in parts if p.kind != "removed") == new
    assert all(p.kind in {"same", "removed", "added"} and p.text for p in parts)
    if old == new:
        assert all(p.kind == "same" for p in parts)


def test_search_syntax_parsing() -> None:
    groups = parse_search('database "shared server" -mysql OR sqlite')
    assert [[(t.words, t.phrase, t.excluded) for t in group] for group in groups] == [
        [
            (("database",), False, False),
            (("shared", "server"), True, False),
            (("mysql",), False, True),
        ],
        [(("sqlite",), False, False)],
    ]
    assert parse_search("-only -excluded") == []
    # Quotes and operators never reach the FTS engine: only word characters survive.
    hostile = parse_search('"); DROP TABLE x; --')
    assert [[(t.words, t.phrase, t.excluded) for t in group] for group in hostile] == [
        [(("DROP", "TABLE", "x"), True, False)]
    ]


def test_ranked_search_with_highlights_and_filters(database: Database, admin: Actor) -> None:
    in_title = _record(
        database, admin, title="Kafka for events", description="Streams", tags=["infra"]
    )
    in_context = _record(
        database, admin, title="Event bus", description="d", context="We looked at kafka and NATS"
    )
    _record(database, admin, title="Unrelated", description="Nothing here")
    mysql = _record(database, admin, title="Kafka on MySQL", description="mysql backed")
    service = DecisionService(database, admin)
    hits = service.search("kafka")
    # Title matches rank above a match in the context.
    assert {h.decision.id for h in hits[:2]} == {in_title, mysql}
    assert hits[2].decision.id == in_context and len(hits) == 3
    assert hits[0].rank >= hits[1].rank > hits[2].rank
    top = next(h for h in hits if h.decision.id == in_title)
    assert f"{HIGHLIGHT_START}Kafka{HIGHLIGHT_END}" in top.title
    assert [h.decision.id for h in service.search("kafka -mysql")] == [in_title, in_context]
    assert [h.decision.id for h in service.search('"kafka for"')] == [in_title]
    assert {h.decision.id for h in service.search("nats OR streams")} == {in_title, in_context}
    assert [h.decision.id for h in service.search("kafka", DecisionFilter(tag="infra"))] == [
        in_title
    ]
    assert {h.decision.id for h in service.search("kaf")} == {in_title, in_context, mysql}
    assert service.count(DecisionFilter(text="kafka -mysql")) == 2
    DecisionService(database, admin).delete(in_context)
    assert {h.decision.id for h in service.search("kafka")} == {in_title, mysql}
