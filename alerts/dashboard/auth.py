"""Dashboard sign-in: argon2 password hashes, sessions in HTTP-only cookies, CSRF tokens on every
form, and a lock-out after repeated failures."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alerts.passwords import HASHER as _hasher
from alerts.passwords import hash_password as hash_password
from alerts.storage.models import Unit, User, WebSession

ROLES = ("admin", "duty_room", "section_head", "leader", "unit_officer")
SESSION_COOKIE = "jibao_session"
LOGIN_CSRF_COOKIE = "jibao_login_csrf"
SESSION_LIFETIME = timedelta(hours=12)  # a duty shift and some
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)


class SignInRefused(Exception):
    """Wrong name or password, or a locked account; `key` names the message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Viewer:
    """The signed-in user, as pages need them."""

    user: User
    unit: Unit
    csrf_token: str

    @property
    def sees_everything(self) -> bool:
        """Everyone but a unit officer sees every unit of the office."""
        return self.user.role != "unit_officer"

    @property
    def is_admin(self) -> bool:
        """May manage units, people, tokens and users."""
        return self.user.role == "admin"


def sign_in(session: Session, *, username: str, password: str, now: datetime) -> str:
    """Check the password, count failures, lock after MAX_FAILURES; the new session's token."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or user.disabled:
        _hasher.hash(password)  # spend the same time as a real check: names stay unguessable
        raise SignInRefused("bad_credentials")
    if user.locked_until is not None and user.locked_until > now:
        raise SignInRefused("locked")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCK_FOR, 0
        raise SignInRefused(
            "locked" if user.locked_until and user.locked_until > now else "bad_credentials"
        ) from exc
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


def viewer(session: Session, request: Request, now: datetime) -> Viewer | None:
    """The signed-in user of this request, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    unit = session.get(Unit, user.unit_id)
    assert unit is not None
    return Viewer(user, unit, row.csrf_token)


def sign_out(session: Session, request: Request) -> None:
    """Forget this browser's session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def csrf_ok(expected: str, given: str | None) -> bool:
    """A form's CSRF token matches the session's."""
    return bool(given) and hmac.compare_digest(expected, given or "")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
