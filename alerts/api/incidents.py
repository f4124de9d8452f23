"""GET /api/v1/incidents and /api/v1/incidents/{id}: incidents with what is owed, for tokens."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import ApiError, error_responses
from alerts.api.schemas import (
    IncidentListItemOut,
    IncidentListOut,
    IncidentOut,
    IncidentSummaryOut,
)
from alerts.api.wire import Wire
from alerts.filing.archiving import archive
from alerts.services import ClockDep, ServicesDep, SessionDep
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

router = APIRouter(tags=["incidents"])
CLOSED_STATES = ("closed", "archived")


@router.post(
    "/api/v1/incidents/{incident_id}/archive", responses=error_responses(401, 403, 404, 409, 422)
)
async def archive_incident(
    incident_id: int,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
) -> IncidentSummaryOut:
    """Archive (归档) a closed incident: only its office may (403), only after the final report
    (409 `final_report_missing`), once (409 `incident_archived`). It is read-only from then on."""
    incident = session.get(m.Incident, incident_id)
    if incident is None:
        raise ApiError(404, "incident_not_found")
    if not _may_see(caller, incident):
        raise ApiError(403, "forbidden")
    archive(
        session,
        settings=services.settings,
        incident=incident,
        office=caller,
        by=caller.name,
        now=clock.now(),
    )
    session.commit()
    services.wake()
    return wire.incident(incident, _unit_codes(session))


@router.get("/api/v1/incidents/{incident_id}", responses=error_responses(401, 403, 404, 422))
async def get_incident(
    incident_id: int, session: SessionDep, caller: CallerDep, wire: WireDep
) -> IncidentOut:
    """One incident with its filings, obligations, escalation record and timeline, oldest
    first."""
    incident = session.get(m.Incident, incident_id)
    if incident is None:
        raise ApiError(404, "incident_not_found")
    if not _may_see(caller, incident):
        raise ApiError(403, "forbidden")
    codes = _unit_codes(session)
    notifications = notifications_of(session, incident_id=incident.id)
    history: dict[int, list[m.NotificationEvent]] = {}
    for event in delivery_history(session, notification_ids=[n.id for n in notifications]):
        history.setdefault(event.notification_id, []).append(event)
    return IncidentOut(
        **wire.incident(incident, codes).model_dump(),
        filings=[wire.filing(f, codes) for f in filings_of(session, incident_id=incident.id)],
        obligations=[
            wire.obligation(o, codes) for o in obligations_of(session, incident_id=incident.id)
        ],
        escalations=[wire.escalation(e) for e in escalations_of(session, incident_id=incident.id)],
        notifications=[wire.notification(n, history.get(n.id, [])) for n in notifications],
        acknowledgements=[
            wire.acknowledgement(a) for a in acknowledgements_of(session, incident_id=incident.id)
        ],
        timeline=[wire.event(e) for e in events_of(session, incident_id=incident.id)],
    )


@router.get("/api/v1/incidents", responses=error_responses(401, 422))
async def list_incidents(
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    state: Literal["open", "closed", "archived", "all"] = Query("open"),
) -> IncidentListOut:
    """Incidents with their next due obligation: the office's all, a unit's own. `open` is
    every one not yet closed by its final report; `closed` those closed and not archived."""
    query = select(m.Incident)
    if state == "open":
        query = query.where(m.Incident.state.not_in(CLOSED_STATES))
    elif state != "all":
        query = query.where(m.Incident.state == state)
    if caller.is_office:
        query = query.where(m.Incident.office_id == caller.id)
    else:
        query = query.where(m.Incident.unit_id == caller.id)
    incidents = session.scalars(
        query.order_by(m.Incident.next_due_at.is_(None), m.Incident.next_due_at, m.Incident.id)
    ).all()
    codes = _unit_codes(session)
    next_due = _next_due(session, [i.id for i in incidents])
    return IncidentListOut(
        incidents=[_listed(wire, i, codes, next_due.get(i.id)) for i in incidents]
    )


def _listed(
    wire: Wire, incident: m.Incident, codes: dict[int, str], due: m.Obligation | None
) -> IncidentListItemOut:
    return IncidentListItemOut(
        **wire.incident(incident, codes).model_dump(),
        next_due=wire.obligation(due, codes) if due is not None else None,
    )


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
        if row.incident_id is not None:  # always, as selected: the type allows an instruction's
            first.setdefault(row.incident_id, row)
    return first
