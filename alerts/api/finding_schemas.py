"""The request and response models of the finding routes (认定)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alerts.api.schemas import Moment, Out

DecisionName = Literal["confirm", "dismiss", "reopen"]
StateName = Literal["candidate", "confirmed", "dismissed"]


class DecisionIn(BaseModel):
    """A decision about a finding, as JSON (no files); multipart/form-data carries the same
    fields and the files (`file`, repeated)."""

    model_config = ConfigDict(extra="forbid")
    decision: DecisionName = Field(
        description="confirm (认定), dismiss (不予认定), reopen (back to candidate)"
    )
    reason: str = Field(description="why; required, at most 2,000 characters")
    evidence: str = Field("", description="evidence in words, at most 10,000 characters")


class EvidenceFileOut(Out):
    """A file given as evidence; its bytes at `GET /api/v1/findings/{id}/evidence/{id}`."""

    id: int
    filename: str
    media_type: str
    size: int
    sha256: str


class DecisionOut(Out):
    """One decision about a finding: who, when, from which state to which, and why."""

    id: int
    decision: DecisionName
    from_state: StateName
    to_state: StateName
    at: Moment
    by: str
    reason: str
    evidence: str
    files: list[EvidenceFileOut]


class FindingOut(Out):
    """A finding on an incident, where it stands and every decision about it."""

    id: int
    incident_id: int
    unit: str
    kind: Literal["missed", "under_graded", "chain_breach", "concealment_suspected"]
    key: str = Field(description="`missed:<obligation key>`, or the flag's code")
    state: StateName
    raised_at: Moment
    obligation_id: int | None
    filing_id: int | None
    params: dict[str, str | int]
    stands: bool = Field(description="what raised it still stands (still missed, still flagged)")
    counts: bool = Field(description="confirmed and standing: it takes points off the score")
    moves: list[DecisionName] = Field(description="the decisions open to it now")
    decisions: list[DecisionOut]


class FindingListOut(Out):
    """An incident's findings, oldest first."""

    findings: list[FindingOut]
