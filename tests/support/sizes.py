"""How big the resilience scenarios run, and the rows ``make stress`` prints as a table.

``make test`` runs them reduced; ``make stress`` sets ``ASYNCOPS_STRESS=1`` for full size and
``ASYNCOPS_STRESS_REPORT`` to a file each scenario appends its row to.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

STRESS = os.environ.get("ASYNCOPS_STRESS") == "1"
TESTS_DIR = Path(__file__).resolve().parent.parent

# Scenario 1: kills per backend and the most committed writes a child reports before a kill.
CRASH_KILLS = 100 if STRESS else 20
CRASH_WRITES_PER_RUN = 40 if STRESS else 8
# Scenario 5: client processes and operations each.
CLIENTS = 8
CLIENT_OPS = 500 if STRESS else 25
# Scenario 2 (core part): cut-and-restore rounds.
CUT_ROUNDS = 30 if STRESS else 3


@dataclass(frozen=True)
class ScenarioRow:
    """One line of the stress table."""

    scenario: str
    runs: int
    faults: int
    writes_checked: int
    losses: int


def record(row: ScenarioRow) -> None:
    """Append ``row`` to the stress report, when one was asked for."""
    target = os.environ.get("ASYNCOPS_STRESS_REPORT")
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(row)) + "\n")


def child_environment() -> dict[str, str]:
    """The environment for a child process that imports ``support`` and the app."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(TESTS_DIR), str(TESTS_DIR.parent), env.get("PYTHONPATH", "")]
    ).rstrip(os.pathsep)
    return env
