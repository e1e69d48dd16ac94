"""``asyncops-desktop doctor``: what an admin needs when something is wrong (work in progress)."""

from __future__ import annotations

from typing import TextIO


def report(url: str, out: TextIO) -> int:
    """Print the report; returns the exit code (non-zero when something is broken)."""
    raise NotImplementedError("doctor is being written")
