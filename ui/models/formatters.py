"""Text for lists and editors: counts, relative and exact times, durations, enum labels.

Nothing here imports Qt, so the rules are tested as plain functions. The database stores
naive UTC timestamps (``domain.models.utcnow``); every function here takes them as such and
shows local time to people.
"""

from __future__ import annotations

import datetime as dt

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
# Beyond this a calendar date reads better than "47 d ago".
RELATIVE_LIMIT = dt.timedelta(days=30)

SEVERITY_LABELS = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
INCIDENT_STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "closed": "Closed",
}
BLOCKER_STATUS_LABELS = {"active": "Active", "resolved": "Resolved"}


def utc_now() -> dt.datetime:
    """The current time as the naive UTC value the database stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def count_text(count: int, singular: str, plural: str | None = None) -> str:
    """``1 incident``, ``1,204 incidents``, ``0 incidents``."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"


def to_local(moment: dt.datetime) -> dt.datetime:
    """A stored naive UTC time as an aware local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone()


def exact_time(moment: dt.datetime | None) -> str:
    """The exact local time, e.g. ``Tue 3 Mar 2026, 14:05 CET``."""
    if moment is None:
        return ""
    local = to_local(moment)
    zone = local.strftime("%Z") or local.strftime("%z")
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {zone}".rstrip()


def short_date(moment: dt.datetime) -> str:
    """A local calendar date, e.g. ``3 Mar 2026``."""
    local = to_local(moment)
    return f"{local.day} {local:%b %Y}"


def relative_time(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``yesterday``, ``4 d ago``, or a date."""
    if moment is None:
        return ""
    now = now or utc_now()
    seconds = (now - moment).total_seconds()
    if seconds < MINUTE:
        # Also covers a little clock skew between this machine and the server.
        return "just now"
    if seconds < HOUR:
        return f"{int(seconds // MINUTE)} min ago"
    if seconds < DAY:
        return f"{int(seconds // HOUR)} h ago"
    if seconds < 2 * DAY:
        return "yesterday"
    if now - moment < RELATIVE_LIMIT:
        return f"{int(seconds // DAY)} d ago"
    return short_date(moment)


def duration_text(span: dt.timedelta) -> str:
    """A compact duration with its two largest units: ``45 min``, ``3 h 20 min``, ``12 d 4 h``."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < MINUTE:
        return "under a minute"
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes = rest // MINUTE
    if days:
        return f"{days} d {hours} h" if hours and days < 10 else f"{days} d"
    if hours:
        # Minutes stop mattering once it has been many hours.
        return f"{hours} h {minutes} min" if minutes and hours < 10 else f"{hours} h"
    return f"{minutes} min"


def active_for_text(
    created_at: dt.datetime, resolved_at: dt.datetime | None, now: dt.datetime | None = None
) -> str:
    """How long a blocker has been (or was) in the way: ``3 d 4 h``, or ``took 2 d`` once resolved."""
    if resolved_at is not None:
        return f"took {duration_text(resolved_at - created_at)}"
    return duration_text((now or utc_now()) - created_at)


def severity_label(value: str) -> str:
    """``critical`` → ``Critical``."""
    return SEVERITY_LABELS.get(value, value.replace("_", " ").capitalize())


def incident_status_label(value: str) -> str:
    """``in_progress`` → ``In progress``."""
    return INCIDENT_STATUS_LABELS.get(value, value.replace("_", " ").capitalize())


def blocker_status_label(value: str) -> str:
    """``active`` → ``Active``."""
    return BLOCKER_STATUS_LABELS.get(value, value.replace("_", " ").capitalize())


def one_line(text: str, limit: int = 160) -> str:
    """Text on one line for a table cell: whitespace collapsed, long text cut with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def field_message(label: str, message: str) -> str:
    """A validation rule as a sentence: ``Title is required.``, ``Tags: At most 20 tags.``."""
    message = message.rstrip(".")
    if message.split(" ", 1)[0] in {"is", "are", "must", "contains", "refers", "cannot"}:
        return f"{label} {message}."
    return f"{label}: {message[:1].upper()}{message[1:]}."
