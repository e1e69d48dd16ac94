"""Ranked decision search: tiers by where the query matches, paging across them, counting."""

from __future__ import annotations

import datetime as dt

from asyncops_desktop.db import Database
from asyncops_desktop.dialect import RANK_ANYWHERE, RANK_TITLE, RANK_TITLE_DESCRIPTION
from asyncops_desktop.repositories.decisions import DecisionFilter
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService


def _record(service: DecisionService, title: str, **texts: str) -> int:
    values = {"description": "d", "context": "c", "outcome": "o", **texts}
    detail = service.record(title=title, decision_date=dt.date(2024, 5, 1), **values)  # type: ignore[arg-type]
    return detail.decision.id


def test_tiers_rank_title_then_description_then_anywhere_newest_first(
    database: Database, admin: Actor
) -> None:
    service = DecisionService(database, admin)
    old_anywhere = _record(service, "One", outcome="the broker fails over")
    old_title = _record(service, "Broker choice")
    described = _record(service, "Two", description="a broker for events")
    new_anywhere = _record(service, "Three", context="broker load")
    new_title = _record(service, "Broker limits")
    _record(service, "Unrelated")

    hits = service.search("broker")
    assert [h.decision.id for h in hits] == [
        new_title,
        old_title,
        described,
        new_anywhere,
        old_anywhere,
    ]
    assert [h.rank for h in hits] == [
        RANK_TITLE,
        RANK_TITLE,
        RANK_TITLE_DESCRIPTION,
        RANK_ANYWHERE,
        RANK_ANYWHERE,
    ]
    # Pages continue across tiers in the same order, whatever the page size.
    for size in (1, 2, 3):
        paged = []
        for offset in range(0, 6, size):
            paged += [h.decision.id for h in service.search("broker", offset=offset, limit=size)]
        assert paged == [h.decision.id for h in hits]
    # Both words in the title beat one of them there and the other in the description.
    both = _record(service, "Broker events")
    assert [h.decision.id for h in service.search("broker events")][:2] == [both, described]
    # An excluded word leaves a decision out whichever column holds it.
    assert new_anywhere not in {h.decision.id for h in service.search("broker -load")}


def test_text_count_subtracts_deleted_decisions_and_combines_with_filters(
    database: Database, admin: Actor
) -> None:
    service = DecisionService(database, admin)
    ids = [_record(service, f"Queue {n}", context="retry policy") for n in range(4)]
    _record(service, "Other", context="nothing")
    assert service.count(DecisionFilter(text="retry")) == 4
    service.delete(ids[0])
    assert service.count(DecisionFilter(text="retry")) == 3
    assert service.count(DecisionFilter(text="retry", deleted=True)) == 1
    assert service.count(DecisionFilter(text="retry -queue")) == 0
    assert service.count(DecisionFilter(text='"retry policy" OR nothing')) == 4
    assert service.count(DecisionFilter(text="retry", statuses=("accepted",))) == 3
    assert service.count(DecisionFilter(text="--")) == 0
    service.restore(ids[0])
    assert service.count(DecisionFilter(text="retry")) == 4
    # The search list and its count agree.
    assert len(service.search("retry", limit=50)) == service.count(DecisionFilter(text="retry"))


def test_text_count_follows_every_edit_of_the_searched_text(
    database: Database, admin: Actor
) -> None:
    service = DecisionService(database, admin)
    first = _record(service, "Cache sizing", outcome="keep the error budget")
    second = _record(service, "Cache eviction", context="error handling", outcome="budget later")

    def counts() -> tuple[int, int, int]:
        return (
            service.count(DecisionFilter(text="cache")),
            service.count(DecisionFilter(text='"error budget"')),
            service.count(DecisionFilter(text="budget -cache")),
        )

    # A phrase needs the words side by side; "error" and "budget" apart do not count.
    assert counts() == (2, 1, 0)
    service.update(second, context="an error budget policy")
    assert counts() == (2, 2, 0)
    service.update(first, title="Memory sizing")
    assert counts() == (1, 2, 1)
    # Edits outside the searched text leave the counts as they were.
    service.update(first, status="rejected", tags=["memory"])
    assert counts() == (1, 2, 1)
    service.delete(second)
    assert counts() == (0, 1, 1)
    service.restore(second)
    service.update(second, outcome="done")
    assert counts() == (1, 2, 1)
    # Each count matches the ranked search listing all its hits.
    for text in ("cache", '"error budget"', "budget -cache"):
        found = len(service.search(text, limit=50))
        assert found == service.count(DecisionFilter(text=text)), text
