"""The FastAPI dependencies of the API routes: the caller a bearer token names, and the wire
format in the configured zone. The shared ones (services, session, clock, roster) live in
alerts/services.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from alerts.api.auth import authenticate
from alerts.api.wire import Wire
from alerts.services import ServicesDep, SessionDep
from alerts.storage.models import Unit

# auto_error=False: a missing or malformed header gets our own 401 body, like a bad token
bearer = HTTPBearer(
    scheme_name="unit_token",
    description="A unit's token (`jibao unit add` prints one; admins issue more).",
    auto_error=False,
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def token_of(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    """The bearer token sent, if any."""
    return credentials.credentials if credentials is not None else None


async def get_caller(session: SessionDep, services: ServicesDep, credentials: BearerDep) -> Unit:
    """FastAPI dependency: the unit whose token the request carries, in the request's session;
    401 for none or a bad one."""
    return authenticate(session, services.callers, token_of(credentials))


async def get_wire(services: ServicesDep) -> Wire:
    """FastAPI dependency: rows as answers, in the configured zone."""
    return Wire(services.settings.rules.timezone)


CallerDep = Annotated[Unit, Depends(get_caller)]
WireDep = Annotated[Wire, Depends(get_wire)]
