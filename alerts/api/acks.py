"""Acknowledging an obligation: by API token, and by the signed link in an SMS or email."""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from alerts.api.auth import authenticate
from alerts.api.errors import error_responses
from alerts.api.wire import Wire
from alerts.escalation.acks import acknowledge, obligation_for
from alerts.services import ServicesDep
from alerts.storage import models as m

router = APIRouter(tags=["acknowledgements"], responses=error_responses(401, 403, 404, 413, 422))


@router.post("/api/v1/obligations/{obligation_id}/acknowledge", status_code=201)
async def acknowledge_by_token(
    obligation_id: int, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """收到 by the owing unit's or the office's token: pauses the ladder."""
    with services.session() as session:
        caller = authenticate(session, request, services.callers)
        obligation = obligation_for(session, obligation_id=obligation_id, unit=caller)
        ack = acknowledge(
            session, obligation=obligation, via="api", now=services.clock.now(), by=caller.code
        )
        session.commit()
        services.wake()
        wire = Wire(services.settings.rules.timezone)
        return {"id": ack.id, "obligation_id": obligation.id, "via": "api", "at": wire.time(ack.at)}


@router.get("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
async def ack_page(token: str, request: Request, services: ServicesDep) -> HTMLResponse:
    """The page a signed link opens: says what it is about and asks to confirm (a GET changes
    nothing, so link scanners in mail systems cannot acknowledge for anyone)."""
    with services.session() as session:
        found = _resolve(request, session, token)
        if found is None:
            return _page(services, "link_invalid", status=404)
        incident = found[1]
        title = "" if incident.classified else incident.title
        return _page(services, "confirm", title=title, form=True)


@router.post("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
async def ack_confirm(token: str, request: Request, services: ServicesDep) -> HTMLResponse:
    """Acknowledge through a signed link."""
    with services.session() as session:
        found = _resolve(request, session, token)
        if found is None:
            return _page(services, "link_invalid", status=404)
        obligation, _, person = found
        acknowledge(
            session, obligation=obligation, via="link", now=services.clock.now(), person=person
        )
        session.commit()
    services.wake()
    return _page(services, "done")


def _resolve(
    request: Request, session: Any, token: str
) -> tuple[m.Obligation, m.Incident, m.Person | None] | None:
    read = request.app.state.engine.links.read(token)
    if read is None:
        return None
    obligation = session.get(m.Obligation, read[0])
    incident = session.get(m.Incident, obligation.incident_id) if obligation else None
    if obligation is None or incident is None:
        return None
    person = session.get(m.Person, read[1]) if read[1] else None
    return obligation, incident, person


def _page(
    services: Any, key: str, *, title: str = "", form: bool = False, status: int = 200
) -> HTMLResponse:
    t = services.translate
    body = f"<h1>{escape(t('ack.heading'))}</h1><p>{escape(t(f'ack.{key}'))}</p>"
    if title:
        body += f"<p><strong>{escape(title)}</strong></p>"
    if form:
        body += (
            f'<form method="post"><button type="submit">{escape(t("ack.button"))}</button></form>'
        )
    html = (
        f'<!doctype html><html lang="{t("ack.lang")}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(t('ack.heading'))}</title></head><body>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status)
