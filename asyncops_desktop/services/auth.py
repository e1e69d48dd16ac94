"""Signing in: passwords, throttling that survives restarts, remember-me tokens, first admin.

Rules:
- a wrong email and a wrong password get the same message (and take the same bcrypt time);
- after ``LOCK_AFTER`` failures for an email, sign-in for it is locked for a delay that
  doubles with each further failure (stored in the database, so a restart does not reset it);
- remember-me tokens are random; only their SHA-256 is stored, the token itself lives in the
  user's keyring; a password change revokes them all;
- nobody gets a default account silently: the first admin is created by the person at the
  keyboard, or (``db upgrade`` on a server) with a generated password printed once that must
  be changed at first sign-in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import bcrypt
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from asyncops_desktop.db import Database, describe_error
from asyncops_desktop.dialect import dialect_name
from asyncops_desktop.domain.dto import UserDTO
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import (
    ConflictError,
    DatabaseUnavailable,
    InvalidCredentials,
    SignInLocked,
    ValidationError,
)
from asyncops_desktop.domain.models import RememberToken, SignInThrottle, User, utcnow
from asyncops_desktop.repositories.users import UserRepository
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.users import (
    DEFAULT_BCRYPT_ROUNDS,
    check_password_rules,
    hash_password,
)

LOCK_AFTER = 5
FIRST_LOCK = dt.timedelta(minutes=1)
LONGEST_LOCK = dt.timedelta(hours=1)
TOKEN_LIFETIME = dt.timedelta(days=30)
INITIAL_ADMIN_EMAIL = "admin@asyncops.local"
INITIAL_ADMIN_NAME = "Administrator"
# An advisory lock key so two clients cannot both create "the first admin".
_FIRST_ADMIN_LOCK = 0x41534F50_46495253 & 0x7FFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and the actor to hand to services."""

    user: UserDTO
    actor: Actor

    @property
    def must_change_password(self) -> bool:
        """True until the user replaces a generated or reset password."""
        return self.user.must_change_password


def token_digest(token: str) -> str:
    """The SHA-256 of a remember-me token, as stored in the database."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate_password() -> str:
    """A random password that passes the password rules (about 96 bits)."""
    return secrets.token_urlsafe(16)


def lock_duration(failures: int) -> dt.timedelta | None:
    """How long an email is locked after ``failures`` consecutive failures (None: not locked)."""
    if failures < LOCK_AFTER:
        return None
    return min(FIRST_LOCK * (1 << (failures - LOCK_AFTER)), LONGEST_LOCK)


def actor_for(user: UserDTO) -> Actor:
    """The service actor for a signed-in user."""
    return Actor(user.id, Role(user.role), user.must_change_password)


class AuthService:
    """Sign-in and password management (not a ``Service``: it runs before anyone is signed in)."""

    def __init__(
        self,
        database: Database,
        *,
        bcrypt_rounds: int = DEFAULT_BCRYPT_ROUNDS,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.database = database
        self.bcrypt_rounds = bcrypt_rounds
        self.clock = clock
        # Checked against when the email is unknown, so both failures cost the same time. A
        # checkpw costs what the cost factor in the salt says, so a fresh salt with a digest no
        # password produces does: no hash is computed here (a remembered sign-in needs none).
        self._decoy_hash = bcrypt.gensalt(bcrypt_rounds) + b"." * 31

    @contextmanager
    def _write(self) -> Iterator[Session]:
        try:
            with self.database.write() as session:
                yield session
        except (DBAPIError, SQLAlchemyError) as exc:
            raise DatabaseUnavailable(describe_error(exc, self.database.url)) from exc

    # -- first account --------------------------------------------------------------------
    def has_users(self) -> bool:
        """Whether any account exists (the GUI offers to create the first admin if not)."""
        with self._write() as session:
            return bool(session.execute(select(func.count()).select_from(User)).scalar_one())

    def _lock_first_admin(self, session: Session) -> None:
        if dialect_name(session) == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(_FIRST_ADMIN_LOCK)))
        # SQLite: the write session already holds the database's write lock (BEGIN IMMEDIATE).

    def create_first_admin(self, *, full_name: str, email: str, password: str) -> SignedIn:
        """Create the first admin account, chosen by the person at the keyboard."""
        address = v.email("email", email)
        name = v.text("full_name", full_name, v.NAME_MAX)
        secret = hash_password(check_password_rules(password), self.bcrypt_rounds)
        with self._write() as session:
            self._lock_first_admin(session)
            if session.execute(select(func.count()).select_from(User)).scalar_one():
                raise ConflictError("An account already exists: sign in instead.")
            users = UserRepository(session)
            user_id = users.add(
                email=address, password_hash=secret, full_name=name, role=Role.ADMIN.value
            )
            user = users.get(user_id)
        assert user is not None
        return SignedIn(user, actor_for(user))

    def create_initial_admin_if_empty(self) -> tuple[str, str] | None:
        """On a database without accounts, create the spec's initial admin.

        Returns (email, generated password) to print once, or None when accounts exist. The
        password must be changed at first sign-in.
        """
        password = generate_password()
        secret = hash_password(password, self.bcrypt_rounds)
        with self._write() as session:
            self._lock_first_admin(session)
            if session.execute(select(func.count()).select_from(User)).scalar_one():
                return None
            user_id = UserRepository(session).add(
                email=INITIAL_ADMIN_EMAIL,
                password_hash=secret,
                full_name=INITIAL_ADMIN_NAME,
                role=Role.ADMIN.value,
            )
            session.execute(
                update(User).where(User.id == user_id).values(must_change_password=True)
            )
        return INITIAL_ADMIN_EMAIL, password

    # -- signing in -----------------------------------------------------------------------
    def sign_in(self, email: str, password: str) -> SignedIn:
        """Check an email and password; raises InvalidCredentials, SignInLocked or PermissionDenied."""
        address = email.strip().lower() if isinstance(email, str) else ""
        if not isinstance(password, str):
            password = ""
        now = self.clock()
        with self._write() as session:
            throttle = session.get(SignInThrottle, address)
            if (
                throttle is not None
                and throttle.locked_until is not None
                and throttle.locked_until > now
            ):
                raise SignInLocked(throttle.locked_until)
            users = UserRepository(session)
            user = users.by_email(address) if address else None
            stored = users.password_hash_for(user.id) if user is not None else None
            if user is None or stored is None:
                bcrypt.checkpw(password.encode("utf-8", "replace")[:72], self._decoy_hash)
                valid = False
            else:
                valid = (
                    bcrypt.checkpw(password.encode("utf-8", "replace")[:72], stored.encode("ascii"))
                    and len(password.encode("utf-8", "replace")) <= 72
                )
            if valid and user is not None:
                if not user.is_active:
                    raise InvalidCredentials(
                        "This account is deactivated: ask an admin to reactivate it."
                    )
                if throttle is not None:
                    session.delete(throttle)
                return SignedIn(user, actor_for(user))
            locked_until = self._record_failure(session, address, throttle, now)
        # The failure is committed before the error is raised, so it counts across restarts.
        if locked_until is not None:
            raise SignInLocked(locked_until)
        raise InvalidCredentials()

    def _record_failure(
        self, session: Session, address: str, throttle: SignInThrottle | None, now: dt.datetime
    ) -> dt.datetime | None:
        if not address:
            return None
        if throttle is None:
            throttle = SignInThrottle(email=address, failed_attempts=0)
            session.add(throttle)
        throttle.failed_attempts = (throttle.failed_attempts or 0) + 1
        throttle.last_failed_at = now
        duration = lock_duration(throttle.failed_attempts)
        throttle.locked_until = None if duration is None else now + duration
        return throttle.locked_until

    def is_admin_on_any_schema(self, email: str, password: str) -> bool:
        """Whether these are an active admin's credentials, read with columns every revision has.

        Used before an upgrade, when the schema may be older than the app's models; no
        throttling state is touched because the throttle table may not exist yet.
        """
        address = email.strip().lower() if isinstance(email, str) else ""
        with self._write() as session:
            row = session.execute(
                text("SELECT password_hash, role, is_active FROM users WHERE email = :email"),
                {"email": address},
            ).first()
        encoded = password.encode("utf-8", "replace")
        if row is None:
            bcrypt.checkpw(encoded[:72], self._decoy_hash)
            return False
        valid = len(encoded) <= 72 and bcrypt.checkpw(encoded, str(row[0]).encode("ascii"))
        return valid and row[1] == Role.ADMIN.value and bool(row[2])

    def locked_until(self, email: str) -> dt.datetime | None:
        """When a lock on this email ends, if it is locked now."""
        with self._write() as session:
            throttle = session.get(SignInThrottle, email.strip().lower())
            if throttle is None or throttle.locked_until is None:
                return None
            return throttle.locked_until if throttle.locked_until > self.clock() else None

    # -- remember me ----------------------------------------------------------------------
    def issue_token(self, user_id: int) -> str:
        """A new remember-me token for a signed-in user; store it in the keyring."""
        token = secrets.token_urlsafe(32)
        with self._write() as session:
            session.add(
                RememberToken(
                    user_id=user_id,
                    token_hash=token_digest(token),
                    expires_at=self.clock() + TOKEN_LIFETIME,
                )
            )
        return token

    def sign_in_with_token(self, token: str) -> SignedIn:
        """Sign in with a remembered token; raises InvalidCredentials if revoked or expired."""
        now = self.clock()
        with self._write() as session:
            row = session.execute(
                select(RememberToken).where(RememberToken.token_hash == token_digest(token))
            ).scalar_one_or_none()
            if row is None or row.expires_at <= now:
                if row is not None:
                    session.delete(row)
                raise InvalidCredentials(
                    "The saved sign-in has expired or was revoked: sign in again."
                )
            user = UserRepository(session).get(row.user_id)
            if user is None or not user.is_active:
                session.delete(row)
                raise InvalidCredentials(
                    "This account is deactivated: ask an admin to reactivate it."
                )
            row.last_used_at = now
        return SignedIn(user, actor_for(user))

    def revoke_token(self, token: str) -> None:
        """Forget one remembered sign-in (signing out)."""
        with self._write() as session:
            session.execute(
                delete(RememberToken).where(RememberToken.token_hash == token_digest(token))
            )

    # -- passwords ------------------------------------------------------------------------
    def change_password(self, actor: Actor, current: str, new: str) -> SignedIn:
        """Replace one's own password; clears must-change and revokes remembered sign-ins."""
        new_password = check_password_rules(new)
        if new_password == current:
            raise ValidationError("password", "must differ from the current password")
        secret = hash_password(new_password, self.bcrypt_rounds)
        with self._write() as session:
            users = UserRepository(session)
            stored = users.password_hash_for(actor.user_id)
            if stored is None or not bcrypt.checkpw(
                current.encode("utf-8", "replace")[:72], stored.encode("ascii")
            ):
                raise ValidationError("current_password", "is not your current password")
            session.execute(
                update(User)
                .where(User.id == actor.user_id)
                .values(password_hash=secret, must_change_password=False, updated_at=utcnow())
            )
            session.execute(delete(RememberToken).where(RememberToken.user_id == actor.user_id))
            user = users.get(actor.user_id)
        assert user is not None
        return SignedIn(user, actor_for(user))
