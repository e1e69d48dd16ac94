"""Mapped classes: the eight tables of the schema spec.

Dialect differences are confined to the column types from ``asyncops_desktop.dialect``:
``TEXT[]``/``JSONB`` on PostgreSQL, JSON text on SQLite. Full-text search objects (a
generated ``tsvector`` on PostgreSQL, an FTS5 table on SQLite) and the ``updated_at``
triggers are created by the migrations, not declared here.

The spec marks ``reported_by_id``, ``created_by_id`` and ``changed_by_id`` both NOT NULL and
ON DELETE SET NULL, which cannot both hold. We keep NOT NULL (history must name its author)
and use ON DELETE RESTRICT: a user who owns content is deactivated, never deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from asyncops_desktop.dialect import JsonDocument, TagList
from asyncops_desktop.domain.enums import (
    BlockerStatus,
    ChangeType,
    DecisionStatus,
    IncidentStatus,
    Role,
    Severity,
    sql_in,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Current UTC time as the naive ``TIMESTAMP`` the schema stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so constraint names match on both backends."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Tables whose rows are deleted outright: on SQLite their ids are never handed out again
# (AUTOINCREMENT, revision 0006); PostgreSQL sequences never go back anyway.
NEVER_REUSE_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


def _created_at() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(), nullable=False, default=utcnow, server_default=func.now())


def _version() -> Mapped[int]:
    return mapped_column(Integer, nullable=False, default=1, server_default="1")


def _updated_at() -> Mapped[dt.datetime]:
    return mapped_column(
        DateTime(), nullable=False, default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class User(Base):
    """A person who signs in; deactivated rather than deleted once they own content."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    full_name: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(
        String(20), nullable=False, default=Role.MEMBER.value, server_default=Role.MEMBER.value
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()
    # Added by revision 0002: set for generated or reset passwords until the user picks one.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    __table_args__ = (
        CheckConstraint(f"role IN ({sql_in(Role)})", name="role"),
        Index("idx_users_email", "email", unique=True),
        Index("idx_users_role", "role"),
    )


class StatusUpdate(Base):
    """A markdown status update posted by a team member."""

    __tablename__ = "status_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    tags: Mapped[list[str] | None] = mapped_column(TagList, nullable=True)
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()
    version: Mapped[int] = _version()

    __table_args__ = (
        Index("idx_status_updates_user_id", "user_id"),
        Index("idx_status_updates_created_at", created_at.desc()),
        Index("idx_status_updates_tags", "tags", postgresql_using="gin"),
        NEVER_REUSE_IDS,
    )


class Incident(Base):
    """An incident report with severity and a status workflow."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reported_by_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False
    )
    assigned_to_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str] = mapped_column(
        String(20), nullable=False, default=Severity.MEDIUM.value, server_default="medium"
    )
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=IncidentStatus.OPEN.value, server_default="open"
    )
    resolution_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(), nullable=True)
    version: Mapped[int] = _version()

    __table_args__ = (
        CheckConstraint(f"severity IN ({sql_in(Severity)})", name="severity"),
        CheckConstraint(f"status IN ({sql_in(IncidentStatus)})", name="status"),
        Index("idx_incidents_reported_by", "reported_by_id"),
        Index("idx_incidents_assigned_to", "assigned_to_id"),
        Index("idx_incidents_status", "status"),
        Index("idx_incidents_severity", "severity"),
        Index("idx_incidents_created_at", created_at.desc()),
        Index("idx_incidents_status_severity", "status", "severity"),
        # Revision 0005: daily summaries range over resolved_at.
        Index("idx_incidents_resolved_at", "resolved_at"),
    )


class Blocker(Base):
    """Something preventing progress, optionally linked to a status update or an incident."""

    __tablename__ = "blockers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reported_by_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False
    )
    description: Mapped[str] = mapped_column(Text, nullable=False)
    impact: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=BlockerStatus.ACTIVE.value, server_default="active"
    )
    resolution_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    related_status_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("status_updates.id", ondelete="SET NULL"), nullable=True
    )
    related_incident_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(), nullable=True)
    version: Mapped[int] = _version()

    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(BlockerStatus)})", name="status"),
        Index("idx_blockers_reported_by", "reported_by_id"),
        Index("idx_blockers_status", "status"),
        Index("idx_blockers_created_at", created_at.desc()),
        Index("idx_blockers_related_status", "related_status_id"),
        Index("idx_blockers_related_incident", "related_incident_id"),
        # Revision 0005: daily summaries range over resolved_at.
        Index("idx_blockers_resolved_at", "resolved_at"),
    )


class Decision(Base):
    """A recorded team decision with context and outcome."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    context: Mapped[str] = mapped_column(Text, nullable=False)
    outcome: Mapped[str] = mapped_column(Text, nullable=False)
    decision_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    tags: Mapped[list[str] | None] = mapped_column(TagList, nullable=True)
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()
    # Added by revision 0003 (lifecycle, soft delete, optimistic concurrency).
    status: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        default=DecisionStatus.ACCEPTED.value,
        server_default=DecisionStatus.ACCEPTED.value,
    )
    superseded_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("decisions.id", ondelete="SET NULL"), nullable=True
    )
    review_by: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(), nullable=True)
    version: Mapped[int] = _version()

    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(DecisionStatus)})", name="status"),
        Index("idx_decisions_created_by", "created_by_id"),
        Index("idx_decisions_decision_date", decision_date.desc()),
        Index("idx_decisions_tags", "tags", postgresql_using="gin"),
        Index("idx_decisions_status", "status"),
        Index("idx_decisions_review_by", "review_by"),
        Index("idx_decisions_superseded_by", "superseded_by_id"),
    )


class DecisionParticipant(Base):
    """Junction row: a user took part in a decision."""

    __tablename__ = "decision_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[dt.datetime] = _created_at()

    __table_args__ = (
        UniqueConstraint("decision_id", "user_id", name="uq_decision_participants_decision_user"),
        Index("idx_decision_participants_decision", "decision_id"),
        Index("idx_decision_participants_user", "user_id"),
        NEVER_REUSE_IDS,
    )


class DecisionAuditEntry(Base):
    """One field-level change to a decision."""

    __tablename__ = "decision_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False
    )
    changed_by_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False
    )
    change_type: Mapped[str] = mapped_column(String(20), nullable=False)
    field_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    changed_at: Mapped[dt.datetime] = _created_at()

    __table_args__ = (
        CheckConstraint(f"change_type IN ({sql_in(ChangeType)})", name="change_type"),
        Index("idx_decision_audit_decision", "decision_id"),
        Index("idx_decision_audit_changed_by", "changed_by_id"),
        Index("idx_decision_audit_changed_at", changed_at.desc()),
    )


class DailySummary(Base):
    """The computed summary of one day."""

    __tablename__ = "daily_summaries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    summary_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    content: Mapped[dict[str, object]] = mapped_column(JsonDocument, nullable=False)
    status_updates_count: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    incidents_count: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    blockers_count: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    decisions_count: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    generated_at: Mapped[dt.datetime] = _created_at()
    created_at: Mapped[dt.datetime] = _created_at()

    __table_args__ = (
        Index("idx_daily_summaries_date", summary_date.desc(), unique=True),
        Index("idx_daily_summaries_generated_at", generated_at.desc()),
    )


class SignInThrottle(Base):
    """Failed sign-ins per email, so a lock survives a restart of the app."""

    __tablename__ = "sign_in_throttle"

    email: Mapped[str] = mapped_column(String(255), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(), nullable=True)
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(), nullable=True)


class RememberToken(Base):
    """A "keep me signed in" token: only its SHA-256 is stored; the token lives in the keyring."""

    __tablename__ = "remember_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = _created_at()
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(), nullable=True)

    __table_args__ = (
        Index("idx_remember_tokens_hash", "token_hash", unique=True),
        Index("idx_remember_tokens_user", "user_id"),
        NEVER_REUSE_IDS,
    )


class OfflineSnapshotInfo(Base):
    """Revision 0004: what an offline snapshot file was taken from (one row, only in snapshots)."""

    __tablename__ = "offline_snapshot_info"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(500), nullable=False)
    source_profile: Mapped[str | None] = mapped_column(String(100), nullable=True)
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)
    schema_revision: Mapped[str] = mapped_column(String(32), nullable=False)
    filters: Mapped[str] = mapped_column(Text, nullable=False)
    owner_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    owner_role: Mapped[str | None] = mapped_column(String(20), nullable=True)


class OfflinePendingChange(Base):
    """Revision 0004: an edit made offline in a snapshot, waiting to be synced."""

    __tablename__ = "offline_pending_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_uid: Mapped[str] = mapped_column(String(36), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    decision_id: Mapped[int] = mapped_column(Integer, nullable=False)
    new_decision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    before: Mapped[str] = mapped_column(Text, nullable=False)
    made_at: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)
    made_by_id: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(
        String(20), nullable=False, default="pending", server_default="pending"
    )
    # False once a refresh replaced the local rows with the server's (conflicts kept to resolve).
    local_effects: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    server_decision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    conflict: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("idx_offline_pending_changes_uid", "change_uid", unique=True),
        Index("idx_offline_pending_changes_decision", "decision_id"),
        NEVER_REUSE_IDS,
    )


class DecisionOfflineChange(Base):
    """Revision 0004, on the server: an offline change that was synced (makes sync idempotent)."""

    __tablename__ = "decision_offline_changes"

    change_uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False
    )
    changed_by_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    made_at: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)
    synced_at: Mapped[dt.datetime] = _created_at()

    __table_args__ = (Index("idx_decision_offline_changes_decision", "decision_id"),)


TABLES_WITH_UPDATED_AT = ("users", "status_updates", "incidents", "blockers", "decisions")
