"""Entry points: ``asyncops-desktop`` runs a headless command when given one, else the GUI.

Kept free of Qt imports so headless commands start fast and work without a display, and
free of the headless commands' modules, which opening the window does not need.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asyncops-desktop", add_help=False)
    parser.add_argument("--db", metavar="URL")
    parser.add_argument("--profile", metavar="NAME")
    return parser


def wants_cli(argv: Sequence[str]) -> bool:
    """True when the arguments name a headless command or ask for help or the version."""
    if any(arg in ("-h", "--help", "--version") for arg in argv):
        return True
    _, rest = _gui_parser().parse_known_args(list(argv))
    positional = [arg for arg in rest if not arg.startswith("-")]
    if not positional:
        # Opening the window: the headless commands (and their imports) are not needed.
        return False
    from asyncops_desktop import cli

    return positional[0] in cli.SUBCOMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_cli(args):
        from asyncops_desktop import cli

        return cli.main(args)
    known, rest = _gui_parser().parse_known_args(args)
    if rest:
        from asyncops_desktop.cli import EXIT_USAGE

        sys.stderr.write(f"asyncops-desktop: unknown arguments {' '.join(rest)} (see --help)\n")
        return EXIT_USAGE
    # The core before Qt: once PySide6 is loaded it inspects every module imported after it
    # (reading each one's source), which makes SQLAlchemy's many modules slower to load.
    import ui.connection  # noqa: F401
    from ui.app import run_gui

    return run_gui(known.db, known.profile)


def gui_main() -> int:
    """GUI-script entry point (no console window on Windows)."""
    return main()


if __name__ == "__main__":
    raise SystemExit(main())
