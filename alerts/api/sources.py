"""POST /api/v1/sources/…: monitoring systems' alerts as registrations (登记), docs/api.md
"Sources". Alertmanager's webhook at /api/v1/sources/alertmanager, any `[[sources]]` table at
/api/v1/sources/NAME; the office's token in the Authorization header or, for senders that
cannot set a header, as the last part of the path."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session

from alerts.api.auth import authenticate, verify_signature
from alerts.api.bounds import read_body, read_json
from alerts.api.deps import BearerDep, token_of
from alerts.api.errors import ApiError, error_responses, from_refused, status_of
from alerts.api.openapi import REF, json_body
from alerts.api.source_schemas import SourceAlertOut, SourceOut
from alerts.errors import Invalid, Refused
from alerts.services import Services, ServicesDep, SessionDep
from alerts.sources.alerts import AlertmanagerMessage, read_alerts
from alerts.sources.intake import (
    AlertOutcome,
    refuse_unless_office,
    source_named,
    take_alerts,
)
from alerts.sources.settings import ALERTMANAGER

router = APIRouter(tags=["sources"])
PREFIX = "/api/v1/sources"
_ERRORS = error_responses(401, 403, 404, 413, 422)
_ALERTMANAGER_BODY = json_body(
    AlertmanagerMessage,
    "Alertmanager's webhook message, version 4, as its webhook_config sends it; fields beyond "
    "these are ignored.",
)
_ANY_BODY = {
    "requestBody": {
        "required": True,
        "description": "What the source posts: Alertmanager's message for a source of kind "
        "alertmanager; for kind json, an object (one alert), an array of them, or an object "
        "holding the array at the table's `items`.",
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": REF.format(model=AlertmanagerMessage.__name__)},
                        {"type": "object", "additionalProperties": True},
                        {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": True},
                        },
                    ]
                }
            }
        },
    }
}
Token = Annotated[
    str, Path(description="the office's token, for senders that cannot set Authorization")
]
Name = Annotated[str, Path(description="the `name` of a `[[sources]]` table in config.toml")]


@router.post(f"{PREFIX}/{ALERTMANAGER}", responses=_ERRORS, openapi_extra=_ALERTMANAGER_BODY)
async def receive_alertmanager(
    request: Request, session: SessionDep, services: ServicesDep, credentials: BearerDep
) -> SourceOut:
    """Alertmanager's webhook for the source named alertmanager: each alert a registration.

    The office's token comes as `Authorization: Bearer` (webhook_config's
    `http_config.authorization`)."""
    return await _receive(request, session, services, ALERTMANAGER, token_of(credentials))


@router.post(
    f"{PREFIX}/{ALERTMANAGER}/{{token}}", responses=_ERRORS, openapi_extra=_ALERTMANAGER_BODY
)
async def receive_alertmanager_with_token(
    token: Token, request: Request, session: SessionDep, services: ServicesDep
) -> SourceOut:
    """Alertmanager's webhook, the office's token in the path (for set-ups without headers)."""
    return await _receive(request, session, services, ALERTMANAGER, token)


@router.post(f"{PREFIX}/{{name}}", responses=_ERRORS, openapi_extra=_ANY_BODY)
async def receive_source(
    name: Name, request: Request, session: SessionDep, services: ServicesDep, credentials: BearerDep
) -> SourceOut:
    """A `[[sources]]` table's alerts, read as its kind says: each alert a registration."""
    return await _receive(request, session, services, name, token_of(credentials))


@router.post(f"{PREFIX}/{{name}}/{{token}}", responses=_ERRORS, openapi_extra=_ANY_BODY)
async def receive_source_with_token(
    name: Name, token: Token, request: Request, session: SessionDep, services: ServicesDep
) -> SourceOut:
    """A `[[sources]]` table's alerts, the office's token in the path."""
    return await _receive(request, session, services, name, token)


async def _receive(
    request: Request, session: Session, services: Services, name: str, token: str | None
) -> SourceOut:
    """Authenticate, read, take every alert or none, commit, answer.

    Runs inline on the event loop like the filing webhook (docs/decisions/0002)."""
    try:
        filer = authenticate(session, services.callers, token)
        refuse_unless_office(filer)
        raw = await read_body(request, services.settings.api.max_body_bytes)
        verify_signature(filer, request, raw)
        source = source_named(services.settings.sources, name)
        alerts = read_alerts(source, read_json(raw))
        taken = take_alerts(
            session,
            settings=services.settings,
            filer=filer,
            source=source,
            alerts=alerts,
            now=services.clock.now(),
            translate=services.translate,
        )
        session.commit()
    except (ApiError, Refused) as error:
        services.metrics.rejected.labels(str(status_of(error))).inc()
        if isinstance(error, Invalid) and error.code == "invalid":
            raise _nothing_taken(error) from error
        raise
    filed = [outcome for outcome in taken if outcome.filing is not None]
    if filed:
        services.metrics.filings.labels("register").inc(len(filed))
        services.wake()  # new registrations chase their units
    return SourceOut(source=source.name, alerts=[_alert_out(outcome) for outcome in taken])


def _alert_out(outcome: AlertOutcome) -> SourceAlertOut:
    return SourceAlertOut(
        fingerprint=outcome.alert.fingerprint,
        status="resolved" if outcome.alert.resolved else "firing",
        outcome=outcome.outcome,
        incident_id=outcome.incident.id,
        filing_id=outcome.filing.id if outcome.filing else None,
    )


def _nothing_taken(refused: Invalid) -> ApiError:
    """A refused alert, said as such: the code stays `invalid`, the message says no alert of
    the request was taken."""
    error = from_refused(refused)
    error.message = "source_invalid"
    return error
