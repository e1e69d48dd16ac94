"""Realistic sample data: a team's users, status updates, incidents, blockers and decisions.

``generate(database, scale=1)`` gives the spec's sample sizes (a handful of users, a few dozen
records, 7 daily summaries) spread over the last ~90 days; ``scale=1000`` gives about 100,000
decisions over a few years, for trying the app and for benchmarks.

The daily summaries (the days before today; today is left for the app's launch) are computed
from the loaded rows by ``asyncops_desktop.summaries``, the same code the app and the CLI use,
so there is one definition of a summary.

Rows are built as plain dicts by ``iter_batches`` and written with SQLAlchemy Core
``executemany`` in batches, one transaction each. Ids are assigned here, after the largest id
already in each table, so foreign keys can be filled without a round trip; PostgreSQL's
sequences are moved past them at the end. The same seed always gives the same content.

Meant for demo and benchmark databases: ids are read once at the start, so a client inserting
at the same moment could collide (that batch then fails and rolls back, nothing half-written).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import bcrypt
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from asyncops_desktop.db import Database
from asyncops_desktop.domain.enums import BlockerStatus, IncidentStatus, Role, Severity
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.domain.models import Base, DailySummary, User, utcnow
from asyncops_desktop.services.decisions import audit_value, created_snapshot
from asyncops_desktop.summaries import store_summary

# Every demo user signs in with this password. It is published here on purpose so a tester
# can sign in as anyone; demo data belongs on demo databases only.
DEMO_PASSWORD = "demo-password"
# The password is public, so a high cost would protect nothing and only slow generation down.
DEMO_BCRYPT_ROUNDS = 4

BATCH_ROWS = 5_000
DECISIONS_PER_CHUNK = 1_500

# In foreign-key order: a batch never refers to a table later in this tuple.
TABLE_ORDER = (
    "users",
    "status_updates",
    "incidents",
    "blockers",
    "decisions",
    "decision_participants",
    "decision_audit_log",
    "daily_summaries",
)

# Length limits the services enforce (spec "Constraints"); generated text must respect them.
LIMITS = {
    "title": 200,
    "status_content": 10_000,
    "incident_description": 5_000,
    "blocker_description": 2_000,
    "blocker_impact": 1_000,
    "decision_text": 5_000,
}

T = TypeVar("T")
Row = dict[str, Any]
Batch = tuple[tuple[str, list[Row]], ...]
"""Rows for one transaction: (table name, rows) pairs in foreign-key order."""


# -- vocabulary ---------------------------------------------------------------------------

FIRST_NAMES = (
    "Alice", "Bruno", "Chloé", "Daniel", "Elena", "Farid", "Grace", "Hiroshi", "Ines", "Jonas",
    "Kavya", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Samir", "Tanya",
    "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Amara", "Ben", "Carla", "Dmitri",
    "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Julia", "Kenji", "Lena", "Marco", "Nadia",
    "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Ulla", "Viktor", "Yara",
)  # fmt: skip
LAST_NAMES = (
    "Anderson", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen",
    "Ibrahim", "Jensen", "Kowalski", "Lindqvist", "Martin", "Nakamura", "Okafor", "Petrov",
    "Quintero", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz",
    "Zimmermann", "Alvarez", "Brennan", "Chen", "Dimitrov", "Evans", "Ferreira", "Gupta",
    "Horvath", "Ito", "Jovanovic", "Khan", "Larsen", "Moreau", "Novak", "Olsen", "Park",
    "Reyes", "Silva", "Torres", "Urban", "Volkov", "Walsh",
)  # fmt: skip

SERVICES = (
    "payments-api", "auth-service", "billing-worker", "search-cluster", "edge-proxy",
    "notification-queue", "reporting-etl", "admin-console", "mobile-gateway", "orders-db",
    "inventory-service", "webhook-dispatcher", "feature-flags", "ci-runners", "data-warehouse",
    "session-store", "image-resizer", "export-service", "audit-pipeline", "status-page",
)  # fmt: skip
TEAMS = (
    "Platform", "Payments", "Identity", "Data", "Mobile", "Web", "SRE", "Growth", "Support Tools",
    "Billing", "Search", "Infrastructure",
)  # fmt: skip
PROJECTS = (
    "checkout redesign", "SSO rollout", "Postgres 16 upgrade", "multi-region failover",
    "cost reduction", "new onboarding flow", "EU data residency", "API v3", "observability revamp",
    "mobile offline mode", "invoice automation", "search relevance", "SOC 2 audit",
    "queue migration", "dark launch tooling", "on-call tooling",
)  # fmt: skip
PLATFORMS = (
    "Kubernetes", "the managed Postgres cluster", "ARM instances", "the new CDN", "Terraform Cloud",
    "GitHub Actions", "the shared Redis cluster", "object storage", "the service mesh",
)  # fmt: skip
TECH = (
    "OpenTelemetry", "Argo CD", "feature flags", "trunk-based development", "Renovate",
    "structured logging", "gRPC", "a message outbox", "PgBouncer", "Grafana dashboards",
    "contract tests", "canary deploys", "SLO alerting", "Playwright", "a monorepo layout",
    "blue-green deploys", "read replicas", "short-lived credentials",
)  # fmt: skip
AREAS = (
    "internal services", "the public API", "mobile releases", "incident response",
    "database migrations", "frontend builds", "background jobs", "on-call handovers",
    "customer exports", "staging environments", "secrets management", "release notes",
)  # fmt: skip
DONE_ITEMS = (
    "Shipped the retry budget for `{service}`",
    "Closed {n} tickets from the {project} backlog",
    "Reviewed the runbook for `{service}` with {team}",
    "Moved the nightly job for `{service}` off the primary",
    "Paired with {team} on the {project} rollout plan",
    "Cut p95 latency on `{service}` from {a} ms to {b} ms",
    "Finished the load test for {project}",
    "Rotated credentials for `{service}`",
    "Cleaned up {n} stale feature flags",
    "Wrote the migration guide for {project}",
    "Fixed the flaky integration test in `{service}`",
    "Upgraded dependencies across {n} repos",
)  # fmt: skip
NEXT_ITEMS = (
    "Roll out {project} to {pct}% of traffic",
    "Review alert thresholds for `{service}`",
    "Draft the post-incident review for last week's `{service}` outage",
    "Start the capacity plan for {project}",
    "Pair with {team} on the `{service}` dashboards",
    "Move `{service}` to {platform}",
    "Write acceptance tests for {project}",
    "Schedule the game day for {project}",
    "Remove the legacy code path in `{service}`",
)  # fmt: skip
RISKS = (
    "Waiting on {team} for the `{service}` schema review",
    "Vendor sandbox for {project} is still unstable",
    "On-call load is high this week; {project} may slip a few days",
    "Budget approval for {platform} is pending",
    "Two people out on leave until next week",
    "Test coverage on `{service}` is thin around retries",
)  # fmt: skip
STATUS_TITLES = (
    "Weekly update: {team}",
    "{team} status for week {week}",
    "`{service}`: {state}",
    "{project}: {state}",
    "On-call handover ({weekday})",
    "Sprint {sprint} progress – {team}",
    "Release {version} readiness",
    "Moving `{service}` to {platform}: week {n}",
    "Daily notes: {project}",
)  # fmt: skip
STATES = (
    "on track", "slightly behind", "ready for review", "rollout started", "blocked on review",
    "done, monitoring", "halfway there", "needs decisions",
)  # fmt: skip
PROGRESS = (
    "on track", "slightly behind", "ready for review", "halfway there", "waiting on review",
    "close to done", "ahead of plan",
)  # fmt: skip
SYMPTOMS = (
    "returning 502s", "elevated error rate", "latency above SLO", "queue backlog growing",
    "failing health checks", "memory leak after deploy", "certificate expiring",
    "replication lag over 5 minutes", "disk usage at 95%", "timeouts to upstream",
    "dropped webhooks", "stale cache entries", "login failures for some users",
    "duplicate charges reported",
)  # fmt: skip
IMPACTS = (
    "About {pct}% of requests failed for {mins} minutes.",
    "Customers in the EU region saw slow page loads.",
    "Support received {n} tickets in the first hour.",
    "No customer impact yet; internal dashboards are affected.",
    "Checkout conversions dropped noticeably during the window.",
    "Nightly exports were delayed by {mins} minutes.",
)  # fmt: skip
OBSERVATIONS = (
    "Error logs point at connection pool exhaustion in `{service}`.",
    "The spike lines up with the {version} deploy.",
    "CPU on the `{service}` nodes was pinned at 100%.",
    "Upstream provider status page reports degraded performance.",
    "A config change to `{service}` went out just before the alerts fired.",
    "Traces show slow queries against `orders-db`.",
)  # fmt: skip
ACTIONS = (
    "Rolled back to the previous release while we investigate.",
    "Scaled `{service}` out to {n} replicas as a stopgap.",
    "Paged the {team} on-call engineer.",
    "Opened a ticket with the vendor.",
    "Disabled the `{flag}` feature flag.",
    "Failing over to the secondary region is on standby.",
)  # fmt: skip
# A root cause and the fix that goes with it.
CAUSES_AND_FIXES = (
    ("an unbounded retry loop in `{service}`", "capping retries and adding jitter"),
    ("a missing index after the last migration", "adding the index and re-running the job"),
    ("an expired certificate on the internal load balancer",
     "rotating the certificate and adding an expiry alert"),
    ("a bad config push to `{service}`", "rolling back the config and adding a validation step"),
    ("connection pool limits set too low for peak traffic",
     "raising the pool size and adding a circuit breaker"),
    ("a noisy neighbour on the shared Redis cluster", "moving the workload to a dedicated cluster"),
    ("a race condition in the webhook dispatcher", "adding idempotency keys to the handler"),
    ("a memory leak in the {version} release", "rolling back and shipping a patched release"),
)  # fmt: skip
SUMMARY_LINES = (
    "Work on {project} is {progress}.",
    "{project} slipped by a few days; details below.",
    "Good week for {team}: most of the {project} milestones landed.",
    "Quiet week on `{service}`; most of the time went into {project}.",
    "The {project} rollout started on {weekday}.",
    "Mostly on-call and support work this week; {project} is {progress}.",
)  # fmt: skip
FOLLOW_UPS = (
    "post-incident review on {weekday}",
    "add an alert on {metric}",
    "write a runbook entry for `{service}`",
    "add a regression test",
    "review capacity for {project}",
    "none beyond monitoring",
)  # fmt: skip
METRICS = (
    "queue depth", "p99 latency", "5xx rate", "replication lag", "disk usage", "error budget burn",
)  # fmt: skip
FLAGS = ("new-checkout", "async-exports", "smart-retries", "v3-routing", "bulk-import")
BLOCKER_TEMPLATES = (
    "Waiting on {team} to approve the `{service}` schema change before {project} can continue.",
    "Need production read access to `{service}` logs to finish the {project} investigation.",
    "Vendor sandbox for {project} has been down since {weekday}; integration tests cannot run.",
    "Security review for {project} is not scheduled yet.",
    "The staging environment for `{service}` is broken since the move to {platform}.",
    "Budget sign-off for {platform} is pending with finance.",
    "No one on {team} has capacity to review the {project} design doc.",
)  # fmt: skip
BLOCKER_IMPACTS = (
    "{project} slips by about {n} days.",
    "{team} cannot ship the next milestone of {project} this sprint.",
    "Two engineers are context-switching to other work meanwhile.",
    "Release {version} is on hold.",
    "Customer commitment for {project} at risk.",
)  # fmt: skip
BLOCKER_RESOLUTIONS = (
    "Approved after a short review call with {team}.",
    "Access granted; investigation finished.",
    "Vendor fixed their sandbox; tests are green again.",
    "Worked around it by mocking the dependency for now.",
    "Finance approved the budget.",
)  # fmt: skip
DECISION_TITLES = (
    "Adopt {tech} for {area}",
    "Move `{service}` to {platform}",
    "Standardise on {tech} across {area}",
    "Deprecate the legacy `{service}` endpoints",
    "Freeze deploys during the {project} launch week",
    "Require two reviewers for {area}",
    "Postpone {project} to next quarter",
    "Split `{service}` out of the monolith",
    "Keep {project} scope to the MVP",
    "Run a game day for {project} every quarter",
)  # fmt: skip
DECISION_DESCRIPTIONS = (
    "We will {verb} {tech} for {area}, starting with `{service}`.",
    "The {team} team owns the rollout of this change for {project}.",
    "From now on work on {area} follows the new process; exceptions need sign-off from {team}.",
    "`{service}` is the pilot; other services follow once the pilot has run for two weeks.",
)  # fmt: skip
DECISION_CONTEXTS = (
    "Recent incidents on `{service}` showed we lack visibility into {area}.",
    "Costs for {platform} grew {pct}% last quarter.",
    "{team} raised that work on {area} takes too long and blocks {project}.",
    "The current setup for {area} is maintained by one person.",
    "Customers asked for {project} in the last three roadmap reviews.",
    "Audit findings require stricter controls around {area}.",
)  # fmt: skip
DECISION_OUTCOMES = (
    "Expect fewer pages for `{service}` and a faster {project} rollout.",
    "Roughly {pct}% lower spend on {platform} by the end of the quarter.",
    "Teams get one supported path for {area}.",
    "Review in six weeks; roll back if the error budget burns faster.",
    "{team} reports progress in the weekly status update.",
    "Adopted; the first migration finished without customer impact.",
)  # fmt: skip
VERBS = ("adopt", "pilot", "standardise on", "roll out", "evaluate")
DECISION_TAGS = (
    "architecture", "process", "security", "cost", "reliability", "tooling", "hiring",
    "api", "database", "frontend", "mobile", "compliance", "on-call", "release", "vendor",
    "observability", "performance", "data",
)  # fmt: skip
STATUS_TAGS = (
    "weekly", "sprint", "release", "on-call", "migration", "infra", "backend", "frontend",
    "mobile", "data", "security", "planning", "hiring", "docs", "performance",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
# Which fields people edit, as often as they edit them.
EDITED_FIELDS = (
    "title", "outcome", "outcome", "context", "description", "decision_date", "tags",
    "participants",
)  # fmt: skip

VOCABULARY: dict[str, Sequence[str]] = {
    "service": SERVICES,
    "team": TEAMS,
    "project": PROJECTS,
    "platform": PLATFORMS,
    "tech": TECH,
    "area": AREAS,
    "state": STATES,
    "progress": PROGRESS,
    "weekday": WEEKDAYS,
    "metric": METRICS,
    "flag": FLAGS,
    "verb": VERBS,
    "pct": ("5", "10", "15", "20", "25", "30", "40", "50"),
}
NUMBERS: dict[str, tuple[int, int]] = {
    "week": (1, 52),
    "sprint": (10, 140),
    "n": (2, 40),
    "mins": (4, 95),
    "a": (300, 900),
    "b": (80, 290),
}
_FIELDS: dict[str, tuple[str, ...]] = {}


def _placeholders(template: str) -> tuple[str, ...]:
    """The placeholder names in a ``str.format`` template, in order."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


# -- planning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Existing:
    """What the target database already holds that the generated rows must not collide with."""

    max_ids: dict[str, int]
    emails: frozenset[str]
    summary_dates: frozenset[dt.date]


def read_existing(session: Session) -> Existing:
    """Largest id per table, used emails and summarised days of the target database."""
    max_ids: dict[str, int] = {}
    for name in TABLE_ORDER:
        table = _table(name)
        max_ids[name] = int(session.execute(select(func.max(table.c.id))).scalar() or 0)
    emails = frozenset(e.lower() for e in session.execute(select(User.email)).scalars())
    dates = frozenset(session.execute(select(DailySummary.summary_date)).scalars())
    return Existing(max_ids, emails, dates)


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def span_days(scale: int) -> int:
    """How many days back the data reaches: ~90 at scale 1, a few years at large scales."""
    return min(3 * 365, int(90 * math.sqrt(scale)))


def summary_day_count(scale: int) -> int:
    """Days of daily summaries: 7 at scale 1, growing to at most 90."""
    return min(90, 7 * scale)


@dataclass
class _Plan:
    users: int
    status_updates: int
    incidents: int
    blockers: int
    decisions: int
    participants: list[int]
    updates: list[int]
    summary_days: list[dt.date]

    def totals(self) -> dict[str, int]:
        return {
            "users": self.users,
            "status_updates": self.status_updates,
            "incidents": self.incidents,
            "blockers": self.blockers,
            "decisions": self.decisions,
            "decision_participants": sum(self.participants),
            # One "created" entry per decision plus its field updates.
            "decision_audit_log": self.decisions + sum(self.updates),
        }


def _plan(rng: random.Random, scale: int, today: dt.date, existing: Existing) -> _Plan:
    # Scale 1 draws each size inside the spec's sample range; larger scales add a fixed
    # amount per step (users grow sub-linearly: a team does not grow with its history).
    extra = scale - 1
    users = rng.randint(7, 9) + round(11 * math.sqrt(extra))
    decisions = rng.randint(10, 15) + 100 * extra
    participants = rng.choices((2, 3, 4, 5), weights=(35, 35, 20, 10), k=decisions)
    participants = [min(k, users) for k in participants]
    updates = rng.choices((0, 1, 2, 3, 4), weights=(25, 35, 25, 10, 5), k=decisions)
    days = [today - dt.timedelta(days=i) for i in range(1, summary_day_count(scale) + 1)]
    return _Plan(
        users=users,
        status_updates=rng.randint(20, 30) + 25 * extra,
        incidents=rng.randint(6, 10) + 8 * extra,
        blockers=rng.randint(6, 10) + 8 * extra,
        decisions=decisions,
        participants=participants,
        updates=updates,
        summary_days=sorted(d for d in days if d not in existing.summary_dates),
    )


# -- text -----------------------------------------------------------------------------------


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


@dataclass
class _Records:
    """What later tables refer to: ids, times and names of the rows generated so far."""

    user_ids: list[int] = field(default_factory=list)
    active_user_ids: list[int] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    authors: list[int] = field(default_factory=list)
    status_times: list[dt.datetime] = field(default_factory=list)
    status_rows: list[Row] = field(default_factory=list)
    incident_times: list[dt.datetime] = field(default_factory=list)
    incident_rows: list[Row] = field(default_factory=list)
    blocker_rows: list[Row] = field(default_factory=list)


class _Generator:
    """Builds every row from one seeded ``random.Random``; holds no database connection."""

    def __init__(self, existing: Existing, scale: int, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self._random = self.rng.random
        self.existing = existing
        self.scale = scale
        self.now = now.replace(microsecond=0)
        self.today = self.now.date()
        self.span = span_days(scale)
        # A small data set crowds into recent weeks so the summaries have something to show;
        # a large one spreads evenly so that sorting by date means something.
        self.recent_share = 0.3 if scale == 1 else max(0.02, 0.3 / math.sqrt(scale))
        self.plan = _plan(self.rng, scale, self.today, existing)
        self.records = _Records()
        self.next_id = {name: existing.max_ids.get(name, 0) + 1 for name in TABLE_ORDER}

    # -- helpers ----------------------------------------------------------------------------
    def _ids(self, table: str, count: int) -> range:
        start = self.next_id[table]
        self.next_id[table] = start + count
        return range(start, start + count)

    def _pick(self, items: Sequence[T]) -> T:
        """A random element: ``random()`` indexing is several times faster than ``choice``."""
        return items[int(self._random() * len(items))]

    def _number(self, low: int, high: int) -> int:
        return low + int(self._random() * (high - low + 1))

    def _distinct(self, items: Sequence[T], least: int, most: int) -> list[T]:
        """Between ``least`` and ``most`` different elements (a run from a random start)."""
        count = min(self._number(least, most), len(items))
        start = int(self._random() * len(items))
        return [items[(start + step) % len(items)] for step in range(count)]

    def _fill(self, template: str) -> str:
        """Fill a template's placeholders with random vocabulary (only the ones it uses)."""
        names = _FIELDS.get(template)
        if names is None:
            names = _FIELDS[template] = _placeholders(template)
        values: dict[str, object] = {}
        for name in names:
            words = VOCABULARY.get(name)
            if words is not None:
                values[name] = self._pick(words)
            elif name == "version":
                values[name] = f"{self._number(2, 9)}.{self._number(0, 30)}.{self._number(0, 9)}"
            else:
                low, high = NUMBERS[name]
                values[name] = self._number(low, high)
        return template.format_map(values)

    def _moment(self) -> dt.datetime:
        """A working-hours moment in the span, weighted towards the last two weeks."""
        r = self.rng
        recent = r.random() < self.recent_share
        days_back = int(r.random() * (14 if recent else self.span))
        day = self.today - dt.timedelta(days=days_back)
        if day.weekday() >= 5 and r.random() < 0.85:
            day -= dt.timedelta(days=day.weekday() - 4)
        moment = dt.datetime.combine(day, dt.time(7)) + dt.timedelta(
            seconds=self._number(0, 11 * 3600 - 1)
        )
        if moment > self.now:
            moment = self.now - dt.timedelta(seconds=self._number(1, 4 * 3600))
        return moment

    def _later(self, start: dt.datetime, max_hours: float) -> dt.datetime:
        """A moment after ``start`` (at most ``max_hours`` later), never in the future."""
        moment = start + dt.timedelta(seconds=self._number(60, int(max_hours * 3600) + 60))
        return min(moment, self.now)

    def _sorted_moments(self, count: int) -> list[dt.datetime]:
        # Serial ids follow creation order, as they would in a real database.
        return sorted(self._moment() for _ in range(count))

    def _tags(self, pool: Sequence[str], most: int) -> list[str]:
        r = self.rng
        if r.random() < 0.06:
            return []
        return r.sample(pool, self._number(1, most))

    # -- tables -----------------------------------------------------------------------------
    def users(self) -> list[Row]:
        r = self.rng
        count = self.plan.users
        combos = len(FIRST_NAMES) * len(LAST_NAMES)
        picks = (
            r.sample(range(combos), count)
            if count <= combos
            else [r.randrange(combos) for _ in range(count)]
        )
        # The first few users are admins and the next few deactivated (one at scale 1): a
        # deactivated account keeps the history it wrote, as users are never deleted.
        inactive = max(1, count // 20)
        admins = max(2, count // 20)
        password_hash = bcrypt.hashpw(
            DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=DEMO_BCRYPT_ROUNDS)
        ).decode()
        taken = set(self.existing.emails)
        start = self.now - dt.timedelta(days=self.span + 60)
        rows: list[Row] = []
        for index, (user_id, pick) in enumerate(zip(self._ids("users", count), picks, strict=True)):
            first = FIRST_NAMES[pick // len(LAST_NAMES)]
            last = LAST_NAMES[pick % len(LAST_NAMES)]
            email = _unique_email(first, last, taken)
            created = start + dt.timedelta(minutes=r.randrange(0, 60 * 24 * 50))
            is_active = not (admins <= index < admins + inactive)
            updated = created if is_active else self._later(created, 24 * self.span)
            rows.append(
                {
                    "id": user_id,
                    "email": email,
                    "password_hash": password_hash,
                    "full_name": f"{first} {last}",
                    "role": Role.ADMIN.value if index < admins else Role.MEMBER.value,
                    "is_active": is_active,
                    "created_at": created,
                    "updated_at": updated,
                }
            )
            self.records.user_ids.append(user_id)
            self.records.names[user_id] = f"{first} {last}"
            if is_active:
                self.records.active_user_ids.append(user_id)
            # Some people write much more than others.
            self.records.authors.extend([user_id] * self._number(1, 5))
        return rows

    def status_updates(self) -> list[Row]:
        r = self.rng
        times = self._sorted_moments(self.plan.status_updates)
        rows: list[Row] = []
        for su_id, created in zip(self._ids("status_updates", len(times)), times, strict=True):
            row: Row = {
                "id": su_id,
                "user_id": self._pick(self.records.authors),
                "title": _clip(self._fill(self._pick(STATUS_TITLES)), LIMITS["title"]),
                "content": _clip(self._status_markdown(), LIMITS["status_content"]),
                "tags": self._tags(STATUS_TAGS, 4),
                "created_at": created,
                "updated_at": created if r.random() < 0.8 else self._later(created, 6),
            }
            rows.append(row)
        self.records.status_times = times
        self.records.status_rows = rows
        return rows

    def _status_markdown(self) -> str:
        r = self.rng
        fill = self._fill
        if r.random() < 0.25:
            # Some people write a short paragraph instead of a structured update.
            return " ".join(fill(t) + "." for t in self._distinct(DONE_ITEMS, 2, 4))
        parts = [f"## Summary\n\n{_capitalised(fill(self._pick(SUMMARY_LINES)))}"]
        done = "\n".join(f"- {fill(t)}" for t in self._distinct(DONE_ITEMS, 1, 4))
        parts.append(f"**Done**\n\n{done}")
        nxt = "\n".join(f"- {fill(t)}" for t in self._distinct(NEXT_ITEMS, 1, 3))
        parts.append(f"**Next**\n\n{nxt}")
        if r.random() < 0.5:
            parts.append(f"**Risks**\n\n- {fill(self._pick(RISKS))}")
        if r.random() < 0.3:
            slug = self._pick(SERVICES)
            parts.append(f"Runbook: [{slug}](https://wiki.example.com/runbooks/{slug})")
        return "\n\n".join(parts)

    def incidents(self) -> list[Row]:
        r = self.rng
        times = self._sorted_moments(self.plan.incidents)
        severities = r.choices([s.value for s in Severity], weights=(30, 40, 22, 8), k=len(times))
        statuses = [self._incident_status(created) for created in times]
        if self.scale == 1:
            # The small data set is for looking at: show every severity and every status.
            _cover(r, severities, [s.value for s in Severity])
            _cover(r, statuses, [s.value for s in IncidentStatus])
        rows: list[Row] = []
        ids = self._ids("incidents", len(times))
        for inc_id, created, severity, status in zip(ids, times, severities, statuses, strict=True):
            rows.append(self._incident(inc_id, created, severity, status))
        self.records.incident_times = times
        self.records.incident_rows = rows
        return rows

    def _incident_status(self, created: dt.datetime) -> str:
        # Recent incidents are mostly still being worked on; old ones are mostly closed.
        age = (self.now - created).days
        if age < 3:
            weights = (45, 40, 10, 5)
        elif age < 21:
            weights = (15, 25, 35, 25)
        else:
            weights = (2, 3, 30, 65)
        return self.rng.choices([s.value for s in IncidentStatus], weights=weights)[0]

    def _incident(self, inc_id: int, created: dt.datetime, severity: str, status: str) -> Row:
        r = self.rng
        fill = self._fill
        service = self._pick(SERVICES)
        title = f"`{service}` {self._pick(SYMPTOMS)}"
        description = " ".join(
            (
                f"Alerts fired at {created:%H:%M} UTC.",
                fill(self._pick(IMPACTS)),
                fill(self._pick(OBSERVATIONS)),
                fill(self._pick(ACTIONS)),
            )
        )
        finished = status in (IncidentStatus.RESOLVED.value, IncidentStatus.CLOSED.value)
        assigned_p = 0.35 if status == IncidentStatus.OPEN.value else 0.92
        assignee = self._pick(self.records.active_user_ids) if r.random() < assigned_p else None
        resolved_at = None
        notes = None
        updated = self._later(created, 2)
        if finished:
            # Critical incidents get fixed within hours, low ones can take days.
            hours = {"critical": 6, "high": 24, "medium": 72, "low": 240}[severity]
            resolved_at = self._later(created, hours)
            cause, fix = self._pick(CAUSES_AND_FIXES)
            notes = " ".join(
                (
                    f"Root cause: {fill(cause)}.",
                    f"Fixed by {fill(fix)}.",
                    f"Follow-up: {fill(self._pick(FOLLOW_UPS))}.",
                )
            )
            updated = (
                self._later(resolved_at, 72)
                if status == IncidentStatus.CLOSED.value
                else resolved_at
            )
        return {
            "id": inc_id,
            "reported_by_id": self._pick(self.records.authors),
            "assigned_to_id": assignee,
            "title": _clip(title, LIMITS["title"]),
            "description": _clip(description, LIMITS["incident_description"]),
            "severity": severity,
            "status": status,
            "resolution_notes": notes,
            "created_at": created,
            "updated_at": updated,
            "resolved_at": resolved_at,
        }

    def blockers(self) -> list[Row]:
        r = self.rng
        times = self._sorted_moments(self.plan.blockers)
        rows: list[Row] = []
        for blk_id, created in zip(self._ids("blockers", len(times)), times, strict=True):
            age = (self.now - created).days
            resolved = r.random() < (0.2 if age < 7 else 0.9)
            rows.append(self._blocker(blk_id, created, resolved))
        if self.scale == 1 and rows:
            # Show both states and both kinds of link in the small data set.
            if all(row["status"] == BlockerStatus.ACTIVE.value for row in rows):
                rows[0] = self._blocker(rows[0]["id"], rows[0]["created_at"], True)
            if all(row["status"] == BlockerStatus.RESOLVED.value for row in rows):
                rows[-1] = self._blocker(rows[-1]["id"], rows[-1]["created_at"], False)
            if all(row["related_status_id"] is None for row in rows):
                rows[-1]["related_status_id"] = self._status_link(
                    rows[-1]["created_at"], force=True
                )
            if all(row["related_incident_id"] is None for row in rows):
                rows[-1]["related_incident_id"] = self._incident_link(
                    rows[-1]["created_at"], force=True
                )
        self.records.blocker_rows = rows
        return rows

    def _blocker(self, blk_id: int, created: dt.datetime, resolved: bool) -> Row:
        fill = self._fill
        incident_id = self._incident_link(created)
        description = fill(self._pick(BLOCKER_TEMPLATES))
        if incident_id is not None:
            incident = self.records.incident_rows[incident_id - self.records.incident_rows[0]["id"]]
            description = f"Follow-up work waits on the fix for {incident['title']}. {description}"
        resolved_at = self._later(created, 24 * 10) if resolved else None
        return {
            "id": blk_id,
            "reported_by_id": self._pick(self.records.authors),
            "description": _clip(description, LIMITS["blocker_description"]),
            "impact": _clip(fill(self._pick(BLOCKER_IMPACTS)), LIMITS["blocker_impact"]),
            "status": BlockerStatus.RESOLVED.value if resolved else BlockerStatus.ACTIVE.value,
            "resolution_notes": fill(self._pick(BLOCKER_RESOLUTIONS)) if resolved else None,
            "related_status_id": self._status_link(created),
            "related_incident_id": incident_id,
            "created_at": created,
            "updated_at": resolved_at or self._later(created, 4),
            "resolved_at": resolved_at,
        }

    def _status_link(self, created: dt.datetime, *, force: bool = False) -> int | None:
        return self._recent_before(
            self.records.status_times, self.records.status_rows, created, 0.5, force
        )

    def _incident_link(self, created: dt.datetime, *, force: bool = False) -> int | None:
        return self._recent_before(
            self.records.incident_times, self.records.incident_rows, created, 0.35, force
        )

    def _recent_before(
        self,
        times: list[dt.datetime],
        rows: list[Row],
        moment: dt.datetime,
        probability: float,
        force: bool,
    ) -> int | None:
        """Id of one of the last few records created before ``moment`` (a blocker's cause)."""
        if not force and self.rng.random() >= probability:
            return None
        end = bisect.bisect_right(times, moment)
        if end == 0:
            return None
        return int(rows[self._number(max(0, end - 30), end - 1)]["id"])

    def decision_chunks(self) -> Iterator[Batch]:
        """Decisions with their participants and audit history, a chunk per transaction."""
        plan = self.plan
        times = self._sorted_moments(plan.decisions)
        ids = self._ids("decisions", plan.decisions)
        for start in range(0, plan.decisions, DECISIONS_PER_CHUNK):
            decisions: list[Row] = []
            participants: list[Row] = []
            audit: list[Row] = []
            for index in range(start, min(start + DECISIONS_PER_CHUNK, plan.decisions)):
                row = self._decision(
                    ids[index], times[index], plan.participants[index], plan.updates[index]
                )
                decision, people, history = row
                decisions.append(decision)
                participants.extend(people)
                audit.extend(history)
            yield (
                ("decisions", decisions),
                ("decision_participants", participants),
                ("decision_audit_log", audit),
            )

    def _decision(
        self, dec_id: int, created: dt.datetime, participant_count: int, update_count: int
    ) -> tuple[Row, list[Row], list[Row]]:
        fill = self._fill
        creator = self._pick(self.records.authors)
        people = self.rng.sample(self.records.user_ids, participant_count)
        if creator not in people and self._random() < 0.7:
            people[0] = creator
        # The record is often written up a day or two after the meeting.
        decision_date = (created - dt.timedelta(days=self._pick((0, 0, 0, 1, 2)))).date()
        values: dict[str, Any] = {
            "title": _clip(fill(self._pick(DECISION_TITLES)), LIMITS["title"]),
            "description": self._sentences(DECISION_DESCRIPTIONS, 1, 3),
            "context": self._sentences(DECISION_CONTEXTS, 1, 3),
            "outcome": self._sentences(DECISION_OUTCOMES, 1, 2),
            "decision_date": decision_date,
            "tags": self._tags(DECISION_TAGS, 3),
            "participants": sorted(people),
        }
        # The same audit format DecisionService writes: the "created" row holds the initial
        # state as JSON, each "updated" row one field's old and new value, so replaying the
        # log rebuilds the current row.
        snapshot = created_snapshot(values, people)
        history: list[Row] = [_audit(dec_id, creator, "created", None, None, snapshot, created)]
        changed_at = created
        editors = [creator, *people]
        for _ in range(update_count):
            name = self._pick(EDITED_FIELDS)
            if name == "participants" and len(people) >= len(self.records.user_ids):
                name = "outcome"  # everyone already takes part: nobody to swap in
            old = values[name]
            new = self._revised(name, old)
            changed_at = self._later(changed_at, 24 * 5)
            history.append(
                _audit(
                    dec_id,
                    self._pick(editors),
                    "updated",
                    name,
                    audit_value(name, old),
                    audit_value(name, new),
                    changed_at,
                )
            )
            values[name] = new
        decision: Row = {
            "id": dec_id,
            "created_by_id": creator,
            "title": values["title"],
            "description": values["description"],
            "context": values["context"],
            "outcome": values["outcome"],
            "decision_date": values["decision_date"],
            "tags": values["tags"],
            "created_at": created,
            "updated_at": changed_at,
            # One save per audited change, as the service counts them.
            "version": 1 + update_count,
        }
        members = values["participants"]
        participants = [
            {"id": pid, "decision_id": dec_id, "user_id": user_id, "created_at": created}
            for pid, user_id in zip(
                self._ids("decision_participants", len(members)), members, strict=True
            )
        ]
        for audit_id, entry in zip(
            self._ids("decision_audit_log", len(history)), history, strict=True
        ):
            entry["id"] = audit_id
        return decision, participants, history

    def _sentences(self, pool: Sequence[str], least: int, most: int) -> str:
        text_ = " ".join(self._fill(t) for t in self._distinct(pool, least, most))
        return _clip(text_, LIMITS["decision_text"])

    def _revised(self, name: str, old: Any) -> Any:
        """A plausible edited value of a decision field, different from ``old``."""
        if name == "decision_date":
            return old - dt.timedelta(days=self._number(1, 5))
        if name == "title":
            new = _clip(self._fill(self._pick(DECISION_TITLES)), LIMITS["title"])
            return new if new != old else _clip(f"{old} (revised)", LIMITS["title"])
        if name == "outcome":
            return self._sentences(DECISION_OUTCOMES, 1, 2) + " (updated after review)"
        if name == "tags":
            unused = [tag for tag in DECISION_TAGS if tag not in old]
            if old and (len(old) >= 3 or self._random() < 0.4):
                dropped = self._pick(old)
                return [tag for tag in old if tag != dropped]
            return [*old, self._pick(unused)]
        if name == "participants":
            # Someone hands their seat to a colleague; the count stays as planned.
            outsiders = [u for u in self.records.user_ids if u not in old]
            leaving = self._pick(old)
            return sorted([u for u in old if u != leaving] + [self._pick(outsiders)])
        extra = self._fill(
            self._pick(DECISION_CONTEXTS if name == "context" else DECISION_DESCRIPTIONS)
        )
        return _clip(f"{old} {extra}", LIMITS["decision_text"])


def _cover(rng: random.Random, values: list[str], required: Sequence[str]) -> None:
    """Make every value of ``required`` appear in ``values`` (when there is room)."""
    if len(values) < len(required):
        return
    for wanted in required:
        if wanted in values:
            continue
        counts = {v: values.count(v) for v in set(values)}
        spare = [i for i, v in enumerate(values) if counts[v] > 1]
        values[rng.choice(spare)] = wanted


def _audit(
    decision_id: int,
    user_id: int,
    change_type: str,
    field_name: str | None,
    old: str | None,
    new: str | None,
    changed_at: dt.datetime,
) -> Row:
    return {
        "decision_id": decision_id,
        "changed_by_id": user_id,
        "change_type": change_type,
        "field_name": field_name,
        "old_value": old,
        "new_value": new,
        "changed_at": changed_at,
    }


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _unique_email(first: str, last: str, taken: set[str]) -> str:
    local = f"{first}.{last}".lower().replace("é", "e")
    email = f"{local}@example.com"
    number = 2
    while email in taken:
        email = f"{local}{number}@example.com"
        number += 1
    taken.add(email)
    return email


def _batched(table: str, rows: list[Row]) -> Iterator[Batch]:
    for start in range(0, len(rows), BATCH_ROWS):
        yield ((table, rows[start : start + BATCH_ROWS]),)


@dataclass
class DemoRows:
    """The planned row counts per table, the batches that produce them and the summary days."""

    totals: dict[str, int]
    batches: Iterator[Batch]
    summary_days: list[dt.date]
    """Days to compute summaries for once the rows are in (days already summarised skipped)."""


def iter_batches(
    existing: Existing, *, scale: int = 1, seed: int = 1, now: dt.datetime | None = None
) -> DemoRows:
    """Plan the demo rows for a database holding ``existing`` and stream them in batches."""
    if scale < 1:
        raise ValidationError("scale", "must be 1 or more")
    generator = _Generator(existing, scale, seed, now or utcnow())
    totals = generator.plan.totals()

    def stream() -> Iterator[Batch]:
        yield from _batched("users", generator.users())
        yield from _batched("status_updates", generator.status_updates())
        yield from _batched("incidents", generator.incidents())
        yield from _batched("blockers", generator.blockers())
        yield from generator.decision_chunks()

    return DemoRows(totals, stream(), list(generator.plan.summary_days))


def generate(
    database: Database,
    *,
    scale: int = 1,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    now: dt.datetime | None = None,
    summaries: bool = True,
) -> dict[str, int]:
    """Fill ``database`` with sample data; returns rows inserted per table.

    ``now`` pins the clock the data is spread back from (the benchmark loads identical rows
    twice); it defaults to the current UTC time. ``summaries=False`` leaves the daily
    summaries out (the benchmark times their computation separately).
    """
    with database.read() as session:
        existing = read_existing(session)
    now = now or utcnow()
    demo = iter_batches(existing, scale=scale, seed=seed, now=now)
    summary_days = demo.summary_days if summaries else []
    total = sum(demo.totals.values()) + len(summary_days)
    done = 0
    if progress is not None:
        progress(0, total)
    for batch in demo.batches:
        with database.write() as session:
            connection = session.connection()
            for table, rows in batch:
                if rows:
                    connection.execute(insert(_table(table)), rows)
        done += sum(len(rows) for _, rows in batch)
        if progress is not None:
            progress(done, total)
    with database.write() as session:
        _after_bulk_load(session)
    # After ANALYZE, so the summary queries run with the statistics of the loaded volume.
    with database.write() as session:
        for day in summary_days:
            store_summary(session, day, now=now)
            done += 1
            if progress is not None:
                progress(done, total)
    return {**demo.totals, "daily_summaries": len(summary_days)}


def _after_bulk_load(session: Session) -> None:
    """Move PostgreSQL sequences past the explicit ids and refresh planner statistics."""
    if session.get_bind().dialect.name == "postgresql":
        for name in TABLE_ORDER:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {name}"
                )
            )
    # Statistics for the new volume now, not when autovacuum gets round to it (PostgreSQL)
    # or never (SQLite). bench/ checks that the paging queries keep their index plans.
    session.execute(text("ANALYZE"))
