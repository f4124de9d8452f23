"""/api/v1/roster/swaps: 调班 requests. Paging changes only once the leader on duty approves."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import Field
from sqlalchemy import select

from alerts.api.auth import authenticate
from alerts.api.bounds import RowId, WireTime
from alerts.api.errors import ApiError, FieldProblem, error_responses
from alerts.api.roster_access import (
    In,
    PersonIn,
    Role,
    acting_for,
    check_people,
    check_span,
    person_names,
    roster_book,
    unit_code,
    unit_codes,
    units_below,
)
from alerts.api.wire import Wire
from alerts.roster import actions as roster_actions
from alerts.services import ServicesDep
from alerts.storage import models as m

router = APIRouter(tags=["roster"], responses=error_responses(401, 403, 404, 409, 413, 422))


class SwapIn(In):
    """A request that `to_person_id` take `from_person_id`'s duty for a span."""

    unit: str
    role: Role
    from_person_id: RowId
    to_person_id: RowId
    starts_at: WireTime
    ends_at: WireTime
    reason: str = Field(default="", max_length=300)


@router.post("/api/v1/roster/swaps", status_code=201)
async def request_swap(body: SwapIn, request: Request, services: ServicesDep) -> dict[str, Any]:
    """Ask for a swap."""
    with services.session() as session:
        unit, _ = acting_for(session, services, request, body.unit)
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
            requested_at=services.clock.now(),
            state="pending",
        )
        session.add(row)
        session.commit()
        return {"id": row.id, "state": row.state}


@router.get("/api/v1/roster/swaps")
async def list_swaps(
    request: Request,
    services: ServicesDep,
    state: Literal["pending", "approved", "rejected", "all"] = "pending",
) -> dict[str, Any]:
    """Swap requests of the caller's units."""
    wire = Wire(services.settings.rules.timezone)
    with services.session() as session:
        caller = authenticate(session, request, services.callers)
        ids = [u.id for u in units_below(session, caller)]
        query = select(m.SwapRequest).where(m.SwapRequest.unit_id.in_(ids))
        if state != "all":
            query = query.where(m.SwapRequest.state == state)
        names, codes = person_names(session), unit_codes(session)
        return {
            "swaps": [
                {
                    "id": s.id,
                    "unit": codes[s.unit_id],
                    "role": s.role,
                    "from_person_id": s.from_person_id,
                    "from_person": names.get(s.from_person_id),
                    "to_person_id": s.to_person_id,
                    "to_person": names.get(s.to_person_id),
                    "starts_at": wire.time(s.starts_at),
                    "ends_at": wire.time(s.ends_at),
                    "reason": s.reason,
                    "state": s.state,
                    "decided_by": names.get(s.decided_by_person_id or 0),
                    "decided_at": wire.time(s.decided_at),
                }
                for s in session.scalars(query.order_by(m.SwapRequest.id))
            ]
        }


@router.post("/api/v1/roster/swaps/{swap_id}/{decision}")
async def decide_swap(
    swap_id: int,
    decision: Annotated[str, Path(pattern="^(approve|reject)$")],
    body: PersonIn,
    request: Request,
    services: ServicesDep,
) -> dict[str, Any]:
    """Approve or reject: only a leader on duty (the unit's, or the office's) may."""
    book = roster_book(request)
    with services.session() as session:
        swap = session.get(m.SwapRequest, swap_id)
        if swap is None:
            raise ApiError(404, "not_found")
        acting_for(session, services, request, unit_code(session, swap.unit_id))
        roster_actions.decide_swap(
            session,
            book,
            swap,
            approve=decision == "approve",
            person_id=body.person_id,
            now=services.clock.now(),
        )
        session.commit()
        return {"id": swap.id, "state": swap.state}
