"""What every benchmark shares: the result row, paired timing and small helpers."""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class BenchError(RuntimeError):
    """The benchmark could not run or a baseline disagreed with the figure it measures."""


@dataclass(frozen=True)
class Result:
    """One row of the table."""

    measurement: str
    backend: str
    figure: float
    unit: str
    baseline: float
    baseline_label: str
    ratio: float
    """Cost of the figure over the cost of the baseline (above 1: slower than the baseline)."""
    target: str
    verdict: str
    note: str = ""


def log(started: float, message: str) -> None:
    """A timestamped progress line on standard error."""
    sys.stderr.write(f"[{time.monotonic() - started:6.1f}s] {message}\n")
    sys.stderr.flush()


def paired_medians(
    figure: Callable[[], object],
    baseline: Callable[[], object],
    runs: int,
    *,
    warmup: int = 10,
    collect: bool = False,
) -> tuple[float, float]:
    """Median milliseconds of ``figure`` and ``baseline``, run alternately ``runs`` times.

    Alternating puts both under the same machine load; the warm-up fills statement caches
    (and lets psycopg prepare its statements) on both sides before anything is timed.
    """
    for _ in range(warmup):
        figure()
        baseline()
    timings: tuple[list[int], list[int]] = ([], [])
    for _ in range(runs):
        for fn, sink in ((baseline, timings[1]), (figure, timings[0])):
            if collect:
                # A big fetch allocates tens of thousands of objects: start each from a
                # collected heap so one side does not pay for the other's garbage.
                gc.collect()
            start = time.perf_counter_ns()
            fn()
            sink.append(time.perf_counter_ns() - start)
    return statistics.median(timings[0]) / 1e6, statistics.median(timings[1]) / 1e6


def verdict(passed: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if passed else "FAIL"


def driver(backend: str) -> str:
    """The raw driver's name for a backend."""
    return "sqlite3" if backend == "sqlite" else "psycopg"


TABLE_HEADER = ("measurement", "backend", "figure", "baseline", "ratio", "target", "result")


def aligned_table(lines: Sequence[Sequence[str]], notes: Sequence[str], ratio_note: str) -> str:
    """Rows of ``TABLE_HEADER``'s cells as an aligned text table, the notes below it.

    Figures, baselines and ratios are right-aligned; every other column left-aligned.
    """
    widths = [max(len(row[i]) for row in (TABLE_HEADER, *lines)) for i in range(7)]

    def fmt(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(width) if i in (2, 3, 4) else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    out = [fmt(TABLE_HEADER), fmt(["-" * w for w in widths]), *(fmt(row) for row in lines), ""]
    out.append("baseline and notes:")
    out += [f"  {note}" for note in notes]
    out.append(f"  ratio = {ratio_note}")
    return "\n".join(out)


def result_notes(results: Sequence[Result]) -> list[str]:
    """Each result's baseline and note, one line each."""
    return [f"{r.measurement} [{r.backend}]: {r.baseline_label}; {r.note}" for r in results]
