"""POST /api/v1/obligations/{obligation_id}/waiver: the office waives (免报) one still-owed
obligation with a reason, as its duty room can on the incident page (alerts/filing/waivers.py
holds the rules both follow)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from alerts.api.auth import authenticate
from alerts.api.errors import error_responses
from alerts.api.wire import Wire
from alerts.filing.waivers import REASON_MAX, obligation_to_waive, waive
from alerts.services import ServicesDep

router = APIRouter(tags=["obligations"], responses=error_responses(401, 403, 404, 409, 413, 422))

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
    incident_id: int
    key: str
    status: str  # `waived`
    reason: str
    by: str
    at: str  # RFC 3339 in the configured zone


@router.post(
    "/api/v1/obligations/{obligation_id}/waiver",
    status_code=201,
    response_model=WaiverOut,
    operation_id="waive_obligation",
)
async def waive_obligation(
    obligation_id: int, body: WaiverIn, request: Request, services: ServicesDep
) -> WaiverOut:
    """Waive a still-owed obligation: only the office the incident was reported to may (403);
    one already met or waived is a conflict (409); its ladder stops."""
    with services.session() as session:
        caller = authenticate(session, request, services.callers)
        obligation, incident = obligation_to_waive(session, obligation_id)
        now = services.clock.now()
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
            incident_id=incident.id,
            key=obligation.key,
            status=obligation.status,
            reason=waiver.reason,
            by=waiver.by,
            at=Wire(services.settings.rules.timezone).time(waiver.at) or "",
        )
