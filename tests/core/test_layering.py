"""The core never imports Qt or the ui package (DESIGN.md, layering rule 1)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "asyncops_desktop"
FORBIDDEN = ("PySide6", "shiboken6", "ui")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_core_module_imports_qt_or_ui() -> None:
    offenders = {}
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        bad = {name for name in _imported_modules(path) if name.split(".")[0] in FORBIDDEN}
        if bad:
            offenders[str(path.relative_to(CORE.parent))] = sorted(bad)
    assert offenders == {}


def test_importing_every_core_module_loads_no_qt() -> None:
    script = (
        "import importlib, pkgutil, sys\n"
        "import asyncops_desktop\n"
        "for info in pkgutil.walk_packages(asyncops_desktop.__path__, 'asyncops_desktop.'):\n"
        "    importlib.import_module(info.name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""
