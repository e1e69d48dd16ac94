"""Realistic sample data (work in progress)."""

from __future__ import annotations

from collections.abc import Callable

from asyncops_desktop.db import Database


def generate(
    database: Database,
    *,
    scale: int = 1,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Fill ``database`` with sample data; returns rows inserted per table."""
    raise NotImplementedError("demo data generation is being written")
