"""Scenario 3: hostile input to every service's create and update.

Hypothesis sends arbitrary Unicode (NUL, lone surrogates, right-to-left marks, SQL-looking
text, 1 MB strings), dates far in the past and future, unknown enum values, ids that do not
exist and values of the wrong type. Every call either stores exactly what it was given (read
back equal) or raises ``ValidationError`` naming one of the call's fields (``NotFound`` or
``PermissionDenied`` where those apply), and a rejected call leaves every table as it was.

``HYPOTHESIS_PROFILE=stress`` (``make stress``) runs many more examples than ``ci``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.blockers import BlockerService
from asyncops_desktop.services.decisions import DecisionService
from asyncops_desktop.services.incidents import IncidentService
from asyncops_desktop.services.status_updates import StatusUpdateService
from asyncops_desktop.services.users import UserService

T = TypeVar("T")

_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
# "ci" is derandomized so ``make test`` is repeatable; "stress" explores anew each run.
settings.register_profile("ci", max_examples=15, derandomize=True, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("stress", max_examples=300, **_COMMON)  # type: ignore[arg-type]
# Applied per test, so other modules' hypothesis settings are left alone.
hostile = settings(settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci")))

MEGABYTE = 1_000_000
FIXED_TEXTS = [
    "",
    "   ",
    "\t\r\n",
    "\x00",
    "before\x00after",
    "\ud800",
    "pair broken \udc00 here",
    "\u202eevil\u202c \u200fשלום\u200e mixed",
    "'; DROP TABLE decisions; --",
    "Robert'); DELETE FROM decision_audit_log;--",
    "%s %(name)s {0} \\x00 $1 ?",
    "\ufeffBOM and \u2028 line separator",
    "🚀" * 200,
    "x" * MEGABYTE,
    "é" * MEGABYTE,
    "\U0010ffff" * MEGABYTE,
    "a" * 200,
    "a" * 201,
    "b" * 1_000,
    "b" * 1_001,
    "c" * 2_000,
    "c" * 5_000,
    "c" * 5_001,
    "d" * 10_000,
    "d" * 10_001,
]
any_text = st.text(st.characters(exclude_categories=()), max_size=300)
texts = st.one_of(
    st.sampled_from(FIXED_TEXTS),
    any_text,
    st.integers(0, 11_000).map(lambda n: "ŵ" * n),
)
wrong_types = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
)
text_or_junk = st.one_of(texts, texts, texts, wrong_types)
dates = st.one_of(
    st.dates(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)),
    st.datetimes(),
    st.sampled_from([dt.date.min, dt.date.max, dt.date(1899, 12, 31), dt.date(3000, 1, 1)]),
    wrong_types,
    st.text(max_size=10),
)
tags_or_junk = st.one_of(
    st.none(),
    st.lists(
        st.one_of(any_text.map(lambda s: s[:60]), st.sampled_from(FIXED_TEXTS[:12])), max_size=25
    ),
    st.lists(st.one_of(st.integers(), st.none()), min_size=1, max_size=2),
    st.text(max_size=5),
    st.integers(),
)


good_char = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")


def valid_text(limit: int) -> st.SearchStrategy[str]:
    """Text the rules accept: anything storable, not blank, within ``limit``."""
    return st.one_of(
        st.text(good_char, min_size=1, max_size=min(limit, 400)).filter(lambda s: bool(s.strip())),
        st.sampled_from(
            [
                "x" * limit,
                "🚀" * limit,
                "\u202eevil\u202c \u200fשלום\u200e",
                "'; DROP TABLE decisions; --",
                "%s %(name)s {0} \\x00 $1 ?",
                "\ufeffBOM \u2028 \x01\x7f",
            ]
        ),
    )


valid_tags = st.lists(
    st.text(good_char, min_size=1, max_size=50).filter(lambda s: bool(s.strip())), max_size=20
)
valid_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31))


class Picker:
    """Draws each argument valid or hostile: all valid, one field hostile, or all hostile.

    Mostly-valid calls reach the database and the read-back; the hostile field shows that
    its rule, and only its rule, rejects the call.
    """

    def __init__(self, data: st.DataObject, names: list[str]) -> None:
        self.data = data
        mode = data.draw(st.sampled_from(["valid", "one", "one", "all"]), label="mode")
        if mode == "all":
            self.hostile = set(names)
        elif mode == "one":
            self.hostile = {data.draw(st.sampled_from(names), label="hostile field")}
        else:
            self.hostile = set()

    def __call__(
        self, name: str, valid: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]
    ) -> Any:
        """The value for argument ``name``."""
        return self.data.draw(bad if name in self.hostile else valid, label=name)


def enum_or_junk(*valid: str) -> st.SearchStrategy[object]:
    """A valid enum value, a near miss, or the wrong type."""
    return st.one_of(
        st.sampled_from(valid),
        st.sampled_from([v.upper() for v in valid] + ["", " open", "unknown", "accepted\x00"]),
        st.text(max_size=12),
        wrong_types,
    )


def ids_or_junk(*known: int) -> st.SearchStrategy[object]:
    """An existing id, one that does not exist, or something that is not an id."""
    return st.one_of(
        st.sampled_from(known) if known else st.nothing(),
        st.integers(min_value=-(2**63), max_value=2**63),
        st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 99_999]),
        st.booleans(),
        st.floats(),
        st.text(max_size=4),
        st.none(),
    )


APP_TABLES = (
    "users",
    "status_updates",
    "incidents",
    "blockers",
    "decisions",
    "decision_participants",
    "decision_audit_log",
)


def snapshot(database: Database) -> dict[str, list[str]]:
    """Every row of every app table, to show that a rejected call changed nothing."""
    with database.read() as session:
        return {
            table: sorted(
                repr(tuple(row)) for row in session.execute(text(f"SELECT * FROM {table}"))
            )
            for table in APP_TABLES
        }


def attempt(
    database: Database,
    call: Callable[[], T],
    fields: set[str],
    *,
    allowed: tuple[type[Exception], ...] = (),
) -> T | None:
    """Run ``call``: its result, or None after an allowed rejection that changed nothing."""
    before = snapshot(database)
    try:
        return call()
    except ValidationError as exc:
        assert exc.field in fields, f"ValidationError names {exc.field!r}, not one of {fields}"
        assert "\n" not in str(exc)
    except (NotFound, PermissionDenied):
        pass
    except allowed:
        pass
    assert snapshot(database) == before, "a rejected call changed the database"
    return None


def given_text(value: object) -> str:
    """What a text argument that was accepted must read back as."""
    assert isinstance(value, str)
    return value


@pytest.fixture
def seeded(database: Database, admin: Actor, member: Actor) -> dict[str, int]:
    """One record of each kind to edit, owned by the admin."""
    status = StatusUpdateService(database, admin).post(title="Status", content="Fine.")
    incident = IncidentService(database, admin).report(title="Incident", description="Broke.")
    blocker = BlockerService(database, admin).raise_blocker(description="Blocked", impact="Late")
    decision = DecisionService(database, admin).record(
        title="Decision",
        description="d",
        context="c",
        outcome="o",
        decision_date=dt.date(2026, 1, 1),
        participant_ids=[member.user_id],
    )
    return {
        "status": status.id,
        "incident": incident.id,
        "blocker": blocker.id,
        "decision": decision.decision.id,
        "admin": admin.user_id,
        "member": member.user_id,
    }


def _conflict() -> type[Exception]:
    from asyncops_desktop.domain.errors import EditConflict

    return EditConflict


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy`` or None (an update's "leave unchanged")."""
    return st.one_of(st.none(), strategy)


@hostile
@given(data=st.data())
def test_status_updates(
    database: Database, admin: Actor, member: Actor, seeded: dict[str, int], data: st.DataObject
) -> None:
    """post and edit store exactly what passes validation and reject the rest cleanly."""
    service = StatusUpdateService(database, admin)
    pick = Picker(data, ["title", "content", "tags"])
    title = pick("title", valid_text(v.TITLE_MAX), text_or_junk)
    content = pick("content", valid_text(v.STATUS_CONTENT_MAX), text_or_junk)
    tags = pick("tags", valid_tags, tags_or_junk)
    created = attempt(
        database,
        lambda: service.post(title=title, content=content, tags=tags),
        {"title", "content", "tags"},
    )
    if created is not None:
        again = service.get(created.id)
        assert (again.title, again.content) == (title, content)
        assert list(again.tags) == v.tags("tags", tags)
    pick = Picker(data, ["id", "title", "content", "tags", "expected_version"])
    target = pick("id", st.just(seeded["status"]), ids_or_junk(seeded["status"]))
    editor = StatusUpdateService(database, member if data.draw(st.booleans()) else admin)
    fields: dict[str, Any] = {
        "title": pick("title", maybe(valid_text(v.TITLE_MAX)), text_or_junk),
        "content": pick("content", maybe(valid_text(v.STATUS_CONTENT_MAX)), text_or_junk),
        "tags": pick("tags", maybe(valid_tags), tags_or_junk),
        "expected_version": pick(
            "expected_version", st.none(), st.one_of(st.integers(), wrong_types)
        ),
    }
    edited = attempt(
        database,
        lambda: editor.edit(target, **fields),
        {"id", "title", "content", "tags", "expected_version"},
        allowed=(_conflict(),),
    )
    if edited is not None:
        again = service.get(edited.id)
        for name in ("title", "content"):
            if fields[name] is not None:
                assert getattr(again, name) == fields[name]
        if fields["tags"] is not None:
            assert list(again.tags) == v.tags("tags", fields["tags"])


SEVERITIES = ("low", "medium", "high", "critical")
INCIDENT_STATUSES = ("open", "in_progress", "resolved", "closed")


@hostile
@given(data=st.data())
def test_incidents(
    database: Database, admin: Actor, member: Actor, seeded: dict[str, int], data: st.DataObject
) -> None:
    """report, edit and change_status with hostile values."""
    service = IncidentService(database, admin)
    pick = Picker(data, ["title", "description", "severity", "assigned_to_id"])
    title = pick("title", valid_text(v.TITLE_MAX), text_or_junk)
    description = pick("description", valid_text(v.INCIDENT_DESCRIPTION_MAX), text_or_junk)
    severity = pick("severity", st.sampled_from(SEVERITIES), enum_or_junk(*SEVERITIES))
    assignee = pick(
        "assigned_to_id", maybe(st.just(seeded["member"])), ids_or_junk(seeded["member"])
    )
    created = attempt(
        database,
        lambda: service.report(
            title=title, description=description, severity=severity, assigned_to_id=assignee
        ),
        {"title", "description", "severity", "assigned_to_id"},
    )
    if created is not None:
        again = service.get(created.id)
        assert (again.title, again.description) == (title, description)
        assert (again.severity, again.assigned_to_id) == (severity, assignee)
    pick = Picker(data, ["id", "title", "description", "severity", "assigned_to_id"])
    target = pick("id", st.just(seeded["incident"]), ids_or_junk(seeded["incident"]))
    editor = IncidentService(database, member if data.draw(st.booleans()) else admin)
    changes: dict[str, Any] = {
        "title": pick("title", maybe(valid_text(v.TITLE_MAX)), text_or_junk),
        "description": pick(
            "description", maybe(valid_text(v.INCIDENT_DESCRIPTION_MAX)), text_or_junk
        ),
        "severity": pick("severity", maybe(st.sampled_from(SEVERITIES)), enum_or_junk(*SEVERITIES)),
    }
    if data.draw(st.booleans()):
        changes["assigned_to_id"] = pick(
            "assigned_to_id",
            st.sampled_from([None, seeded["member"], seeded["admin"]]),
            ids_or_junk(seeded["member"]),
        )
    edited = attempt(
        database,
        lambda: editor.edit(target, **changes),
        {"id", "title", "description", "severity", "assigned_to_id", "expected_version"},
    )
    if edited is not None:
        again = service.get(edited.id)
        for name, value in changes.items():
            if value is not None or name == "assigned_to_id":
                assert getattr(again, name) == value
    pick = Picker(data, ["status", "resolution_notes"])
    status = pick("status", st.sampled_from(INCIDENT_STATUSES), enum_or_junk(*INCIDENT_STATUSES))
    notes = pick("resolution_notes", valid_text(v.RESOLUTION_NOTES_MAX), maybe(text_or_junk))
    moved = attempt(
        database,
        lambda: editor.change_status(target, status, resolution_notes=notes),
        {"id", "status", "resolution_notes", "expected_version"},
    )
    if moved is not None:
        again = service.get(moved.id)
        assert again.status == status
        if status == "resolved":
            assert again.resolution_notes == notes


@hostile
@given(data=st.data())
def test_blockers(
    database: Database, admin: Actor, member: Actor, seeded: dict[str, int], data: st.DataObject
) -> None:
    """raise_blocker, edit and resolve with hostile values and links."""
    service = BlockerService(database, admin)
    links = ["related_status_id", "related_incident_id"]
    pick = Picker(data, ["description", "impact", *links])
    description = pick("description", valid_text(v.BLOCKER_DESCRIPTION_MAX), text_or_junk)
    impact = pick("impact", valid_text(v.BLOCKER_IMPACT_MAX), text_or_junk)
    status_link = pick("related_status_id", maybe(st.just(seeded["status"])), ids_or_junk())
    incident_link = pick("related_incident_id", maybe(st.just(seeded["incident"])), ids_or_junk())
    created = attempt(
        database,
        lambda: service.raise_blocker(
            description=description,
            impact=impact,
            related_status_id=status_link,
            related_incident_id=incident_link,
        ),
        {"description", "impact", *links},
    )
    if created is not None:
        again = service.get(created.id)
        assert (again.description, again.impact) == (description, impact)
        assert (again.related_status_id, again.related_incident_id) == (status_link, incident_link)
    pick = Picker(data, ["id", "description", "impact", *links, "clear_links"])
    target = pick("id", st.just(seeded["blocker"]), ids_or_junk(seeded["blocker"]))
    editor = BlockerService(database, member if data.draw(st.booleans()) else admin)
    changes: dict[str, Any] = {
        "description": pick(
            "description", maybe(valid_text(v.BLOCKER_DESCRIPTION_MAX)), text_or_junk
        ),
        "impact": pick("impact", maybe(valid_text(v.BLOCKER_IMPACT_MAX)), text_or_junk),
        "related_status_id": pick(
            "related_status_id", maybe(st.just(seeded["status"])), ids_or_junk()
        ),
        "related_incident_id": pick(
            "related_incident_id", maybe(st.just(seeded["incident"])), ids_or_junk()
        ),
        "clear_links": pick("clear_links", st.booleans(), wrong_types),
    }
    edited = attempt(
        database,
        lambda: editor.edit(target, **changes),
        {"id", "description", "impact", *links, "clear_links", "expected_version"},
    )
    if edited is not None:
        again = service.get(edited.id)
        for name in ("description", "impact", *links):
            if changes[name] is not None:
                assert getattr(again, name) == changes[name]
            elif name in links and changes["clear_links"]:
                assert getattr(again, name) is None
    notes = data.draw(st.one_of(valid_text(v.RESOLUTION_NOTES_MAX), text_or_junk))
    resolved = attempt(
        database,
        lambda: editor.resolve(target, notes),  # type: ignore[arg-type]
        {"id", "status", "resolution_notes", "expected_version"},
    )
    if resolved is not None:
        assert service.get(resolved.id).resolution_notes == notes


DECISION_STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded")
DECISION_TEXTS = {"title": v.TITLE_MAX, "description": v.DECISION_TEXT_MAX}
DECISION_TEXTS |= {"context": v.DECISION_TEXT_MAX, "outcome": v.DECISION_TEXT_MAX}


def _decision_values(pick: Picker, seeded: dict[str, int], *, partial: bool) -> dict[str, Any]:
    wrap = maybe if partial else (lambda strategy: strategy)
    values: dict[str, Any] = {
        name: pick(name, wrap(valid_text(limit)), text_or_junk)
        for name, limit in DECISION_TEXTS.items()
    }
    values["decision_date"] = pick("decision_date", wrap(valid_dates), dates)
    values["tags"] = pick("tags", maybe(valid_tags), tags_or_junk)
    people = st.lists(st.sampled_from([seeded["member"], seeded["admin"]]), max_size=3)
    values["participant_ids"] = pick(
        "participant_ids",
        maybe(people) if partial else people,
        st.one_of(st.lists(ids_or_junk(seeded["member"]), min_size=1, max_size=3), wrong_types),
    )
    values["status"] = pick(
        "status",
        maybe(st.sampled_from(DECISION_STATUSES[:4]))
        if partial
        else st.sampled_from(DECISION_STATUSES[:4]),
        enum_or_junk(*DECISION_STATUSES),
    )
    values["review_by"] = pick("review_by", maybe(valid_dates), dates)
    return values


@hostile
@given(data=st.data())
def test_decisions(
    database: Database, admin: Actor, member: Actor, seeded: dict[str, int], data: st.DataObject
) -> None:
    """record, update, supersede, delete and restore with hostile values."""
    service = DecisionService(database, admin)
    names = [*DECISION_TEXTS, "decision_date", "tags", "participant_ids", "status", "review_by"]
    values = _decision_values(Picker(data, names), seeded, partial=False)
    decision_fields = {*names, "id", "superseded_by_id", "expected_version", "deleted_at"}
    created = attempt(database, lambda: service.record(**values), decision_fields)
    if created is not None:
        _assert_decision_equals(service, created.decision.id, values)
    pick = Picker(data, [*names, "id", "superseded_by_id"])
    target = pick("id", st.just(seeded["decision"]), ids_or_junk(seeded["decision"]))
    editor = DecisionService(database, member if data.draw(st.booleans()) else admin)
    changes = _decision_values(pick, seeded, partial=True)
    if data.draw(st.booleans()):
        changes["superseded_by_id"] = pick(
            "superseded_by_id", st.none(), ids_or_junk(seeded["decision"])
        )
    updated = attempt(
        database,
        lambda: editor.update(target, **changes),
        decision_fields,
        allowed=(_conflict(),),
    )
    if updated is not None:
        _assert_decision_equals(service, updated.decision.id, changes, partial=True)
    values = _decision_values(Picker(data, names), seeded, partial=False)
    successor = attempt(database, lambda: editor.supersede(target, **values), decision_fields)
    if successor is not None:
        _assert_decision_equals(service, successor.decision.id, values)
    victim = data.draw(st.one_of(st.just(seeded["decision"]), ids_or_junk()))
    attempt(database, lambda: editor.delete(victim), decision_fields)  # type: ignore[arg-type]
    attempt(database, lambda: editor.restore(victim), decision_fields)  # type: ignore[arg-type]


def _assert_decision_equals(
    service: DecisionService, decision_id: int, values: dict[str, Any], *, partial: bool = False
) -> None:
    detail = service.get(decision_id)
    decision = detail.decision
    for name in ("title", "description", "context", "outcome", "decision_date", "status"):
        if values.get(name) is not None or not partial:
            assert getattr(decision, name) == values[name], name
    if "review_by" in values:
        assert decision.review_by == values["review_by"]
    if values.get("tags") is not None:
        assert list(decision.tags) == v.tags("tags", values["tags"])
    if values.get("participant_ids") is not None:
        assert list(detail.participant_ids) == sorted(set(values["participant_ids"]))
    if "superseded_by_id" in values:
        assert decision.superseded_by_id == values["superseded_by_id"]


valid_emails = st.emails().filter(lambda e: len(e) <= v.EMAIL_MAX)


@hostile
@given(data=st.data())
def test_users(
    database: Database, admin: Actor, member: Actor, seeded: dict[str, int], data: st.DataObject
) -> None:
    """create, update and rename_self with hostile names, emails, roles and passwords."""
    from asyncops_desktop.domain.errors import ConflictError

    service = UserService(database, admin)
    pick = Picker(data, ["email", "full_name", "password", "role"])
    email = pick(
        "email",
        valid_emails,
        st.one_of(text_or_junk, st.tuples(any_text, any_text).map(lambda p: f"{p[0]}@{p[1]}")),
    )
    name = pick("full_name", valid_text(v.NAME_MAX), text_or_junk)
    password = pick(
        "password", st.text(good_char, min_size=10, max_size=18), st.one_of(text_or_junk, any_text)
    )
    role = pick("role", st.sampled_from(["admin", "member"]), enum_or_junk("admin", "member"))
    created = attempt(
        database,
        lambda: service.create(email=email, full_name=name, password=password, role=role),
        {"email", "full_name", "password", "role"},
        allowed=(ConflictError,),
    )
    if created is not None:
        again = service.get(created.id)
        assert (again.email, again.full_name, again.role) == (v.email("email", email), name, role)
    pick = Picker(data, ["user_id", "full_name", "email", "role"])
    target = pick("user_id", st.just(seeded["member"]), ids_or_junk(seeded["member"]))
    changes: dict[str, Any] = {
        "full_name": pick("full_name", maybe(valid_text(v.NAME_MAX)), text_or_junk),
        "email": pick("email", maybe(valid_emails), text_or_junk),
        "role": pick("role", maybe(st.sampled_from(["member"])), enum_or_junk("admin", "member")),
    }
    editor = UserService(database, member if data.draw(st.booleans()) else admin)
    updated = attempt(
        database,
        lambda: editor.update(target, **changes),
        {"user_id", "full_name", "email", "role"},
        allowed=(ConflictError,),
    )
    if updated is not None:
        again = service.get(updated.id)
        if changes["full_name"] is not None:
            assert again.full_name == changes["full_name"]
        if changes["email"] is not None:
            assert again.email == v.email("email", changes["email"])
    new_name = data.draw(st.one_of(valid_text(v.NAME_MAX), text_or_junk))
    renamed = attempt(
        database,
        lambda: UserService(database, member).rename_self(new_name),  # type: ignore[arg-type]
        {"full_name"},
    )
    if renamed is not None:
        assert service.get(member.user_id).full_name == new_name
