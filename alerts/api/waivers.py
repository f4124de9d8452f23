"""POST /api/v1/obligations/{obligation_id}/waiver: the office waives (免报) one still-owed
obligation with a reason, as its duty room can on the incident page: a report's (the rules
are alerts/filing/waivers.py's) or an instruction's clock (alerts/instructions/waivers.py's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import error_responses
from alerts.filing.waivers import REASON_MAX, obligation_to_waive, waive
from alerts.instructions.waivers import instruction_clock, waive_instruction_clock
from alerts.services import ClockDep, ServicesDep, SessionDep

router = APIRouter(tags=["obligations"])

Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX)
]


class WaiverIn(BaseModel):
    """Why the obligation is not owed: kept with it and shown on the incident's timeline."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason


class WaiverOut(BaseModel):
    """The waiver as recorded, and the obligation as the rules now see it."""

    obligation_id: int
    incident_id: int | None = Field(description="None for an instruction on no incident")
    instruction_id: int | None = Field(description="the instruction whose clock it is, if any")
    key: str
    status: str  # `waived`
    reason: str
    by: str
    at: str  # RFC 3339 in the configured zone


@router.post(
    "/api/v1/obligations/{obligation_id}/waiver",
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
async def waive_obligation(
    obligation_id: int,
    body: WaiverIn,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
) -> WaiverOut:
    """Waive a still-owed obligation: only the office the incident was reported to may, or for
    an instruction's clock the office that recorded it (403); one already met or waived is a
    conflict (409); its ladder stops."""
    now = clock.now()
    clock_of = instruction_clock(session, obligation_id)
    if clock_of is not None:
        obligation, instruction = clock_of
        waiver, _ = waive_instruction_clock(
            session,
            settings=services.settings,
            instruction=instruction,
            obligation=obligation,
            office=caller,
            reason=body.reason,
            by=caller.name,
            now=now,
        )
    else:
        obligation, incident = obligation_to_waive(session, obligation_id)
        waiver = waive(
            session,
            settings=services.settings,
            incident=incident,
            obligation=obligation,
            office=caller,
            reason=body.reason,
            by=caller.name,
            now=now,
        )
    session.commit()
    services.wake()
    return WaiverOut(
        obligation_id=obligation.id,
        incident_id=obligation.incident_id,
        instruction_id=obligation.instruction_id,
        key=obligation.key,
        status=obligation.status,
        reason=waiver.reason,
        by=waiver.by,
        at=wire.moment(waiver.at),
    )
