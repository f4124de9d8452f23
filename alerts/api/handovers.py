"""/api/v1/roster/handovers: 交接班 at shift ends. The outgoing officer adds notes, the incoming
officer accepts; the engine tells the leader on duty when acceptance is late."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from sqlalchemy import select

from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import error_responses
from alerts.api.roster_access import (
    PersonIn,
    acted_on,
    person_names,
    unit_codes,
    units_below,
)
from alerts.api.roster_schemas import HandoverActedOut, HandoverOut, HandoversOut
from alerts.roster import actions as roster_actions
from alerts.services import ClockDep, ServicesDep, SessionDep
from alerts.storage import models as m

router = APIRouter(tags=["handovers"])


@router.get("/api/v1/roster/handovers", responses=error_responses(401, 422))
async def list_handovers(
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
    state: Literal["open", "accepted", "all"] = "open",
) -> HandoversOut:
    """Handovers of the caller's units, newest first, with the clocks handed over."""
    within = services.settings.roster.handover_accept_within
    ids = [u.id for u in units_below(session, caller)]
    query = select(m.Handover).where(m.Handover.unit_id.in_(ids))
    if state != "all":
        accepted = m.Handover.accepted_at.is_not(None)
        query = query.where(accepted if state == "accepted" else ~accepted)
    names, codes, now = person_names(session), unit_codes(session), clock.now()
    return HandoversOut(
        handovers=[
            HandoverOut(
                id=h.id,
                unit=codes[h.unit_id],
                role=h.role,
                shift_end_at=wire.moment(h.shift_end_at),
                outgoing_person_id=h.outgoing_person_id,
                outgoing=names.get(h.outgoing_person_id or 0),
                incoming_person_id=h.incoming_person_id,
                incoming=names.get(h.incoming_person_id or 0),
                items=h.items,
                notes=h.notes,
                accepted_at=wire.time(h.accepted_at),
                accept_by=wire.moment(h.shift_end_at + within),
                overdue=h.accepted_at is None and now > h.shift_end_at + within,
                leader_told_at=wire.time(h.alerted_at),
            )
            for h in session.scalars(query.order_by(m.Handover.shift_end_at.desc()).limit(200))
        ]
    )


@router.post(
    "/api/v1/roster/handovers/{handover_id}/{action}",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
async def act_on_handover(
    handover_id: int,
    action: Annotated[str, Path(pattern="^(notes|accept)$")],
    body: PersonIn,
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
) -> HandoverActedOut:
    """`notes` by the outgoing officer; `accept` by the incoming officer."""
    handover = acted_on(session, caller, m.Handover, handover_id)
    roster_actions.act_on_handover(
        handover,
        action=action,
        person_id=body.person_id,
        notes=body.notes,
        now=clock.now(),
    )
    session.commit()
    return HandoverActedOut(
        id=handover.id, accepted=handover.accepted_at is not None, notes=handover.notes
    )
