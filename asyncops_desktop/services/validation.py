"""Input rules shared by the services: lengths from the spec, enums, tags, emails, dates.

Every failure is a ``ValidationError`` naming the field and the rule. Text is stored exactly
as given once it passes (no silent trimming of content), except where noted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from asyncops_desktop.domain.errors import ValidationError

E = TypeVar("E", bound=StrEnum)

# Limits from the schema spec ("enforced in application").
TITLE_MAX = 200
STATUS_CONTENT_MAX = 10_000
INCIDENT_DESCRIPTION_MAX = 5_000
BLOCKER_DESCRIPTION_MAX = 2_000
BLOCKER_IMPACT_MAX = 1_000
DECISION_TEXT_MAX = 5_000
NAME_MAX = 255
EMAIL_MAX = 255
# Not in the spec: resolution notes share the description limit of their record.
RESOLUTION_NOTES_MAX = 5_000
TAG_MAX = 50
TAGS_MAX = 20
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def text(field: str, value: object, max_length: int, *, required: bool = True) -> str:
    """A text field: a string within ``max_length`` characters that both databases can store."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    if required and not value.strip():
        raise ValidationError(field, "is required")
    if len(value) > max_length:
        raise ValidationError(
            field, f"must be at most {max_length:,} characters (it has {len(value):,})"
        )
    storable(field, value)
    return value


def optional_text(field: str, value: object, max_length: int) -> str | None:
    """Like ``text`` but None (or blank) means "not set"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return text(field, value, max_length)


def storable(field: str, value: str) -> None:
    """Reject what PostgreSQL or UTF-8 cannot hold: NUL characters and unpaired surrogates."""
    if "\x00" in value:
        raise ValidationError(field, "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(field, "contains characters that are not valid Unicode") from None


def choice(field: str, value: object, allowed: type[E]) -> E:
    """An enum value given as the enum or its string."""
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return allowed(value)
    except ValueError:
        options = ", ".join(member.value for member in allowed)
        raise ValidationError(field, f"must be one of {options}") from None


def tags(field: str, values: Iterable[object] | None) -> list[str]:
    """Tags: trimmed, non-empty, unique (first spelling kept), each short, not too many."""
    if values is None:
        return []
    if isinstance(values, str):
        raise ValidationError(field, "must be a list of tags, not one string")
    if isinstance(values, bytes | bytearray | Mapping) or not isinstance(values, Iterable):
        raise ValidationError(field, "must be a list of tags")
    result: list[str] = []
    seen: set[str] = set()
    for raw in values:
        if not isinstance(raw, str):
            raise ValidationError(field, "each tag must be text")
        tag = raw.strip()
        if not tag:
            raise ValidationError(field, "tags must not be empty")
        if len(tag) > TAG_MAX:
            raise ValidationError(field, f"each tag must be at most {TAG_MAX} characters")
        storable(field, tag)
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            result.append(tag)
    if len(result) > TAGS_MAX:
        raise ValidationError(field, f"at most {TAGS_MAX} tags")
    return result


def email(field: str, value: object) -> str:
    """An email address, stored lower-case so lookups use the unique index."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    address = value.strip().lower()
    if not address:
        raise ValidationError(field, "is required")
    if len(address) > EMAIL_MAX:
        raise ValidationError(field, f"must be at most {EMAIL_MAX} characters")
    storable(field, address)
    if not _EMAIL.match(address):
        raise ValidationError(field, "must look like name@example.com")
    return address


def date(field: str, value: object) -> dt.date:
    """A calendar date between 1900 and 2999."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError(field, "must be a date")
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(field, f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


def identifier(field: str, value: object) -> int:
    """A record id: a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, "must be a record id (a positive whole number)")
    if value > 2**31 - 1:
        raise ValidationError(field, "refers to a record that does not exist")
    return value


def identifiers(field: str, values: object) -> list[int]:
    """A list of record ids (any iterable of them, not text or a single number)."""
    if isinstance(values, str | bytes | bytearray | Mapping) or not isinstance(values, Iterable):
        raise ValidationError(field, "must be a list of record ids")
    return [identifier(field, value) for value in values]
