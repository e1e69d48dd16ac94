"""Secrets in the system keyring: profile passwords and remember-me tokens, one entry each.

Nothing secret is ever written anywhere else. Where the machine has no usable keyring
(the backend's priority is below 1, or it is a plain-file backend from ``keyrings.alt``)
the app says so once and asks for passwords each time.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

KEYRING_SERVICE = "AsyncOps Desktop"
# Backends that keep secrets in a plain or base64-encoded file are not a keyring to us.
_REFUSED_MODULES = ("keyrings.alt",)


@dataclass(frozen=True)
class KeyringStatus:
    """Which keyring backend is in use and whether the app will store secrets in it."""

    backend: str
    priority: float
    usable: bool
    reason: str


def _backend() -> Any:
    import keyring

    return keyring.get_keyring()


def keyring_status() -> KeyringStatus:
    """Describe the keyring backend and whether it is usable."""
    try:
        backend = _backend()
    except Exception as exc:  # a broken keyring configuration must not stop the app
        return KeyringStatus("unavailable", 0.0, False, f"the keyring could not be loaded: {exc}")
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    try:
        priority = float(backend.priority)
    except Exception:
        priority = 0.0
    if type(backend).__module__.startswith(_REFUSED_MODULES):
        return KeyringStatus(name, priority, False, "its backend stores secrets in a plain file")
    if priority < 1:
        return KeyringStatus(
            name,
            priority,
            False,
            "this computer has no usable keyring (passwords will be asked each time)",
        )
    return KeyringStatus(name, priority, True, "passwords can be remembered in the system keyring")


class CredentialStore:
    """Per-profile secrets in the keyring; every method is a no-op or None without a keyring."""

    def __init__(self) -> None:
        self.status = keyring_status()

    @property
    def usable(self) -> bool:
        """Whether secrets can be remembered on this computer."""
        return self.status.usable

    @staticmethod
    def _entry(profile_id: str, kind: str) -> str:
        return f"profile:{profile_id}:{kind}"

    def _get(self, profile_id: str, kind: str) -> str | None:
        if not self.usable:
            return None
        try:
            value = _backend().get_password(KEYRING_SERVICE, self._entry(profile_id, kind))
        except Exception:
            return None
        return value if isinstance(value, str) else None

    def _set(self, profile_id: str, kind: str, secret: str) -> bool:
        if not self.usable:
            return False
        try:
            _backend().set_password(KEYRING_SERVICE, self._entry(profile_id, kind), secret)
        except Exception:
            return False
        return True

    def _delete(self, profile_id: str, kind: str) -> None:
        if not self.usable:
            return
        # Nothing stored, or the keyring refused: either way there is nothing left to forget.
        with contextlib.suppress(Exception):
            _backend().delete_password(KEYRING_SERVICE, self._entry(profile_id, kind))

    def password(self, profile_id: str) -> str | None:
        """The remembered database password of a profile."""
        return self._get(profile_id, "password")

    def remember_password(self, profile_id: str, password: str) -> bool:
        """Store a profile's database password; False if there is no keyring."""
        return self._set(profile_id, "password", password)

    def forget_password(self, profile_id: str) -> None:
        """Remove a profile's database password."""
        self._delete(profile_id, "password")

    def token(self, profile_id: str) -> str | None:
        """The remember-me sign-in token for a profile."""
        return self._get(profile_id, "token")

    def remember_token(self, profile_id: str, token: str) -> bool:
        """Store a remember-me token; False if there is no keyring."""
        return self._set(profile_id, "token", token)

    def forget_token(self, profile_id: str) -> None:
        """Remove a remember-me token (signing out)."""
        self._delete(profile_id, "token")

    def forget_profile(self, profile_id: str) -> None:
        """Remove every secret of a profile (when the profile is removed)."""
        self.forget_password(profile_id)
        self.forget_token(profile_id)
