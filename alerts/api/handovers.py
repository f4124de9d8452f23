"""/api/v1/roster/handovers: 交接班 at shift ends. The outgoing officer adds notes, the incoming
officer accepts; the engine tells the leader on duty when acceptance is late."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from sqlalchemy import select

from alerts.api.auth import authenticate
from alerts.api.errors import ApiError, error_responses
from alerts.api.roster_access import (
    PersonIn,
    acting_for,
    person_names,
    unit_code,
    unit_codes,
    units_below,
)
from alerts.api.wire import Wire
from alerts.roster import actions as roster_actions
from alerts.services import ServicesDep
from alerts.storage import models as m

router = APIRouter(tags=["roster"], responses=error_responses(401, 403, 404, 409, 413, 422))


@router.get("/api/v1/roster/handovers")
async def list_handovers(
    request: Request,
    services: ServicesDep,
    state: Literal["open", "accepted", "all"] = "open",
) -> dict[str, Any]:
    """Handovers of the caller's units, newest first, with the clocks handed over."""
    wire = Wire(services.settings.rules.timezone)
    within = services.settings.roster.handover_accept_within
    with services.session() as session:
        caller = authenticate(session, request, services.callers)
        ids = [u.id for u in units_below(session, caller)]
        query = select(m.Handover).where(m.Handover.unit_id.in_(ids))
        if state != "all":
            accepted = m.Handover.accepted_at.is_not(None)
            query = query.where(accepted if state == "accepted" else ~accepted)
        names, codes, now = person_names(session), unit_codes(session), services.clock.now()
        return {
            "handovers": [
                {
                    "id": h.id,
                    "unit": codes[h.unit_id],
                    "role": h.role,
                    "shift_end_at": wire.time(h.shift_end_at),
                    "outgoing_person_id": h.outgoing_person_id,
                    "outgoing": names.get(h.outgoing_person_id or 0),
                    "incoming_person_id": h.incoming_person_id,
                    "incoming": names.get(h.incoming_person_id or 0),
                    "items": h.items,
                    "notes": h.notes,
                    "accepted_at": wire.time(h.accepted_at),
                    "accept_by": wire.time(h.shift_end_at + within),
                    "overdue": h.accepted_at is None and now > h.shift_end_at + within,
                    "leader_told_at": wire.time(h.alerted_at),
                }
                for h in session.scalars(query.order_by(m.Handover.shift_end_at.desc()).limit(200))
            ]
        }


@router.post("/api/v1/roster/handovers/{handover_id}/{action}")
async def act_on_handover(
    handover_id: int,
    action: Annotated[str, Path(pattern="^(notes|accept)$")],
    body: PersonIn,
    request: Request,
    services: ServicesDep,
) -> dict[str, Any]:
    """`notes` by the outgoing officer; `accept` by the incoming officer."""
    with services.session() as session:
        handover = session.get(m.Handover, handover_id)
        if handover is None:
            raise ApiError(404, "not_found")
        acting_for(session, services, request, unit_code(session, handover.unit_id))
        roster_actions.act_on_handover(
            handover,
            action=action,
            person_id=body.person_id,
            notes=body.notes,
            now=services.clock.now(),
        )
        session.commit()
        return {
            "id": handover.id,
            "accepted": handover.accepted_at is not None,
            "notes": handover.notes,
        }
