"""The request and response models of the instruction routes (批示)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alerts.api.bounds import RowId, WireTime
from alerts.api.schemas import Moment, ObligationOut, Out
from alerts.instructions.moves import REASON_MAX

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Post = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=REASON_MAX)]


class IssuerIn(BaseModel):
    """Who wrote the instruction."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    post: Post
    level: Literal["county", "city", "province"] = Field(description="province means or above")


class InstructionIn(BaseModel):
    """An instruction as the duty room received it."""

    model_config = ConfigDict(extra="forbid")
    issuer: IssuerIn
    received_at: WireTime
    text: Words = Field(description="exactly as written")
    type: Literal["act", "guidance", "reference"] = Field(
        description="act 批办, guidance 指导 (both owe feedback), reference 参阅 (no feedback)"
    )
    units: list[Code] = Field(min_length=1, max_length=100, description="responsible units")
    incident_id: RowId | None = None
    deadline_at: WireTime | None = Field(None, description="the deadline written in it, if any")


class MoveIn(BaseModel):
    """A move's reason (required to return feedback)."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason = ""


class StepOut(Out):
    """One recorded move."""

    unit: str
    move: str
    at: Moment
    by: str
    reason: str
    text: str


class InstructionWaiverOut(Out):
    """A clock the office waived (免报), with why, who and when."""

    obligation_id: int | None = Field(description="None only if the clock is gone")
    key: str
    kind: str = Field(description="instruction_relay, _ack, _feedback or _verify")
    unit: str = Field(description="the responsible unit the clock is about")
    reason: str
    by: str
    at: Moment


class InstructionUnitOut(Out):
    """A responsible unit and where it stands."""

    unit: str
    stage: str = Field(description="received, relayed, acknowledged, feedback, verified, closed")


class InstructionOut(Out):
    """An instruction, each unit's stage, its clocks, its moves and its waived clocks."""

    id: int
    office: str
    incident_id: int | None
    issuer: IssuerIn
    type: str
    text: str
    received_at: Moment
    deadline_at: Moment | None
    recorded_by: str
    units: list[InstructionUnitOut]
    obligations: list[ObligationOut]
    steps: list[StepOut]
    waivers: list[InstructionWaiverOut]


class InstructionListOut(Out):
    """Instructions, newest first."""

    instructions: list[InstructionOut]
