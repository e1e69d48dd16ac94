"""AsyncOps Desktop core: domain, database access, repositories, services and CLI (no Qt)."""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "AsyncOps Desktop"
APP_AUTHOR = "AsyncOps"
