"""Word diffs as HTML: removed words struck through, added words underlined, both tinted.

Struck and underlined as well as coloured, so the difference reads without colour too.
"""

from __future__ import annotations

import html

from PySide6.QtGui import QColor, QPalette

from asyncops_desktop.services.decisions import DiffPart, word_diff
from ui.widgets.palette import is_dark, tinted

REMOVED = "#e5484d"
ADDED = "#3aa55d"


def diff_colours(palette: QPalette) -> tuple[str, str]:
    """Background tints for removed and added text that read on the palette's base colour."""
    base = palette.color(QPalette.ColorRole.Base)
    amount = 0.38 if is_dark(palette) else 0.22
    return tinted(QColor(REMOVED), base, amount).name(), tinted(QColor(ADDED), base, amount).name()


def escape_text(text: str) -> str:
    """Escaped HTML keeping line breaks."""
    return html.escape(text).replace("\n", "<br>")


KEEP = 60


def _word_head(text: str, keep: int) -> str:
    """About ``keep`` characters from the start, ending at a word boundary."""
    cut = text[:keep]
    space = cut.rfind(" ")
    return cut[:space] if space > keep // 2 else cut


def _word_tail(text: str, keep: int) -> str:
    """About ``keep`` characters from the end, starting at a word boundary ("ile releases"
    cut from "mobile releases" reads as a typo)."""
    cut = text[-keep:]
    space = cut.find(" ")
    return cut[space + 1 :] if 0 <= space < keep // 2 else cut


def condensed(parts: list[DiffPart], keep: int = KEEP) -> list[DiffPart]:
    """Long unchanged runs cut to their ends, so a one-word edit of a long text stays short."""
    out: list[DiffPart] = []
    for index, part in enumerate(parts):
        if part.kind != "same" or len(part.text) <= 3 * keep:
            out.append(part)
            continue
        head = "" if index == 0 else _word_head(part.text, keep)
        tail = "" if index == len(parts) - 1 else _word_tail(part.text, keep)
        out.append(DiffPart("same", f"{head} … {tail}".strip() + (" " if tail else "")))
    return out


def parts_html(parts: list[DiffPart], palette: QPalette) -> str:
    """HTML for a word diff."""
    removed, added = diff_colours(palette)
    out: list[str] = []
    previous: DiffPart | None = None
    for part in parts:
        text = escape_text(part.text)
        if (
            previous is not None
            and previous.kind == "removed"
            and part.kind == "added"
            and not previous.text[-1:].isspace()
            and not part.text[:1].isspace()
        ):
            # "Split" struck right against "Freeze" would read as one word "SplitFreeze".
            out.append(" ")
        previous = part
        if part.kind == "removed":
            out.append(f'<s style="background-color: {removed}" title="removed">{text}</s>')
        elif part.kind == "added":
            out.append(f'<u style="background-color: {added}" title="added">{text}</u>')
        else:
            out.append(text)
    return "".join(out)


def diff_html(old: str | None, new: str | None, palette: QPalette) -> str:
    """The word diff of two texts as HTML (old struck, new underlined)."""
    return parts_html(word_diff(old, new), palette)
