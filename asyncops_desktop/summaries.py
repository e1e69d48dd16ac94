"""Daily summaries: what one day looked like, computed from the stored data alone.

The summary of day D (UTC day bounds, timestamps are naive UTC) holds:

- ``status_updates``: the status updates created on D, newest first (``created_at``, id);
- ``incidents``: incidents active at the end of D, most severe first, then oldest first
  (severity, ``created_at``, id). Active means created before the end of D and not resolved
  by then: ``resolved_at`` after the end of D, or no ``resolved_at`` and an open/in-progress
  status. An incident marked resolved/closed without a ``resolved_at`` (data written outside
  the app) was finished by its last change at the latest, so it counts as active only on
  days ending before its ``updated_at``; on today that is judging it by its status. There is
  no status history, so an incident that was reopened after D looks unresolved on D, and
  one resolved since is shown ``in_progress`` on D if it has an assignee, else ``open``;
- ``blockers``: blockers active at the end of D (same rule, status ``active``), oldest
  first (``created_at``, id), each with its age in whole days on D;
- ``recent_decisions``: decisions whose ``decision_date`` is within the 7 days ending on D
  and that were not deleted by the end of D, newest first (``decision_date``, id descending);
- ``statistics``: the spec's four figures plus active incidents (in total and by severity)
  and the number of silent users;
- ``time_to_resolve``: per severity, how many incidents were resolved in the 30 days ending
  on D and their mean time from ``created_at`` to ``resolved_at`` in whole seconds;
- ``oldest_active_blocker``: the blocker active longest at the end of D, or null;
- ``users_without_status_update``: active users (created by the end of D) who posted no
  status update in the 7 days ending on D, by name then id.

Lists stop at ``LIST_LIMIT`` items; the statistics always count everything. Only integers,
strings, nulls, lists and objects appear (no floats), so the document survives a JSONB
round trip unchanged and ``summary_json`` of a recomputation is byte-identical.

``backfill`` is what the app runs at launch (in a worker thread): every missing day in its
own write transaction, cancellable between days, reporting progress after each day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from asyncops_desktop.db import Database
from asyncops_desktop.dialect import begin_summary_write
from asyncops_desktop.domain.enums import IncidentStatus, Severity
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.domain.models import utcnow
from asyncops_desktop.repositories.summaries import (
    EXCERPT_CHARS,
    OPEN_INCIDENT_STATES,
    RECENT_DAYS,
    RESOLUTION_DAYS,
    SEVERITY_ORDER,
    DayWindow,
    SummaryRepository,
    SummarySourceRepository,
)

SummaryDocument = dict[str, Any]
"""The JSON document stored in ``daily_summaries.content``."""

LIST_LIMIT = 50
"""Items kept per list in a summary; the statistics count every item."""
MAX_BACKFILL_DAYS = 90
"""The launch backfill reaches back at most this many days, today included."""

_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITY_ORDER)}


@dataclass(frozen=True)
class SummaryContent:
    """One day's computed summary: the JSON document and the four count columns."""

    day: dt.date
    content: SummaryDocument
    status_updates_count: int
    incidents_count: int
    blockers_count: int
    decisions_count: int

    def counts(self) -> dict[str, int]:
        """The count columns by column name, as ``SummaryRepository.upsert`` takes them."""
        return {
            "status_updates_count": self.status_updates_count,
            "incidents_count": self.incidents_count,
            "blockers_count": self.blockers_count,
            "decisions_count": self.decisions_count,
        }

    def to_json(self) -> str:
        """The canonical JSON text of the document (see ``summary_json``)."""
        return summary_json(self.content)


def summary_json(content: Mapping[str, Any]) -> str:
    """Canonical JSON of a summary: sorted keys, no spaces; equal documents give equal text."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def _timestamp(value: dt.datetime | None) -> str | None:
    # Seconds are enough for a summary, and a fixed format keeps the text stable.
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _excerpt(text: str) -> str:
    one_line = " ".join(text.split())
    if len(one_line) <= EXCERPT_CHARS:
        return one_line
    return one_line[: EXCERPT_CHARS - 1].rstrip() + "…"


def _status_at_end(status: str, assigned_to_id: int | None, resolved_at: dt.datetime | None) -> str:
    """The incident's status as of the end of the day, as far as the stored data tells."""
    if status in OPEN_INCIDENT_STATES and resolved_at is None:
        return status
    # Resolved since: no history says whether it was being worked on; an assignee suggests so.
    return (
        IncidentStatus.IN_PROGRESS.value
        if assigned_to_id is not None
        else IncidentStatus.OPEN.value
    )


def _seconds(delta: dt.timedelta) -> int:
    return delta // dt.timedelta(microseconds=1)


def _mean_seconds(durations_us: Sequence[int]) -> int | None:
    """Mean of microsecond durations in whole seconds, rounded half up; integers only."""
    if not durations_us:
        return None
    count = len(durations_us)
    return (sum(durations_us) + count * 500_000) // (count * 1_000_000)


def compute_summary(
    session: Session, day: dt.date, *, now: dt.datetime | None = None
) -> SummaryContent:
    """Compute the summary of ``day`` from the stored data (reads only; ``now`` sets today)."""
    today = (now or utcnow()).date()
    if day > today:
        raise ValidationError(
            "date", f"{day.isoformat()} is in the future (today is {today.isoformat()})"
        )
    window = DayWindow.of(day)
    source = SummarySourceRepository(session)
    updates = source.status_updates(window, LIST_LIMIT)
    incidents = source.active_incidents(window, LIST_LIMIT)
    blockers = source.active_blockers(window, LIST_LIMIT)
    decisions = source.recent_decisions(window, LIST_LIMIT)
    resolved = source.resolved_incidents(window)
    silent = source.silent_users(window, LIST_LIMIT)

    by_severity = dict(zip(SEVERITY_ORDER, incidents.counts, strict=True))
    durations: dict[str, list[int]] = {severity: [] for severity in SEVERITY_ORDER}
    for severity, created_at, resolved_at in resolved:
        durations.setdefault(severity, []).append(_seconds(resolved_at - created_at))

    blocker_items = [
        {
            "id": blocker_id,
            "description": _excerpt(description),
            "status": "active",
            "created_at": _timestamp(created_at),
            "age_days": (day - created_at.date()).days,
        }
        for blocker_id, description, created_at in blockers.rows
    ]
    content: SummaryDocument = {
        "date": day.isoformat(),
        "status_updates": [
            {"id": su_id, "title": title, "author": author, "created_at": _timestamp(created_at)}
            for su_id, title, author, created_at in updates.rows
        ],
        "incidents": [
            {
                "id": inc_id,
                "title": title,
                "severity": severity,
                "status": _status_at_end(status, assignee, resolved_at),
                "created_at": _timestamp(created_at),
            }
            for inc_id, title, severity, status, assignee, created_at, resolved_at in incidents.rows
        ],
        "blockers": blocker_items,
        "recent_decisions": [
            {"id": dec_id, "title": title, "decision_date": decision_date.isoformat()}
            for dec_id, title, decision_date in decisions.rows
        ],
        "statistics": {
            "total_status_updates": updates.total,
            "critical_incidents": by_severity[Severity.CRITICAL.value],
            "active_blockers": blockers.total,
            "decisions_last_7_days": decisions.total,
            "active_incidents": incidents.total,
            "active_incidents_by_severity": by_severity,
            "users_without_status_update": silent.total,
        },
        "time_to_resolve": {
            "days": RESOLUTION_DAYS,
            "first_day": (day - dt.timedelta(days=RESOLUTION_DAYS - 1)).isoformat(),
            "by_severity": {
                severity: {"resolved": len(values), "mean_seconds": _mean_seconds(values)}
                for severity, values in durations.items()
            },
        },
        # Blockers come oldest first, so the first one is the oldest.
        "oldest_active_blocker": dict(blocker_items[0]) if blocker_items else None,
        "users_without_status_update": {
            "days": RECENT_DAYS,
            "users": [{"id": user_id, "name": name} for user_id, name in silent.rows],
        },
    }
    return SummaryContent(
        day=day,
        content=content,
        status_updates_count=updates.total,
        incidents_count=incidents.total,
        blockers_count=blockers.total,
        decisions_count=decisions.total,
    )


def store_summary(
    session: Session, day: dt.date, *, now: dt.datetime | None = None
) -> SummaryContent:
    """Compute ``day`` and upsert it in the caller's transaction; returns what was stored."""
    summary = compute_summary(session, day, now=now)
    SummaryRepository(session).upsert(day, summary.content, summary.counts())
    return summary


def refresh_summary(
    database: Database, day: dt.date, *, now: dt.datetime | None = None
) -> SummaryContent:
    """Recompute and store one day in its own write transaction (F5, ``summary compute --date``)."""
    with database.write() as session:
        begin_summary_write(session, day.toordinal())
        return store_summary(session, day, now=now)


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    for offset in range((last - first).days + 1):
        yield first + dt.timedelta(days=offset)


def missing_days(session: Session, today: dt.date) -> list[dt.date]:
    """Days the launch backfill computes, oldest first; today is always among them.

    The range starts at the first day with any activity but at most ``MAX_BACKFILL_DAYS``
    back (today included). In it, every day without a stored summary is missing, so after a
    normal run this is "from the day after the newest stored summary through today", and a
    gap (a deleted row) is filled too. Earlier complete days are kept as they are.
    """
    earliest = today - dt.timedelta(days=MAX_BACKFILL_DAYS - 1)
    first_activity = SummarySourceRepository(session).first_activity_day()
    start = today if first_activity is None else min(max(first_activity, earliest), today)
    stored = set(SummaryRepository(session).dates_between(start, today))
    return [day for day in _days(start, today) if day == today or day not in stored]


Progress = Callable[[int, int, dt.date | None], None]
"""``progress(done, total, day)``: first ``(0, total, None)``, then after each finished day."""


@dataclass(frozen=True)
class BackfillResult:
    """What a backfill did: the days it planned, computed and found already stored."""

    planned: tuple[dt.date, ...]
    computed: tuple[dt.date, ...]
    skipped: tuple[dt.date, ...]
    """Days another client stored after this backfill planned them (not recomputed)."""
    cancelled: bool

    @property
    def done(self) -> int:
        """How many planned days were handled (computed or skipped)."""
        return len(self.computed) + len(self.skipped)


def backfill(
    database: Database,
    today: dt.date,
    *,
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> BackfillResult:
    """Compute every missing day through ``today``, one write transaction per day.

    Cancellation is checked before each day, so a cancelled run stops after the day in hand
    and keeps the days it finished. Several clients may run this at once: each day is
    computed under a per-day lock (an advisory lock on PostgreSQL, the single writer of
    SQLite), a past day another client stored meanwhile is skipped, and the upsert on
    ``summary_date`` keeps one row per day. A database error propagates; finished days stay.
    Runs in the calling thread and opens its own sessions, so a worker thread can own it.
    """
    with database.read() as session:
        planned = tuple(missing_days(session, today))
    # Computing "as of" the caller's today keeps a backfill consistent with its plan.
    now = dt.datetime.combine(today, dt.time())
    total = len(planned)
    computed: list[dt.date] = []
    skipped: list[dt.date] = []
    if progress is not None:
        progress(0, total, None)
    for day in planned:
        if should_cancel is not None and should_cancel():
            return BackfillResult(planned, tuple(computed), tuple(skipped), cancelled=True)
        with database.write() as session:
            begin_summary_write(session, day.toordinal())
            if day < today and SummaryRepository(session).exists(day):
                skipped.append(day)
            else:
                store_summary(session, day, now=now)
                computed.append(day)
        if progress is not None:
            progress(len(computed) + len(skipped), total, day)
    return BackfillResult(planned, tuple(computed), tuple(skipped), cancelled=False)


# -- Markdown ----------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\*_\[\]<>#|])")


def _md(text: object) -> str:
    """User text on one line with Markdown's structural characters escaped (backticks kept)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def format_duration(seconds: int) -> str:
    """A duration for people: "45 min", "5.5 h", "3.2 days"."""
    if seconds < 3600:
        return f"{max(0, round(seconds / 60))} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _list_section(
    title: str,
    items: Sequence[Mapping[str, Any]],
    total: int,
    line: Callable[[Mapping[str, Any]], str],
    empty: str,
) -> list[str]:
    lines = [f"## {title}", ""]
    if not items:
        lines.append(empty)
    lines += [f"- {line(item)}" for item in items]
    if total > len(items):
        lines.append(f"- … and {total - len(items):,} more")
    lines.append("")
    return lines


def _time_of_day(value: object) -> str:
    text = str(value or "")
    return f"{text[11:16]} UTC" if len(text) >= 16 else text


def summary_markdown(content: Mapping[str, Any], day: dt.date) -> str:
    """The summary as Markdown for export and chat (tolerates documents with missing parts)."""
    stats: Mapping[str, Any] = content.get("statistics") or {}
    updates: Sequence[Mapping[str, Any]] = content.get("status_updates") or []
    incidents: Sequence[Mapping[str, Any]] = content.get("incidents") or []
    blockers: Sequence[Mapping[str, Any]] = content.get("blockers") or []
    decisions: Sequence[Mapping[str, Any]] = content.get("recent_decisions") or []
    total_updates = int(stats.get("total_status_updates", len(updates)))
    active_incidents = int(stats.get("active_incidents", len(incidents)))
    critical = int(stats.get("critical_incidents", 0))
    active_blockers = int(stats.get("active_blockers", len(blockers)))
    recent = int(stats.get("decisions_last_7_days", len(decisions)))

    lines = [f"# Daily summary: {day.strftime('%A')} {day.isoformat()}", ""]
    lines.append(
        " · ".join(
            (
                _plural(total_updates, "status update"),
                f"{_plural(active_incidents, 'active incident')} ({critical:,} critical)",
                _plural(active_blockers, "active blocker"),
                f"{_plural(recent, 'decision')} in the last 7 days",
            )
        )
    )
    lines.append("")
    lines += _list_section(
        "Incidents active at the end of the day",
        incidents,
        active_incidents,
        lambda i: (
            f"**{_md(i.get('severity', ''))}** · {_md(i.get('title', ''))} "
            f"(#{i.get('id')}, {_md(str(i.get('status', '')).replace('_', ' '))})"
        ),
        "None.",
    )
    lines += _list_section(
        "Active blockers",
        blockers,
        active_blockers,
        lambda b: (
            f"{_md(b.get('description', ''))} (#{b.get('id')}, "
            f"{_plural(int(b.get('age_days', 0)), 'day')} old)"
        ),
        "None.",
    )
    lines += _list_section(
        "Status updates",
        updates,
        total_updates,
        lambda u: (
            f"{_time_of_day(u.get('created_at'))} · {_md(u.get('title', ''))} "
            f"({_md(u.get('author', ''))})"
        ),
        "No status update was posted.",
    )
    lines += _list_section(
        "Decisions of the last 7 days",
        decisions,
        recent,
        lambda d: f"{d.get('decision_date', '')} · {_md(d.get('title', ''))} (#{d.get('id')})",
        "None.",
    )
    resolution: Mapping[str, Any] = content.get("time_to_resolve") or {}
    by_severity: Mapping[str, Mapping[str, Any]] = resolution.get("by_severity") or {}
    if by_severity:
        lines += [
            f"## Time to resolve (last {resolution.get('days', RESOLUTION_DAYS)} days)",
            "",
            "| Severity | Resolved | Mean time |",
            "| --- | ---: | ---: |",
        ]
        ordered = sorted(by_severity, key=lambda s: _SEVERITY_RANK.get(s, len(_SEVERITY_RANK)))
        for severity in ordered:
            entry = by_severity[severity]
            mean = entry.get("mean_seconds")
            shown = "–" if mean is None else format_duration(int(mean))
            lines.append(f"| {_md(severity)} | {int(entry.get('resolved', 0)):,} | {shown} |")
        lines.append("")
    oldest: Mapping[str, Any] | None = content.get("oldest_active_blocker")
    if oldest:
        lines += [
            "## Oldest active blocker",
            "",
            f"{_md(oldest.get('description', ''))} (#{oldest.get('id')}): "
            f"{_plural(int(oldest.get('age_days', 0)), 'day')} old",
            "",
        ]
    silent: Mapping[str, Any] = content.get("users_without_status_update") or {}
    if silent:
        people: Sequence[Mapping[str, Any]] = silent.get("users") or []
        count = int(stats.get("users_without_status_update", len(people)))
        lines += _list_section(
            f"No status update in the last {silent.get('days', RECENT_DAYS)} days",
            people,
            count,
            lambda p: _md(p.get("name", "")),
            "Everyone posted.",
        )
    return "\n".join(lines).rstrip("\n") + "\n"
