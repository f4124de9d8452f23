"""Who is calling: unit bearer tokens and the optional HMAC body signature."""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import Request
from sqlalchemy.orm import Session

from alerts.api.errors import ApiError
from alerts.storage.models import Unit
from alerts.storage.queries import unit_by_token


class CallerCache:
    """Token → the unit and its ancestors, kept for `ttl` seconds so a busy webhook does not
    look them up on every filing. A revoked token therefore works up to `ttl` longer
    (docs/decisions/0004-caller-cache.md); `clear` forgets everything at once."""

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, list[Unit]]] = {}

    def units(self, session: Session, token: str) -> list[Unit] | None:
        """The caller and its ancestors, attached to `session`, or None for a bad token."""
        entry = self._entries.get(token)
        if entry is None or entry[0] < time.monotonic():
            unit = unit_by_token(session, token=token)
            if unit is None:
                return None
            entry = (time.monotonic() + self.ttl, _with_ancestors(session, unit))
            self._entries[token] = entry
            if len(self._entries) > 10_000:  # bounded: forget the oldest half
                for key in list(self._entries)[:5_000]:
                    del self._entries[key]
            return entry[1]
        # merge without loading: the cached rows enter this session's identity map, so
        # session.get(Unit, parent_id) finds the office without a query
        return [session.merge(unit, load=False) for unit in entry[1]]

    def clear(self) -> None:
        """Forget every cached token (after a revocation, say)."""
        self._entries.clear()


def _with_ancestors(session: Session, unit: Unit) -> list[Unit]:
    chain, seen = [unit], {unit.id}
    while chain[-1].parent_id and chain[-1].parent_id not in seen:
        parent = session.get(Unit, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.id)
    return chain


def authenticate(session: Session, request: Request, cache: CallerCache) -> Unit:
    """The unit whose live token is in `Authorization: Bearer …`; 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    units = cache.units(session, token.strip()) if scheme.lower() == "bearer" else None
    if not units:
        raise ApiError(401, "unauthorized")
    return units[0]


def verify_signature(unit: Unit, request: Request, raw: bytes) -> None:
    """Units that require it send `X-Jibao-Signature: sha256=<hex HMAC of the body>`; else 401."""
    if not unit.require_signature:
        return
    given = request.headers.get("x-jibao-signature", "")
    if not unit.signing_secret or not given.startswith("sha256="):
        raise ApiError(401, "bad_signature")
    expected = hmac.new(unit.signing_secret.encode(), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.removeprefix("sha256=").lower(), expected):
        raise ApiError(401, "bad_signature")


def sign(secret: str, raw: bytes) -> str:
    """The header value a sender puts in X-Jibao-Signature."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
