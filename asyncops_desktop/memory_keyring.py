"""A keyring backend that keeps secrets in memory for the life of the process.

A real ``keyring`` backend (priority 1, so the app accepts it), for runs that must never
touch the person's own keyring: the screenshot generator, the benchmarks' child processes
and the tests.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Secrets in a dictionary, keyed by (service, entry)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        """The stored secret, or None."""
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Keep a secret for the life of the process."""
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        """Forget a secret (keyring's PasswordDeleteError when there is none)."""
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")
