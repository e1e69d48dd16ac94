"""Repositories: paging (keyset and offset), SQL sorting, filters, tags and text search."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.domain.models import Decision, Incident, StatusUpdate
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.blockers import BlockerFilter, BlockerRepository
from asyncops_desktop.repositories.decisions import DecisionFilter, DecisionRepository
from asyncops_desktop.repositories.incidents import IncidentFilter, IncidentRepository
from asyncops_desktop.repositories.status_updates import (
    StatusUpdateFilter,
    StatusUpdateRepository,
)
from asyncops_desktop.repositories.users import UserFilter, UserRepository
from asyncops_desktop.services.base import Actor

BASE_DAY = dt.date(2026, 1, 1)


def _decisions(database: Database, author: int, count: int) -> None:
    rows = [
        {
            "created_by_id": author,
            "title": f"Decision {i:03d}" + (" about database migration" if i % 10 == 0 else ""),
            "description": "Switch the team to a shared server" if i % 7 == 0 else "Routine choice",
            "context": "ctx",
            "outcome": "out",
            # Several decisions share each date so ties must break on id.
            "decision_date": BASE_DAY + dt.timedelta(days=i // 3),
            "tags": ["infra", "db"] if i % 5 == 0 else ["process"],
        }
        for i in range(count)
    ]
    with database.write() as session:
        session.execute(insert(Decision), rows)


def test_keyset_pages_cover_every_row_once_in_order(database: Database, admin: Actor) -> None:
    _decisions(database, admin.user_id, 53)
    seen: list[tuple[dt.date, int]] = []
    with database.read() as session:
        repo = DecisionRepository(session)
        cursor = None
        pages = 0
        while True:
            page = repo.page(limit=10, after=cursor)
            seen += [(d.decision_date, d.id) for d in page.rows]
            pages += 1
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert pages == 6
    assert len(seen) == 53 == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_ascending_sort_and_offset_paging_agree(database: Database, admin: Actor) -> None:
    _decisions(database, admin.user_id, 25)
    with database.read() as session:
        repo = DecisionRepository(session)
        ascending = Sort("title", descending=False)
        first = repo.page(sort=ascending, limit=10)
        by_cursor = repo.page(sort=ascending, limit=10, after=first.next_cursor)
        by_offset = repo.page(sort=ascending, limit=10, offset=10)
    assert [d.id for d in by_cursor.rows] == [d.id for d in by_offset.rows]
    titles = [d.title for d in first.rows + by_cursor.rows]
    assert titles == sorted(titles)


def test_unknown_sort_key_and_bad_limit_are_validation_errors(database: Database) -> None:
    with database.read() as session:
        repo = DecisionRepository(session)
        with pytest.raises(ValidationError) as error:
            repo.page(sort=Sort("password_hash"))
        assert error.value.field == "sort"
        with pytest.raises(ValidationError) as error:
            repo.page(limit=0)
        assert error.value.field == "limit"


def test_tag_filter_works_the_same_on_both_backends(database: Database, admin: Actor) -> None:
    _decisions(database, admin.user_id, 20)
    with database.read() as session:
        repo = DecisionRepository(session)
        tagged = repo.page(DecisionFilter(tag="infra"), limit=100).rows
        count = repo.count(DecisionFilter(tag="infra"))
        none = repo.count(DecisionFilter(tag="inf"))
        tags = dict(repo.all_tags())
    assert count == len(tagged) == 4
    assert all("infra" in d.tags for d in tagged)
    assert none == 0
    assert tags == {"process": 16, "infra": 4, "db": 4}


def test_full_text_search_matches_words_and_prefixes(database: Database, admin: Actor) -> None:
    _decisions(database, admin.user_id, 30)
    with database.read() as session:
        repo = DecisionRepository(session)
        migration = {d.id for d in repo.page(DecisionFilter(text="migration"), limit=100).rows}
        prefix = {d.id for d in repo.page(DecisionFilter(text="migr"), limit=100).rows}
        in_description = repo.count(DecisionFilter(text="shared server"))
        both_words = repo.count(DecisionFilter(text="database shared"))
        hostile = repo.count(DecisionFilter(text='"); DROP TABLE decisions; -- OR * NEAR'))
        still_there = repo.count()
    assert len(migration) == 3
    assert prefix == migration
    assert in_description == 5
    assert (
        both_words == 1
    )  # only decision 0 has "database" in its title and "shared" in its description
    assert hostile == 0
    assert still_there == 30


def test_full_text_index_follows_edits(database: Database, admin: Actor) -> None:
    _decisions(database, admin.user_id, 3)
    with database.write() as session:
        row = session.get(Decision, 1) or session.query(Decision).first()
        assert row is not None
        row.title = "Retire the mainframe"
    with database.read() as session:
        assert DecisionRepository(session).count(DecisionFilter(text="mainframe")) == 1


def test_decision_filters_by_date_author_and_participant(
    database: Database, admin: Actor, member: Actor
) -> None:
    _decisions(database, admin.user_id, 12)
    with database.write() as session:
        repo = DecisionRepository(session)
        first = repo.page(limit=1).rows[0].id
        repo.set_participants(first, [member.user_id, admin.user_id])
        repo.set_participants(first, [member.user_id])
    with database.read() as session:
        repo = DecisionRepository(session)
        assert repo.participant_ids(first) == (member.user_id,)
        assert [d.id for d in repo.page(DecisionFilter(participant_id=member.user_id)).rows] == [
            first
        ]
        in_range = repo.count(
            DecisionFilter(
                date_from=BASE_DAY + dt.timedelta(days=1), date_to=BASE_DAY + dt.timedelta(days=2)
            )
        )
        assert in_range == 6
        assert repo.count(DecisionFilter(created_by_id=member.user_id)) == 0


def test_incident_filters_presets_and_severity_sort(
    database: Database, admin: Actor, member: Actor
) -> None:
    severities = ["low", "medium", "high", "critical"]
    rows = [
        {
            "reported_by_id": admin.user_id,
            "assigned_to_id": member.user_id if i % 2 else None,
            "title": f"Incident {i}",
            "description": "disk full" if i == 3 else "something broke",
            "severity": severities[i % 4],
            "status": "open" if i < 6 else "resolved",
        }
        for i in range(10)
    ]
    with database.write() as session:
        session.execute(insert(Incident), rows)
    with database.read() as session:
        repo = IncidentRepository(session)
        open_critical = repo.page(IncidentFilter(statuses=("open",), severities=("critical",))).rows
        mine = repo.count(IncidentFilter(assignee_id=member.user_id))
        unassigned = repo.count(IncidentFilter(unassigned=True))
        text_hit = repo.page(IncidentFilter(text="DISK")).rows
        by_severity = repo.page(sort=Sort("severity"), limit=4)
        rest = repo.page(sort=Sort("severity"), limit=10, after=by_severity.next_cursor)
    assert [i.title for i in open_critical] == ["Incident 3"]
    assert open_critical[0].assignee_name == "Max Member"
    assert open_critical[0].reporter_name == "Ada Admin"
    assert mine == 5 and unassigned == 5
    assert [i.id for i in text_hit] == [open_critical[0].id]
    order = [i.severity for i in by_severity.rows + rest.rows]
    assert order == sorted(order, key=severities.index, reverse=True)
    assert len(order) == 10


def test_status_update_filters(database: Database, admin: Actor, member: Actor) -> None:
    start = dt.datetime(2026, 3, 1, 9, 0)
    with database.write() as session:
        repo = StatusUpdateRepository(session)
        for i in range(6):
            update_id = repo.add(
                user_id=member.user_id if i % 2 else admin.user_id,
                title=f"Update {i}",
                content="100% done_with it" if i == 4 else "progress",
                tags=["release"] if i < 2 else [],
            )
            row = session.get(StatusUpdate, update_id)
            assert row is not None
            row.created_at = start + dt.timedelta(days=i)
    with database.read() as session:
        repo = StatusUpdateRepository(session)
        assert repo.count(StatusUpdateFilter(author_id=member.user_id)) == 3
        assert repo.count(StatusUpdateFilter(tag="release")) == 2
        window = StatusUpdateFilter(
            created_from=start + dt.timedelta(days=1), created_to=start + dt.timedelta(days=3)
        )
        assert [u.title for u in repo.page(window).rows] == ["Update 2", "Update 1"]
        # LIKE wildcards typed by a user are literal characters.
        assert [u.title for u in repo.page(StatusUpdateFilter(text="100%")).rows] == ["Update 4"]
        assert repo.count(StatusUpdateFilter(text="%")) == 1
        assert repo.count(StatusUpdateFilter(text="d_ne")) == 0  # "_" would match the "o" of "done"
        assert repo.all_tags() == [("release", 2)]


def test_blocker_filters(database: Database, admin: Actor) -> None:
    with database.write() as session:
        incident_id = IncidentRepository(session).add(
            reported_by_id=admin.user_id, title="t", description="d"
        )
        repo = BlockerRepository(session)
        linked = repo.add(
            reported_by_id=admin.user_id,
            description="needs keys",
            impact="no deploy",
            related_incident_id=incident_id,
        )
        repo.add(
            reported_by_id=admin.user_id, description="vendor", impact="slow", status="resolved"
        )
    with database.read() as session:
        repo = BlockerRepository(session)
        assert [b.id for b in repo.page(BlockerFilter(related_incident_id=incident_id)).rows] == [
            linked
        ]
        assert repo.count(BlockerFilter(status="active")) == 1
        assert repo.count(BlockerFilter(created_before=dt.datetime(2000, 1, 1))) == 0
        assert repo.count(BlockerFilter(text="KEYS")) == 1


def test_users_are_listed_without_password_hashes(
    database: Database, admin: Actor, member: Actor
) -> None:
    with database.read() as session:
        repo = UserRepository(session)
        everyone = repo.page(limit=10).rows
        members = repo.page(UserFilter(role="member")).rows
        found = repo.by_email("  MAX.member@example.com ")
    assert [u.full_name for u in everyone] == ["Ada Admin", "Max Member"]
    assert not any(hasattr(u, "password_hash") for u in everyone)
    assert [u.id for u in members] == [member.user_id]
    assert found is not None and found.email == "max.member@example.com"


def test_get_returns_none_for_missing_rows(database: Database) -> None:
    with database.read() as session:
        assert DecisionRepository(session).get(424242) is None
        assert IncidentRepository(session).get(424242) is None
