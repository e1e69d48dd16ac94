"""Print the ``make stress`` table from the rows the scenarios recorded."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

COLUMNS = ("scenario", "runs", "faults injected", "writes checked", "losses")


def table(lines: list[str]) -> str:
    """The rows of a report file, summed per scenario, as an aligned text table."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        sums = totals[str(row["scenario"])]
        for i, key in enumerate(("runs", "faults", "writes_checked", "losses")):
            sums[i] += int(row[key])
    rows = [[name, *(f"{n:,}" for n in sums)] for name, sums in sorted(totals.items())]
    widths = [max(len(str(r[i])) for r in [list(COLUMNS), *rows]) for i in range(len(COLUMNS))]
    rendered = []
    for r in [list(COLUMNS), *rows]:
        cells = [str(r[0]).ljust(widths[0])] + [
            str(c).rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        rendered.append("  ".join(cells))
    rendered.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(rendered)


def main(argv: list[str]) -> int:
    """Print the table; exit 1 if any scenario lost a write or none reported."""
    path = Path(argv[1])
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if not lines:
        print("No stress results were recorded.")
        return 1
    print(table(lines))
    lost = sum(int(json.loads(line)["losses"]) for line in lines if line.strip())
    return 1 if lost else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
