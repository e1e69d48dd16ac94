"""A keyring backend for benchmark child processes: secrets handed over in an environment variable.

The cold-start benchmark launches the real app in a child process, already signed in: the
remember-me token it finds in "the keyring" must be there before the process starts. A
child selects this backend with ``PYTHON_KEYRING_BACKEND=bench.gui_keyring.EnvironmentKeyring``
and reads the secrets from ``ASYNCOPS_BENCH_SECRETS`` (JSON ``{"entry": "secret"}`` for the
app's keyring service). Nothing is written to disk; changes live in memory for the process.
"""

from __future__ import annotations

import json
import os

from asyncops_desktop.credentials import KEYRING_SERVICE
from asyncops_desktop.memory_keyring import MemoryKeyring

SECRETS_ENV = "ASYNCOPS_BENCH_SECRETS"
BACKEND_NAME = f"{__name__}.EnvironmentKeyring"


def secrets_env(entries: dict[str, str]) -> dict[str, str]:
    """The environment that makes a child process use this backend with ``entries``."""
    return {"PYTHON_KEYRING_BACKEND": BACKEND_NAME, SECRETS_ENV: json.dumps(entries)}


class EnvironmentKeyring(MemoryKeyring):
    """Secrets of the app's service from the environment, kept in memory (priority 1: usable)."""

    def __init__(self) -> None:
        super().__init__()
        loaded = json.loads(os.environ.get(SECRETS_ENV) or "{}")
        self.entries.update(
            {(KEYRING_SERVICE, str(name)): str(secret) for name, secret in loaded.items()}
        )
