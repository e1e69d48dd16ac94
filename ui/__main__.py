"""``python -m ui`` behaves like the ``asyncops-desktop`` command."""

from __future__ import annotations

from ui.launcher import main

raise SystemExit(main())
