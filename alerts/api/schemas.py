"""What the API answers, as pydantic models: errors, filings, incidents and what hangs off them.

Each model is exactly what a route has always answered (CONTRACT.md §2): every field is always
present, null where its type says so. Times are RFC 3339 strings in the configured zone, made by
`Wire.time`, so their offset is the zone's (never rewritten as `Z`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

Moment = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


class Out(BaseModel):
    """An answer body: built by the API alone, so anything unexpected in it is a bug."""

    model_config = ConfigDict(extra="forbid")


class FieldProblemOut(Out):
    """One field and what is wrong with it, in the configured language."""

    field: str
    problem: str


class ErrorDetailOut(Out):
    """What went wrong: a stable code, a message in the configured language, and the fields."""

    code: str
    message: str
    fields: list[FieldProblemOut]


class ErrorOut(Out):
    """Every error answer: `{"error": {"code", "message", "fields": [{"field", "problem"}]}}`."""

    error: ErrorDetailOut


class IdOut(Out):
    """The id of what was stored."""

    id: int


class ObligationOut(Out):
    """CONTRACT.md §2's obligation, plus its key, number, anchor, lateness and reason."""

    id: int
    kind: str = Field(description="initial, written, upward, followup, change, final, …")
    owed_by: str = Field(description="the owing unit's code")
    due_at: Moment
    status: str = Field(description="pending, met, late, missed or waived")
    met_at: Moment | None
    key: str
    number: int | None
    anchor_at: Moment
    late_minutes: int | None
    after_chasing: bool
    grace_after_raise: bool
    reason: str | None


class WarningOut(Out):
    """What a report still lacks, or a finding about it (under-grading, say)."""

    code: str
    field: str | None
    message: str


class IncidentStateOut(Out):
    """The incident's state and grade after the filing."""

    state: str
    severity: str | None


class FilingOut(Out):
    """The answer to a filing: what is now owed and by when."""

    incident_id: int | None = Field(description="None for feedback on an instruction on none")
    filing_id: int | None = Field(description="None for feedback, kept as the instruction's move")
    received_at: Moment
    warnings: list[WarningOut]
    obligations: list[ObligationOut] = Field(description="for feedback, the instruction's clocks")
    incident: IncidentStateOut | None
    instruction_id: int | None = None


class IncidentSummaryOut(Out):
    """An incident's summary."""

    id: int
    unit: str
    office: str
    external_ref: str | None
    title: str
    category: str
    severity: str | None
    clock_severity: str = Field(description="the grade the clocks run on")
    sensitive: bool
    classified: bool
    state: str = Field(description="open, handling_finished, closed or archived")
    occurred_at: Moment
    created_at: Moment
    next_due_at: Moment | None
    flags: list[dict[str, Any]] = Field(description="findings raised on the incident")
    archived_at: Moment | None = Field(None, description="归档: read-only from then on")
    archived_by: str | None = None


class IncidentListItemOut(IncidentSummaryOut):
    """An incident in a list, with its next due obligation."""

    next_due: ObligationOut | None


class IncidentListOut(Out):
    """Incidents, soonest due first."""

    incidents: list[IncidentListItemOut]


class FilingRecordOut(Out):
    """A stored filing with its body as received (normalised)."""

    id: int
    kind: str
    party: str
    unit: str
    filed_by: str
    number: int | None
    received_at: Moment
    complete: bool
    body: dict[str, Any]


class EventOut(Out):
    """One timeline entry."""

    id: int
    at: Moment
    kind: str
    data: dict[str, Any]


class EscalationOut(Out):
    """A fired ladder step and how late it fired."""

    id: int
    obligation_id: int
    step: str
    scheduled_at: Moment
    fired_at: Moment
    late_seconds: int
    gaps: list[str] = Field(description="roles nobody held when it fired")


class DeliveryOut(Out):
    """One change of a message's delivery state."""

    at: Moment
    state: str
    detail: str


class NotificationOut(Out):
    """A message with its delivery history."""

    id: int
    obligation_id: int | None
    escalation_id: int | None
    person_id: int | None
    channel: str
    to: str
    subject: str
    body: str
    state: str
    attempts: int
    bundled_into: int | None
    sent_at: Moment | None
    delivered_at: Moment | None
    last_error: str | None
    history: list[DeliveryOut]


class AcknowledgementOut(Out):
    """Who said 收到, how and when."""

    id: int
    obligation_id: int
    person_id: int | None
    via: str
    at: Moment


class IncidentOut(IncidentSummaryOut):
    """One incident with its filings, obligations, escalation record and timeline."""

    filings: list[FilingRecordOut]
    obligations: list[ObligationOut]
    escalations: list[EscalationOut]
    notifications: list[NotificationOut]
    acknowledgements: list[AcknowledgementOut]
    timeline: list[EventOut]


class AckOut(Out):
    """The acknowledgement just recorded."""

    id: int
    obligation_id: int
    via: str
    at: Moment


class PersonOut(Out):
    """A person as the API shows them."""

    id: int
    name: str
    post: str
    phone: str | None
