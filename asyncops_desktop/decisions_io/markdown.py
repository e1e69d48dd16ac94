"""Decisions as Markdown files: MADR written, MADR and adr-tools read. Pure text, no database.

A written file looks like this (``title`` only appears in the front matter when the heading
cannot carry it exactly, e.g. a title with a line break or surrounding spaces)::

    ---
    status: accepted
    date: 2024-01-15
    deciders: [ada@example.com, max@example.com]
    tags: [database, operations]
    review-by: 2025-01-15
    superseded-by: 0042-move-to-managed-postgresql.md
    ---

    # Adopt PostgreSQL

    ## Context and Problem Statement
    (context)

    ## Decision Outcome
    (description)

    ### Consequences
    (outcome)

Reading also accepts MADR 2 bullet metadata (``* Status: accepted``), adr-tools files
(``# 1. Title``, ``Date: …``, ``## Status`` with ``Superseded by [3. …](0003-….md)``,
``## Context``, ``## Decision``, ``## Consequences``) and MADR's other sections, which are
kept, heading and all, inside the field of the section they follow or belong to.

Section headings are recognised at levels 2 and 3 by name only, so a text may hold any
other heading. A line of a text that would read as one of our section headings is written
with one more leading backslash (and read back with one less), which keeps every text exact.
Surrounding blank lines of a text are not part of its Markdown and are not kept; line
endings are read as ``\\n``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote

from asyncops_desktop.decisions_io import frontmatter
from asyncops_desktop.domain.enums import DecisionStatus
from asyncops_desktop.domain.errors import ValidationError

CONTEXT_HEADING = "## Context and Problem Statement"
DESCRIPTION_HEADING = "## Decision Outcome"
OUTCOME_HEADING = "### Consequences"
INDEX_NAME = "README.md"
FILE_NAME = re.compile(r"(\d+)-[^/\\]*\.md", re.IGNORECASE)
SLUG_MAX = 60

# Section name (case-folded) -> (field, whether the heading stays in the text). Headings
# that stay belong to MADR's richer template; they go with the field they are part of.
_SECTIONS: dict[str, tuple[str, bool]] = {
    "context": ("context", False),
    "context and problem statement": ("context", False),
    "context and problem": ("context", False),
    "problem statement": ("context", False),
    "decision drivers": ("context", True),
    "considered options": ("context", True),
    "decision": ("description", False),
    "decision outcome": ("description", False),
    "consequences": ("outcome", False),
    "positive consequences": ("outcome", True),
    "negative consequences": ("outcome", True),
    "confirmation": ("outcome", True),
    "validation": ("outcome", True),
    "pros and cons of the options": ("outcome", True),
    "more information": ("outcome", True),
    "links": ("outcome", True),
    "status": ("status", False),
}
_HEADING = re.compile(r"(#{2,3})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_ESCAPED_HEADING = re.compile(r"(\\+)(#{2,3}[ \t].*)")
_H1 = re.compile(r"#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*|#")
_SETEXT_H1 = re.compile(r"=+[ \t]*")
_ADR_TOOLS_NUMBER = re.compile(r"\d+\.[ \t]+")
_META_LINE = re.compile(r"(?:[*+-][ \t]+)?([A-Za-z][A-Za-z -]*?)[ \t]*:[ \t]*(.*)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)>\s]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_NUMBER_REF = re.compile(r"(?:adr[- ]?)?#?0*(\d+)\.?(?=$|[\s,;:)])", re.IGNORECASE)

# Status words used by MADR, adr-tools and common hand-written records, mapped onto ours.
STATUS_WORDS: dict[str, DecisionStatus] = {
    "proposed": DecisionStatus.PROPOSED,
    "draft": DecisionStatus.PROPOSED,
    "pending": DecisionStatus.PROPOSED,
    "open": DecisionStatus.PROPOSED,
    "accepted": DecisionStatus.ACCEPTED,
    "approved": DecisionStatus.ACCEPTED,
    "adopted": DecisionStatus.ACCEPTED,
    "agreed": DecisionStatus.ACCEPTED,
    "decided": DecisionStatus.ACCEPTED,
    "rejected": DecisionStatus.REJECTED,
    "declined": DecisionStatus.REJECTED,
    "deprecated": DecisionStatus.DEPRECATED,
    "obsolete": DecisionStatus.DEPRECATED,
    "retired": DecisionStatus.DEPRECATED,
    "superseded": DecisionStatus.SUPERSEDED,
    "replaced": DecisionStatus.SUPERSEDED,
}
# A MADR file without a status is taken as accepted, as existing decisions were (0003).
DEFAULT_STATUS = DecisionStatus.ACCEPTED


@dataclass(frozen=True)
class LinkRef:
    """Where a "superseded by" link points: a file name, an ADR number, or both."""

    file: str | None
    number: int | None
    text: str

    def describe(self) -> str:
        """The target as a person would name it."""
        if self.file:
            return self.file
        return f"ADR {self.number:04d}" if self.number is not None else self.text


@dataclass(frozen=True)
class DecisionRecord:
    """One decision as a Markdown file holds it: people by email or name, links by file."""

    title: str
    description: str
    context: str
    outcome: str
    decision_date: dt.date | None
    status: DecisionStatus = DEFAULT_STATUS
    deciders: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    review_by: dt.date | None = None
    superseded_by: LinkRef | None = None
    deleted_at: dt.datetime | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)


# -- writing ------------------------------------------------------------------------------


def slug(title: str) -> str:
    """A file-name-safe, lower-case, dash-separated form of a title (ASCII only)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(words) > SLUG_MAX:
        words = words[:SLUG_MAX].rsplit("-", 1)[0] if "-" in words[:SLUG_MAX] else words[:SLUG_MAX]
    return words or "decision"


def file_name(number: int, title: str) -> str:
    """The adr-tools style name ``NNNN-kebab-title.md``."""
    return f"{number:04d}-{slug(title)}.md"


def _h1_text(line: str) -> str | None:
    """The text of a level-1 ATX heading line as ``parse`` reads it, else None."""
    if not line.startswith("#"):
        return None
    match = _H1.fullmatch(line.strip())
    return None if match is None else (match.group(1) or "").strip()


def _escape(text: str, field_name: str) -> str:
    """Add a backslash to lines that would read back as a section heading.

    One exception keeps MADR's own sub-headings readable: a heading that belongs to this
    very field, standing alone between single blank lines, reads back exactly as written.
    """
    lines = text.split("\n")
    last = len(lines) - 1

    def alone(i: int) -> bool:
        before = i == 0 or (lines[i - 1] == "" and i >= 2 and lines[i - 2].strip() != "")
        after = i == last or (lines[i + 1] == "" and i + 2 <= last and lines[i + 2].strip() != "")
        return before and after

    out: list[str] = []
    for i, line in enumerate(lines):
        section = _section_of(line, allow_escaped=True)
        readable_as_is = (
            not line.startswith("\\")
            and section == (field_name, True)
            and line == line.strip()
            and alone(i)
        )
        if section is None or readable_as_is:
            out.append(line)
        else:
            out.append("\\" + line)
    return "\n".join(out)


def render(record: DecisionRecord, superseded_by_file: str | None = None) -> str:
    """The MADR file for a decision (``superseded_by_file`` names the successor's file)."""
    title = record.title
    exact_heading = "\n" not in title and "\r" not in title and _h1_text(f"# {title}") == title
    pairs: list[tuple[str, frontmatter.Value]] = [
        ("title", None if exact_heading else record.title),
        ("status", record.status.value),
        ("date", record.decision_date.isoformat() if record.decision_date else None),
        ("deciders", list(record.deciders)),
        ("tags", list(record.tags)),
        ("review-by", record.review_by.isoformat() if record.review_by else None),
        ("superseded-by", superseded_by_file),
        ("deleted-at", record.deleted_at.isoformat() + "Z" if record.deleted_at else None),
    ]
    heading = record.title if exact_heading else " ".join(record.title.split()) or "Decision"
    parts = [
        frontmatter.dump(pairs).rstrip("\n"),
        f"# {heading}",
        CONTEXT_HEADING,
        _escape(record.context, "context"),
        DESCRIPTION_HEADING,
        _escape(record.description, "description"),
        OUTCOME_HEADING,
        _escape(record.outcome, "outcome"),
    ]
    return "\n\n".join(parts) + "\n"


def _table_cell(text: str) -> str:
    cell = " ".join(text.split())
    return re.sub(r"([\\|\[\]`*_<>])", r"\\\1", cell)


def render_index(
    entries: Iterable[tuple[str, str, str, dt.date, str | None]], *, exported_on: dt.date
) -> str:
    """``README.md`` listing (file, title, status, date, successor file) as a table."""
    rows = [
        "# Decisions",
        "",
        f"Exported from AsyncOps Desktop on {exported_on.isoformat()}. "
        "One file per decision, in the MADR format; numbers are the decisions' ids.",
        "",
        "| No. | Title | Status | Date |",
        "| --- | --- | --- | --- |",
    ]
    count = 0
    for name, title, status, day, successor in entries:
        count += 1
        number = name.split("-", 1)[0]
        state = status
        if successor:
            state += f" (superseded by [{successor.split('-', 1)[0]}]({successor}))"
        rows.append(f"| {number} | [{_table_cell(title)}]({name}) | {state} | {day.isoformat()} |")
    if count == 0:
        rows.append("| | (no decisions) | | |")
    return "\n".join(rows) + "\n"


# -- reading ------------------------------------------------------------------------------


def _section_of(line: str, *, allow_escaped: bool = False) -> tuple[str, bool] | None:
    """The (field, keep heading) a heading line starts, or None for any other line."""
    candidate = line
    if allow_escaped:
        escaped = _ESCAPED_HEADING.fullmatch(line)
        if escaped is not None:
            candidate = escaped.group(2)
    match = _HEADING.fullmatch(candidate)
    if match is None:
        return None
    return _SECTIONS.get(_heading_key(match.group(2)))


def _heading_key(text: str) -> str:
    return " ".join(text.strip().strip("*_").rstrip(":").split()).casefold()


def _unescape(line: str) -> str:
    if line.startswith("\\") and _section_of(line, allow_escaped=True) is not None:
        return line[1:]
    return line


def _trim_blank_lines(lines: Sequence[str]) -> str:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def parse_date(field_name: str, value: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` date (a trailing time is ignored), None when absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValidationError(field_name, f"'{text}' is not a date (use YYYY-MM-DD)") from None


def parse_link(text: str) -> LinkRef | None:
    """A link target from ``[text](0003-x.md)``, ``0003-x.md``, ``ADR-0003`` or ``3``."""
    text = text.strip()
    if not text:
        return None
    match = _LINK.search(text)
    target = match.group(2) if match else text
    label = match.group(1) if match else text
    name = PurePosixPath(unquote(target.split("#", 1)[0])).name
    file_match = FILE_NAME.fullmatch(name)
    if file_match is not None:
        return LinkRef(name, int(file_match.group(1)), label)
    for candidate in (label, text):
        number = _NUMBER_REF.match(candidate.strip())
        if number is not None:
            return LinkRef(None, int(number.group(1)), label)
    return LinkRef(name or None, None, label) if name.lower().endswith(".md") else None


def parse_status(text: str) -> tuple[DecisionStatus, LinkRef | None]:
    """A status line: ``accepted``, ``Superseded by [3. X](0003-x.md)``, ``Accepted on …``."""
    plain = text.strip().strip("*_`\"'").strip()
    lowered = plain.casefold()
    if lowered.startswith("superseded by"):
        link = parse_link(plain[len("superseded by") :])
        return DecisionStatus.SUPERSEDED, link
    word = re.split(r"[\s,;:.(]+", lowered, maxsplit=1)[0] if lowered else ""
    status = STATUS_WORDS.get(word)
    if status is None:
        known = ", ".join(s.value for s in DecisionStatus)
        raise ValidationError("status", f"'{plain}' is not a status we know (use {known})")
    return status, None


def _list_value(value: frontmatter.Value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if item.strip()]
    return [item.strip() for item in value.split(",") if item.strip()]


def _str_value(key: str, value: frontmatter.Value) -> str | None:
    if isinstance(value, list):
        raise ValidationError(key, "must be a single value, not a list")
    return value


@dataclass
class _Fields:
    parts: dict[str, list[str]] = field(
        default_factory=lambda: {"context": [], "description": [], "outcome": []}
    )
    status_lines: list[str] = field(default_factory=list)

    def add(self, field_name: str, heading: str | None, lines: Sequence[str]) -> None:
        body = _trim_blank_lines([_unescape(line) for line in lines])
        if field_name == "status":
            self.status_lines += [line for line in body.split("\n") if line.strip()]
            return
        text = body if heading is None else (f"{heading}\n\n{body}" if body else heading)
        if text:
            self.parts[field_name].append(text)

    def text(self, field_name: str) -> str:
        return "\n\n".join(self.parts[field_name])


def parse(text: str) -> DecisionRecord:
    """Read a MADR or adr-tools file; ``ValidationError`` names what is wrong with it."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, body, _ = frontmatter.split(text)
    notes: list[str] = []
    lines = body.split("\n")

    # The title: the first level-1 heading (ATX or setext) before any section.
    title: str | None = None
    preamble: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _section_of(line) is not None:
            break
        h1 = _h1_text(line)
        if h1 is not None:
            title = h1
            index += 1
            break
        if (
            line.strip()
            and index + 1 < len(lines)
            and _SETEXT_H1.fullmatch(lines[index + 1])
            and not any(previous.strip() for previous in preamble)
        ):
            title = line.strip()
            index += 2
            break
        preamble.append(line)
        index += 1
    if title is not None and not meta and _ADR_TOOLS_NUMBER.match(title):
        title = _ADR_TOOLS_NUMBER.sub("", title, count=1)  # "# 1. Title" in adr-tools files

    fields = _Fields()
    current: tuple[str, str | None] | None = None
    section_lines: list[str] = []
    for line in lines[index:]:
        section = _section_of(line)
        if section is None:
            if current is None:
                preamble.append(line)
            else:
                section_lines.append(line)
            continue
        if current is not None:
            fields.add(current[0], current[1], section_lines)
        field_name, keep = section
        current = (field_name, line.strip() if keep else None)
        section_lines = []
    if current is not None:
        fields.add(current[0], current[1], section_lines)

    # Metadata lines between the title and the first section (adr-tools' "Date:", MADR 2's
    # "* Status:" bullets); anything else there is prose that belongs to the context.
    inline: dict[str, str] = {}
    prose: list[str] = []
    for line in preamble:
        match = _META_LINE.fullmatch(line.strip())
        key = _heading_key(match.group(1)) if match else ""
        if match and key in ("status", "date", "deciders", "decision-makers", "tags"):
            inline[key.replace("decision-makers", "deciders")] = match.group(2).strip()
        else:
            prose.append(line)
    prose_text = _trim_blank_lines(prose)
    if prose_text:
        fields.parts["context"].insert(0, prose_text)
        notes.append("text before the first section was kept at the start of the context")

    values = {key.replace("_", "-").casefold(): value for key, value in meta.items()}
    if values.get("decision-makers") is not None and values.get("deciders") is None:
        values["deciders"] = values["decision-makers"]
    known_keys = {
        "title",
        "status",
        "date",
        "deciders",
        "decision-makers",
        "tags",
        "review-by",
        "superseded-by",
        "deleted-at",
    }
    ignored = sorted(set(values) - known_keys)
    if ignored:
        notes.append(f"front matter keys not stored: {', '.join(ignored)}")

    front_title = _str_value("title", values.get("title"))
    if front_title is not None and front_title.strip():
        title = front_title
    if title is None or not title.strip():
        raise ValidationError("title", "the file has no '# Title' heading")

    status_text = _str_value("status", values.get("status")) or inline.get("status")
    link: LinkRef | None = None
    status = DEFAULT_STATUS
    if status_text is None and fields.status_lines:
        status_text = fields.status_lines[0]
    if status_text is not None:
        status, link = parse_status(status_text)
    else:
        notes.append(f"no status given: taken as {DEFAULT_STATUS.value}")
    for position, line in enumerate(fields.status_lines):
        lowered = line.strip().casefold()
        if lowered.startswith("superseded by") and link is None:
            link = parse_link(line.strip()[len("superseded by") :])
            status = DecisionStatus.SUPERSEDED
        elif position > 0 and not lowered.startswith(("superseded by", "supersedes")):
            # adr-tools' "Supersedes …" is the other side of a link its target holds, so it
            # is dropped silently; "Amends", "Clarifies" and the like have no place here.
            notes.append(f"status line not stored: {line.strip()}")
    explicit_link = _str_value("superseded-by", values.get("superseded-by"))
    if explicit_link:
        parsed = parse_link(explicit_link)
        if parsed is None:
            raise ValidationError("superseded-by", f"'{explicit_link}' is not a link to a file")
        link = parsed

    date_text = _str_value("date", values.get("date")) or inline.get("date")
    deciders = _list_value(values.get("deciders")) or _list_value(inline.get("deciders"))
    tags = _list_value(values.get("tags")) or _list_value(inline.get("tags"))
    deleted_text = _str_value("deleted-at", values.get("deleted-at"))
    deleted_at: dt.datetime | None = None
    if deleted_text:
        try:
            deleted_at = dt.datetime.fromisoformat(deleted_text.strip())
        except ValueError:
            raise ValidationError("deleted-at", f"'{deleted_text}' is not a date-time") from None
        if deleted_at.tzinfo is not None:
            # The schema stores naive UTC.
            deleted_at = deleted_at.astimezone(dt.UTC).replace(tzinfo=None)
    return DecisionRecord(
        title=title,
        description=fields.text("description"),
        context=fields.text("context"),
        outcome=fields.text("outcome"),
        decision_date=parse_date("date", date_text),
        status=status,
        deciders=tuple(deciders),
        tags=tuple(tags),
        review_by=parse_date("review-by", _str_value("review-by", values.get("review-by"))),
        superseded_by=link,
        deleted_at=deleted_at,
        notes=tuple(notes),
    )
