"""Domain exceptions raised by services; the UI and CLI turn them into messages."""

from __future__ import annotations

from datetime import datetime


class AsyncOpsError(Exception):
    """Base class of every error the app reports to a person as one sentence."""


class ValidationError(AsyncOpsError):
    """Input broke a rule; ``field`` names the field and ``message`` the rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(AsyncOpsError):
    """The record does not exist (or no longer exists)."""

    def __init__(self, entity: str, ident: object) -> None:
        super().__init__(f"{entity} {ident} does not exist")
        self.entity = entity
        self.ident = ident


class PermissionDenied(AsyncOpsError):
    """The signed-in user may not do this."""


class ConflictError(AsyncOpsError):
    """Someone else changed the record first, or a unique value is taken."""


class DatabaseUnavailable(AsyncOpsError):
    """The database cannot be reached or opened; the message says why and what to do."""


class SchemaError(AsyncOpsError):
    """The database schema does not match this version of the app."""


class SchemaTooNew(SchemaError):
    """The database was migrated by a newer version of the app."""


class SchemaTooOld(SchemaError):
    """The database needs ``db upgrade`` before this version can use it."""


class MigrationFailed(SchemaError):
    """A migration failed and was rolled back."""


class InvalidCredentials(AsyncOpsError):
    """Sign-in failed; the same message whether the email or the password was wrong."""

    def __init__(self, message: str = "Wrong email or password.") -> None:
        super().__init__(message)


class SignInLocked(AsyncOpsError):
    """Too many failed sign-ins for an email: locked until ``until`` (UTC)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            f"Too many failed sign-ins for this email: try again after {until:%H:%M:%S} UTC."
        )
        self.until = until


class PasswordChangeRequired(PermissionDenied):
    """The user signed in with a generated or reset password and must choose a new one first."""

    def __init__(self) -> None:
        super().__init__("Choose a new password before doing anything else.")


class EditConflict(ConflictError):
    """Someone saved the record since this edit started; ``current`` is their version.

    The UI shows, per field, the value the edit started from, the other person's value and
    the user's own, and saves the user's choices against ``current.version``.
    """

    def __init__(self, entity: str, ident: object, current: object) -> None:
        super().__init__(
            f"{entity} {ident} was changed by someone else while you were editing it: "
            "review both versions before saving."
        )
        self.entity = entity
        self.ident = ident
        self.current = current
