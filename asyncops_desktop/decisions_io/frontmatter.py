"""A small, strict subset of YAML front matter, written and read without a YAML dependency.

What is understood (and all that is written):

- ``key: value`` with a plain, ``"double-quoted"`` (JSON escapes) or ``'single-quoted'`` value;
- lists as ``key: [a, "b, c"]`` or as ``key:`` followed by ``- item`` lines;
- blank lines and full-line ``# comments``; a `` #`` after a plain value starts a comment.

Anything else (nested mappings, anchors, multi-line scalars, a repeated key) is an error with
its line number rather than a guess: a file we misread would import wrong data silently.
Every value comes back as a string or a list of strings; callers convert dates themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from asyncops_desktop.domain.errors import ValidationError

FENCE = "---"
Value = str | list[str] | None

_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)\s*:(?:[ \t]+(.*?))?\s*")
_ITEM = re.compile(r"\s*-(?:[ \t]+(.*?))?\s*")
# Written unquoted only when every YAML reader would read it back as this very string
# (dates are the exception: YAML reads them as dates, which is what they are).
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@/+-]*(?: [A-Za-z0-9_.@/+-]+)*")
_NUMBER_LIKE = re.compile(r"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|0[xob].*")
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n"})


class FrontMatterError(ValidationError):
    """The front matter is not in the supported subset; the message names the line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__("front matter", f"line {line}: {message}")
        self.line = line


def quote(value: str) -> str:
    """``value`` as a scalar: plain where that is unambiguous, else double-quoted."""
    if (
        _PLAIN.fullmatch(value)
        and value.casefold() not in _RESERVED
        and not _NUMBER_LIKE.fullmatch(value)
    ):
        return value
    return json.dumps(value, ensure_ascii=False)


def dump(pairs: Sequence[tuple[str, Value]]) -> str:
    """Front matter (with its ``---`` fences) for ``pairs``; None values are left out."""
    lines = [FENCE]
    for key, value in pairs:
        if not _KEY.fullmatch(f"{key}:"):
            raise ValueError(f"unsupported front matter key {key!r}")
        if value is None:
            continue
        if isinstance(value, str):
            lines.append(f"{key}: {quote(value)}")
        else:
            lines.append(f"{key}: [{', '.join(quote(item) for item in value)}]")
    lines.append(FENCE)
    return "\n".join(lines) + "\n"


def split(text: str) -> tuple[dict[str, Value], str, int]:
    """Separate leading front matter from the body: (values, body, lines used by the header).

    A text that does not start with a ``---`` line has no front matter: ({}, text, 0).
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        return {}, text, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip() in (FENCE, "..."):
            return parse(lines[1:end], first_line=2), "\n".join(lines[end + 1 :]), end + 1
    raise FrontMatterError(1, "the front matter starting here has no closing '---' line")


def parse(lines: Sequence[str], *, first_line: int = 1) -> dict[str, Value]:
    """Parse front matter lines (without the fences) into strings and lists of strings."""
    values: dict[str, Value] = {}
    open_list: str | None = None  # a "key:" with no value may be followed by "- item" lines
    for number, line in enumerate(lines, start=first_line):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        item = _ITEM.fullmatch(line)
        if item is not None and open_list is not None:
            listed = values[open_list]
            if not isinstance(listed, list):
                listed = []
                values[open_list] = listed
            listed.append(_scalar(item.group(1) or "", number))
            continue
        if line[:1].isspace():
            raise FrontMatterError(number, "indented lines (nested values) are not supported")
        match = _KEY.fullmatch(line)
        if match is None:
            raise FrontMatterError(number, "expected 'key: value'")
        key = match.group(1)
        if key in values:
            raise FrontMatterError(number, f"'{key}' is given twice")
        raw = match.group(2)
        if raw is None or raw == "" or raw.startswith("#"):
            values[key] = None
            open_list = key
            continue
        open_list = None
        values[key] = _flow_list(raw, number) if raw.startswith("[") else _scalar(raw, number)
    return values


def _scalar(raw: str, line: int) -> str:
    raw = raw.strip()
    if raw.startswith('"'):
        end = _closing_double_quote(raw, line)
        _only_comment_after(raw[end + 1 :], line)
        try:
            value = json.loads(raw[: end + 1])
        except json.JSONDecodeError as exc:
            raise FrontMatterError(line, f"bad double-quoted value ({exc.msg})") from None
        assert isinstance(value, str)
        return value
    if raw.startswith("'"):
        end = _closing_single_quote(raw, line)
        _only_comment_after(raw[end + 1 :], line)
        return raw[1:end].replace("''", "'")
    if raw[:1] in ("[", "{", "&", "*", "!", "|", ">", "%", "@", "`"):
        raise FrontMatterError(line, f"a value starting with '{raw[0]}' must be quoted")
    comment = raw.find(" #")
    return (raw if comment < 0 else raw[:comment]).rstrip()


def _closing_double_quote(raw: str, line: int) -> int:
    escaped = False
    for index in range(1, len(raw)):
        char = raw[index]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            return index
    raise FrontMatterError(line, "a double-quoted value is not closed on its line")


def _closing_single_quote(raw: str, line: int) -> int:
    index = 1
    while index < len(raw):
        if raw[index] == "'":
            if raw[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index
        index += 1
    raise FrontMatterError(line, "a single-quoted value is not closed on its line")


def _only_comment_after(rest: str, line: int) -> None:
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        raise FrontMatterError(line, f"unexpected text after a quoted value: {rest!r}")


def _flow_list(raw: str, line: int) -> list[str]:
    """``[a, "b, c", 'd']``: items split on commas outside quotes."""
    items: list[str] = []
    index = 1
    while True:
        while index < len(raw) and raw[index] in " \t":
            index += 1
        if index >= len(raw):
            raise FrontMatterError(line, "a '[' list is not closed on its line")
        if raw[index] == "]" and not items:
            index += 1
            break
        char = raw[index]
        if char == '"':
            end = index + _closing_double_quote(raw[index:], line)
        elif char == "'":
            end = index + _closing_single_quote(raw[index:], line)
        else:
            end = index
            while end < len(raw) and raw[end] not in ",]":
                end += 1
            if raw[index:end].strip() == "" or raw[index] in "[{":
                raise FrontMatterError(line, "empty or nested item in a '[' list")
            end -= 1
        items.append(_scalar(raw[index : end + 1], line))
        index = end + 1
        while index < len(raw) and raw[index] in " \t":
            index += 1
        if index >= len(raw):
            raise FrontMatterError(line, "a '[' list is not closed on its line")
        if raw[index] == "]":
            index += 1
            break
        if raw[index] != ",":
            raise FrontMatterError(line, f"expected ',' or ']' in a list, found {raw[index]!r}")
        index += 1
    _only_comment_after(raw[index:], line)
    return items
