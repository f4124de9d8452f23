"""GET /api/v1/incidents and /api/v1/incidents/{id}: incidents with what is owed, for tokens."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.api.auth import authenticate
from alerts.api.errors import ApiError, error_responses
from alerts.api.wire import Wire
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries import (
    acknowledgements_of,
    delivery_history,
    escalations_of,
    events_of,
    filings_of,
    notifications_of,
    obligations_of,
)

router = APIRouter(tags=["incidents"], responses=error_responses(401, 403, 404, 422))


@router.get("/api/v1/incidents/{incident_id}")
async def get_incident(incident_id: int, request: Request, services: ServicesDep) -> dict[str, Any]:
    """One incident with its filings, obligations and timeline, oldest first."""
    wire = Wire(services.settings.rules.timezone)
    with services.session() as session:
        caller = authenticate(session, request, services.callers)
        incident = session.get(m.Incident, incident_id)
        if incident is None:
            raise ApiError(404, "incident_not_found")
        if not _may_see(caller, incident):
            raise ApiError(403, "forbidden")
        codes = _unit_codes(session)
        return {
            **wire.incident(incident, codes),
            "filings": [
                wire.filing(f, codes) for f in filings_of(session, incident_id=incident.id)
            ],
            "obligations": [
                wire.obligation(o, codes) for o in obligations_of(session, incident_id=incident.id)
            ],
            **_escalation_record(session, wire, incident.id),
            "timeline": [wire.event(e) for e in events_of(session, incident_id=incident.id)],
        }


def _escalation_record(session: Session, wire: Wire, incident_id: int) -> dict[str, Any]:
    notifications = notifications_of(session, incident_id=incident_id)
    history: dict[int, list[m.NotificationEvent]] = {}
    for event in delivery_history(session, notification_ids=[n.id for n in notifications]):
        history.setdefault(event.notification_id, []).append(event)
    return {
        "escalations": [
            wire.escalation(e) for e in escalations_of(session, incident_id=incident_id)
        ],
        "notifications": [wire.notification(n, history.get(n.id, [])) for n in notifications],
        "acknowledgements": [
            wire.acknowledgement(a) for a in acknowledgements_of(session, incident_id=incident_id)
        ],
    }


@router.get("/api/v1/incidents")
async def list_incidents(
    request: Request,
    services: ServicesDep,
    state: Literal["open", "closed", "all"] = Query("open"),
) -> dict[str, Any]:
    """Incidents with their next due obligation: the office's all, a unit's own."""
    wire = Wire(services.settings.rules.timezone)
    with services.session() as session:
        caller = authenticate(session, request, services.callers)
        query = select(m.Incident)
        if state == "open":
            query = query.where(m.Incident.state != "closed")
        elif state == "closed":
            query = query.where(m.Incident.state == "closed")
        if caller.is_office:
            query = query.where(m.Incident.office_id == caller.id)
        else:
            query = query.where(m.Incident.unit_id == caller.id)
        incidents = session.scalars(
            query.order_by(m.Incident.next_due_at.is_(None), m.Incident.next_due_at, m.Incident.id)
        ).all()
        codes = _unit_codes(session)
        next_due = _next_due(session, [i.id for i in incidents])
        return {
            "incidents": [
                {
                    **wire.incident(i, codes),
                    "next_due": wire.obligation(next_due[i.id], codes)
                    if i.id in next_due
                    else None,
                }
                for i in incidents
            ]
        }


def _may_see(caller: m.Unit, incident: m.Incident) -> bool:
    return incident.unit_id == caller.id or (caller.is_office and incident.office_id == caller.id)


def _unit_codes(session: Session) -> dict[int, str]:
    return {unit_id: code for unit_id, code in session.execute(select(m.Unit.id, m.Unit.code))}


def _next_due(session: Session, incident_ids: list[int]) -> dict[int, m.Obligation]:
    if not incident_ids:
        return {}
    rows = session.scalars(
        select(m.Obligation)
        .where(m.Obligation.incident_id.in_(incident_ids), m.Obligation.status == "pending")
        .order_by(m.Obligation.due_at)
    ).all()
    first: dict[int, m.Obligation] = {}
    for row in rows:
        first.setdefault(row.incident_id, row)
    return first
