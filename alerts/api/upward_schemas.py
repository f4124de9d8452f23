"""The upward reports' request and answer models (alerts/api/upward.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from alerts.api.bounds import WireTime
from alerts.api.schemas import Moment, ObligationOut, Out
from alerts.filing.report import (
    MAX_REPORTED_TO,
    Casualties,
    CategoryIn,
    Location,
    Loss,
    ReportedTo,
    Reporter,
    SeverityIn,
    ShortText,
    Text,
    Title,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Kind = Literal["first", "followup", "final"]


class UpwardFieldsIn(BaseModel):
    """A report's fields as the parent's filing takes them (CONTRACT.md §2); which a kind has:
    首报 (`first`) all but the follow-up switches, 续报 (`followup`) and 终报 (`final`) what
    changed. Each given field replaces the prefilled or stored one; `null` clears it."""

    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    occurred_at: WireTime | None = None
    learned_at: WireTime | None = None
    category: CategoryIn | None = None
    subtype: ShortText | None = None
    severity: SeverityIn = None
    sensitive: StrictBool | None = None
    classified: StrictBool | None = None
    external_ref: ShortText | None = None
    location: Location | None = None
    description: Text | None = None
    extent: Text | None = None
    casualties: Casualties | None = None
    casualty_correction: Text | None = None
    direct_loss_wan_yuan: Loss | None = None
    measures: Text | None = None
    leaders_informed: Text | None = None
    already_reported_to: list[ReportedTo] | None = Field(default=None, max_length=MAX_REPORTED_TO)
    reporter: Reporter | None = None
    material_change: StrictBool | None = None
    handling_finished: StrictBool | None = None

    def given(self) -> dict[str, Any]:
        """The fields the caller set (null included), as JSON."""
        return self.model_dump(mode="json", exclude_unset=True)


class UpwardDraftIn(BaseModel):
    """A new draft: its kind (the one owed next when left out), its parent (the first of
    `[[upward.parents]]` when left out), who drafts it, and fields over the prefilled ones."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind | None = None
    parent: ShortText | None = None
    drafted_by: Name | None = None
    fields: UpwardFieldsIn = UpwardFieldsIn()


class UpwardEditIn(BaseModel):
    """Changes to a draft (or a returned report, which becomes a draft again)."""

    model_config = ConfigDict(extra="forbid")
    fields: UpwardFieldsIn
    by: Name | None = None


class UpwardDecisionIn(BaseModel):
    """A leader's decision (审定): approve (queued for the parent at once, signed by the
    approver), return with a reason, or decline to forward (不上报) with a reason, which waives
    what the report was to meet."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "return", "decline"]
    approver: Name
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class UpwardResendIn(BaseModel):
    """Who queues a failed delivery once more."""

    model_config = ConfigDict(extra="forbid")
    by: Name | None = None


class UpwardReceiptIn(BaseModel):
    """The parent's confirmation of an emailed report (上级确认接收): when it received it, as
    its duty room said, how it said so, and who here took the call."""

    model_config = ConfigDict(extra="forbid")
    received_at: WireTime
    how: Literal["phone", "email", "fax", "in_person", "other"] = "phone"
    by: Name
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class DeliveryStateOut(Out):
    """Where the report's delivery stands, and the parent's receipt."""

    state: str = Field(
        description="none, waiting, sending, sent, failed, emailed (the mail server took it: "
        "the parent's confirmation is to be recorded) or received"
    )
    route: str | None = Field(description="jibao, email or webhook, once queued")
    notification_id: int | None
    attempts: int
    last_error: str | None
    queued_at: Moment | None
    next_attempt_at: Moment | None
    received_at: Moment | None = Field(
        description="when the parent received it (its answer, or its recorded confirmation)"
    )
    confirmed_by: str | None = Field(
        default=None, description="who recorded the parent's confirmation of an emailed report"
    )
    counted_at: Moment | None = Field(description="when it met the office's obligation here")
    parent_incident_id: int | None
    parent_filing_id: int | None
    parent_obligations: list[dict[str, Any]] = Field(
        description="what the parent's 201 said the office now owes it"
    )


class UpwardReportOut(Out):
    """One upward report: its fields, decision and delivery."""

    id: int
    incident_id: int
    parent: str
    kind: Kind
    number: int | None
    state: str = Field(description="draft, returned, approved or declined")
    fields: dict[str, Any]
    drafted_by: str
    drafted_at: Moment
    updated_by: str
    updated_at: Moment
    decided_by: str | None
    decided_at: Moment | None
    reason: str | None
    filing_id: int | None = Field(description="the office's own filing of it, once received")
    delivery: DeliveryStateOut


class UpwardProposalOut(Out):
    """The report to draft next, prefilled from the units' reports."""

    kind: Kind
    fields: dict[str, Any]


class UpwardListOut(Out):
    """An incident's upward reports, what the office owes its parent next, and a proposal."""

    incident_id: int
    owed: ObligationOut | None
    proposal: UpwardProposalOut | None = Field(description="null while a draft is undecided")
    reports: list[UpwardReportOut]
