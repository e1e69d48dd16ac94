"""``db grant-sql``: the SQL an admin runs to give the app a least-privilege PostgreSQL role.

The role can read and change the app's data but not the schema (no CREATE, not an owner),
and it can only INSERT and SELECT the decision audit log, so history cannot be rewritten
even by a client that bypasses the services. The output never contains a real secret: a
login role gets a placeholder password the admin replaces before running it.
"""

from __future__ import annotations

import re

from asyncops_desktop.dialect import LIVE_SEARCH_TABLE
from asyncops_desktop.domain.errors import ValidationError

AUDIT_TABLE = "decision_audit_log"
# The migrations' own bookkeeping: the app reads the revision, only the owner migrates.
READ_ONLY_TABLES = ("alembic_version",)
PASSWORD_PLACEHOLDER = "REPLACE-WITH-A-STRONG-PASSWORD"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_tables() -> list[str]:
    """The tables the app reads and writes, in dependency order."""
    from asyncops_desktop.domain.models import Base

    return [table.name for table in Base.metadata.sorted_tables]


def _identifier(field: str, value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValidationError(
            field, "must be a lower-case SQL name: letters, digits and _, at most 63 characters"
        )
    return value


def grant_sql(role: str, *, login: bool = False, schema: str = "public") -> str:
    """The SQL creating ``role`` with just the privileges the app needs on ``schema``."""
    role = _identifier("role", role)
    schema = _identifier("schema", schema)
    tables = app_tables()
    data_tables = ", ".join(f"{schema}.{name}" for name in tables if name != AUDIT_TABLE)
    read_only = ", ".join(f"{schema}.{name}" for name in READ_ONLY_TABLES)
    if login:
        create = (
            f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD_PLACEHOLDER}';\n"
            "-- Replace the placeholder above before running this, and keep the real password\n"
            "-- out of files and shell history (psql's \\password command asks for it).\n"
        )
    else:
        create = (
            f"CREATE ROLE {role} NOLOGIN;\n"
            f"-- A group role: give it to each person's login role with GRANT {role} TO alice;\n"
        )
    return (
        f"-- AsyncOps Desktop: least-privilege role {role}.\n"
        "-- Run as the database owner, connected to the app's database, after\n"
        "-- 'asyncops-desktop db upgrade' (the owner, not this role, runs migrations).\n"
        "BEGIN;\n"
        f"{create}"
        "DO $$ BEGIN\n"
        f"  EXECUTE format('GRANT CONNECT ON DATABASE %I TO {role}', current_database());\n"
        "END $$;\n"
        "-- Nobody but the owner may create objects in the app's schema.\n"
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;\n"
        f"GRANT USAGE ON SCHEMA {schema} TO {role};\n"
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {data_tables} TO {role};\n"
        "-- Search counts read the live decisions' search vectors (a trigger writes them).\n"
        f"GRANT SELECT ON {schema}.{LIVE_SEARCH_TABLE} TO {role};\n"
        "-- History is append-only: no UPDATE, DELETE or TRUNCATE on the audit log.\n"
        f"GRANT SELECT, INSERT ON {schema}.{AUDIT_TABLE} TO {role};\n"
        f"GRANT SELECT ON {read_only} TO {role};\n"
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role};\n"
        "COMMIT;\n"
    )
