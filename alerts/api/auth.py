"""Who is calling: unit bearer tokens and the optional HMAC body signature."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request
from sqlalchemy.orm import Session

from alerts.api.errors import ApiError
from alerts.storage.models import Unit
from alerts.storage.queries import unit_by_token


def authenticate(session: Session, request: Request) -> Unit:
    """The unit whose live token is in `Authorization: Bearer …`; 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized")
    unit = unit_by_token(session, token=token.strip())
    if unit is None:
        raise ApiError(401, "unauthorized")
    return unit


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
