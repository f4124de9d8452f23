"""/api/v1/roster/swaps: 调班 requests. Paging changes only once the leader on duty approves.
Requests and decisions are audited as the caller's (`api:<unit code>`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import Field
from sqlalchemy import select

from alerts import audit
from alerts.api.bounds import RowId, WireTime
from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import ApiError, FieldProblem, error_responses
from alerts.api.roster_access import (
    In,
    PersonIn,
    Role,
    acted_on,
    acting_for,
    check_people,
    check_span,
    person_names,
    unit_codes,
    units_below,
)
from alerts.api.roster_schemas import SwapOut, SwapsOut, SwapStateOut
from alerts.roster import actions as roster_actions
from alerts.services import ClockDep, RosterBookDep, SessionDep
from alerts.storage import models as m

router = APIRouter(tags=["swaps"])


class SwapIn(In):
    """A request that `to_person_id` take `from_person_id`'s duty for a span."""

    unit: str
    role: Role
    from_person_id: RowId
    to_person_id: RowId
    starts_at: WireTime
    ends_at: WireTime
    reason: str = Field(default="", max_length=300)


@router.post("/api/v1/roster/swaps", status_code=201, responses=error_responses(401, 403, 413, 422))
async def request_swap(
    body: SwapIn, session: SessionDep, caller: CallerDep, clock: ClockDep
) -> SwapStateOut:
    """Ask for a swap."""
    unit = acting_for(session, caller, body.unit)
    check_people(session, unit, [body.from_person_id, body.to_person_id], "to_person_id")
    check_span(body.starts_at, body.ends_at)
    if body.from_person_id == body.to_person_id:
        raise ApiError(422, "invalid", fields=[FieldProblem("to_person_id", "same_person")])
    row = m.SwapRequest(
        unit_id=unit.id,
        role=body.role,
        from_person_id=body.from_person_id,
        to_person_id=body.to_person_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        reason=body.reason,
        requested_at=clock.now(),
        state="pending",
    )
    session.add(row)
    audit.created(session, actor=audit.api_actor(caller), at=row.requested_at, row=row)
    session.commit()
    return SwapStateOut(id=row.id, state=row.state)


@router.get("/api/v1/roster/swaps", responses=error_responses(401, 422))
async def list_swaps(
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    state: Literal["pending", "approved", "rejected", "all"] = "pending",
) -> SwapsOut:
    """Swap requests of the caller's units."""
    ids = [u.id for u in units_below(session, caller)]
    query = select(m.SwapRequest).where(m.SwapRequest.unit_id.in_(ids))
    if state != "all":
        query = query.where(m.SwapRequest.state == state)
    names, codes = person_names(session), unit_codes(session)
    return SwapsOut(
        swaps=[
            SwapOut(
                id=s.id,
                unit=codes[s.unit_id],
                role=s.role,
                from_person_id=s.from_person_id,
                from_person=names.get(s.from_person_id),
                to_person_id=s.to_person_id,
                to_person=names.get(s.to_person_id),
                starts_at=wire.moment(s.starts_at),
                ends_at=wire.moment(s.ends_at),
                reason=s.reason,
                state=s.state,
                decided_by=names.get(s.decided_by_person_id or 0),
                decided_at=wire.time(s.decided_at),
            )
            for s in session.scalars(query.order_by(m.SwapRequest.id))
        ]
    )


@router.post(
    "/api/v1/roster/swaps/{swap_id}/{decision}",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
async def decide_swap(
    swap_id: int,
    decision: Annotated[str, Path(pattern="^(approve|reject)$")],
    body: PersonIn,
    session: SessionDep,
    caller: CallerDep,
    book: RosterBookDep,
    clock: ClockDep,
) -> SwapStateOut:
    """Approve or reject: only a leader on duty (the unit's, or the office's) may."""
    swap = acted_on(session, caller, m.SwapRequest, swap_id)
    roster_actions.decide_swap(
        session,
        book,
        swap,
        approve=decision == "approve",
        person_id=body.person_id,
        now=clock.now(),
        actor=audit.api_actor(caller),
    )
    session.commit()
    return SwapStateOut(id=swap.id, state=swap.state)
