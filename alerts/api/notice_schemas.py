"""The request and response models of the notice routes (一事一通报)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alerts.api.schemas import Moment, Out

KindName = Literal["late", "missed", "concealed"]
ReportName = Literal["initial", "written", "upward"]


class NoticeDraftIn(BaseModel):
    """What to draft a notice from, and optionally its 整改要求 (else the default text)."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(
        max_length=40,
        description="`obligation:<id>` (a late report) or `finding:<id>` (a confirmed missed "
        "or concealed report), as `GET /api/v1/notices` lists the candidates",
    )
    requirements: str | None = Field(None, description="整改要求, at most 2,000 characters")


class NoticeEditIn(BaseModel):
    """New 整改要求 for a draft."""

    model_config = ConfigDict(extra="forbid")
    requirements: str = Field(description="整改要求; required, at most 2,000 characters")


class NoticeEmailOut(Out):
    """An email the approval queued, and where it stands in the outbox."""

    to: str
    address: str
    state: str


class FactsOut(Out):
    """What a notice rests on: the unit, the incident, the report, when it was due and came."""

    kind: KindName
    source: str
    incident_id: int
    incident_title: str
    unit: str
    unit_name: str
    report_kind: ReportName | None
    due_at: Moment | None
    received_at: Moment | None = Field(description="when the report came; null: never")
    minutes_late: int | None
    obligation_id: int | None
    finding_id: int | None
    reason: str = Field(description="the confirming decision's reason; empty for a late report")


class CandidateOut(FactsOut):
    """A source with no notice yet: draft one with `POST /api/v1/notices {"source"}`."""


class NoticeOut(FactsOut):
    """A notice, draft or approved, with its facts as frozen when it was drafted."""

    id: int
    state: Literal["draft", "approved"]
    year: int | None
    number: int | None
    number_text: str = Field(description="〔2026〕第3号, or that it is a draft")
    title: str
    body: str
    requirements: str
    drafted_at: Moment
    drafted_by: str
    approved_at: Moment | None
    approved_by: str | None
    emails: list[NoticeEmailOut]


class NoticeListOut(Out):
    """The notices the caller reads (the office: all, drafts first; a unit: its approved ones)
    and, for the office, the candidates."""

    notices: list[NoticeOut]
    candidates: list[CandidateOut]
