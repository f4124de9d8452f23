"""Who is calling: unit bearer tokens and the optional HMAC body signature."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request
from sqlalchemy.orm import Session

from alerts.api.errors import ApiError
from alerts.callers import CallerCache
from alerts.storage.models import Unit


def authenticate(session: Session, cache: CallerCache, token: str | None) -> Unit:
    """The unit whose live token was sent as `Authorization: Bearer …`; 401 otherwise."""
    return authenticate_chain(session, cache, token)[0]


def authenticate_chain(session: Session, cache: CallerCache, token: str | None) -> list[Unit]:
    """The calling unit and its ancestors; 401 for a missing or bad token. Hold the list while
    working: the session keeps its rows only weakly, and a dropped ancestor is a SELECT when
    it is next looked up by id."""
    units = cache.units(session, token.strip()) if token else None
    if not units:
        raise ApiError(401, "unauthorized")
    return units


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
