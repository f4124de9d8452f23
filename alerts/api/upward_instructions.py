"""The instructions (批示) a parent's Jibao sends down on an incident this office reported to
it: `POST /api/v1/upward/instructions`, signed, not bearer-authenticated. The body is the
parent's JSON document exactly as alerts/upward/downward.py writes it, and
`X-Jibao-Signature: sha256=<hex>` its HMAC-SHA256 with the secret this office shares with that
parent (JIBAO_UPWARD_SECRET_<NAME>). 201 with the instruction recorded here (200 replaying the
first answer to a repeat of the document's key); 401 for a signature no parent's secret makes,
404 for a parent incident we never reported, 409 when nobody here could relay it, 422 for a
document that is not one (nothing is recorded)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from alerts.api.bounds import read_body
from alerts.api.errors import ApiError, error_responses
from alerts.api.openapi import json_body
from alerts.api.schemas import Out
from alerts.services import ServicesDep, SessionDep
from alerts.upward.downward import EVENT, PATH, BadSignature, accept

router = APIRouter(tags=["upward"])


class DownIssuerIn(BaseModel):
    """Who wrote the instruction, at the parent."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=100)]
    post: Annotated[str, Field(min_length=1, max_length=100)]
    level: Literal["county", "city", "province"]


class InstructionDownIn(BaseModel):
    """An instruction the parent recorded on the incident this office reported to it."""

    model_config = ConfigDict(extra="allow")
    event: Literal["jibao.instruction"] = Field(description=EVENT)
    version: int = 1
    key: Annotated[str, Field(min_length=1, max_length=150, description="drops repeats")]
    parent_incident_id: int = Field(description="the parent's incident (from our 首报's receipt)")
    issuer: DownIssuerIn
    type: Literal["act", "guidance", "reference"]
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    deadline_at: str | None = None


class InstructionDownOut(Out):
    """The instruction as recorded here."""

    instruction_id: int
    incident_id: int
    received_at: str
    units: list[str] = Field(description="the units here that must relay it (K9)")


@router.post(
    PATH,
    status_code=201,
    responses=error_responses(401, 404, 409, 413, 422),
    openapi_extra=json_body(InstructionDownIn, "The parent's document, signed."),
)
async def instruction_from_parent(
    request: Request, response: Response, session: SessionDep, services: ServicesDep
) -> InstructionDownOut:
    """Record an instruction the parent's Jibao sent down; the office's relay clock starts."""
    raw = await read_body(request, services.settings.api.max_body_bytes)
    try:
        accepted = accept(
            session,
            settings=services.settings,
            raw=raw,
            signature=request.headers.get("x-jibao-signature", ""),
            now=services.clock.now(),
        )
    except BadSignature as refused:
        raise ApiError(401, "bad_signature") from refused
    session.commit()
    if accepted.status == 201:
        services.wake()
    response.status_code = accepted.status
    return InstructionDownOut.model_validate(accepted.answer)
