"""The office's upward reports (上报) through the API: list and draft them on an incident, edit
a draft, decide on it (a leader's approval, return or decision not to forward, named in
`approver`), and resend a failed delivery. Only the office the incident was reported to may
(its token; 403 for a unit's). The capabilities are alerts/upward/'s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.api.bounds import too_deep
from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import ApiError, error_responses, problems_from_validation
from alerts.api.openapi import json_body
from alerts.api.upward_schemas import (
    DeliveryStateOut,
    UpwardDecisionIn,
    UpwardDraftIn,
    UpwardEditIn,
    UpwardListOut,
    UpwardProposalOut,
    UpwardReceiptIn,
    UpwardReportOut,
    UpwardResendIn,
)
from alerts.api.wire import Wire
from alerts.errors import FieldProblem, Invalid
from alerts.services import ClockDep, ServicesDep, SessionDep
from alerts.storage import models as m
from alerts.upward import confirmations, decisions, delivery, drafts, routes

router = APIRouter(tags=["upward"])
In = TypeVar("In", bound=BaseModel)
_TOP = frozenset({"kind", "parent", "drafted_by", "by", "fields"})  # the body's own keys
ERRORS = error_responses(401, 403, 404, 409, 413, 422)


@router.get("/api/v1/incidents/{incident_id}/upward", responses=error_responses(401, 403, 404, 422))
async def list_upward(
    incident_id: int,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    wire: WireDep,
) -> UpwardListOut:
    """The incident's upward reports, oldest first; the office's next report owed to its
    parent (K4, a follow-up, a change report or its 终报); and, while no draft is undecided,
    the report to draft next as the units' reports prefill it."""
    incident = _incident(session, incident_id, caller)
    reports = drafts.reports_of(session, incident_id=incident.id)
    owed = drafts.owed_upward(session, incident)
    proposal = None
    if not any(x.state in drafts.UNDECIDED for x in reports):
        kind, fields = drafts.proposal(session, settings=services.settings, incident=incident)
        proposal = UpwardProposalOut(kind=kind, fields=fields)
    codes = {unit_id: code for unit_id, code in session.execute(select(m.Unit.id, m.Unit.code))}
    return UpwardListOut(
        incident_id=incident.id,
        owed=wire.obligation(owed, codes) if owed is not None else None,
        proposal=proposal,
        reports=[report_out(session, wire, x) for x in reports],
    )


@router.post(
    "/api/v1/incidents/{incident_id}/upward",
    status_code=201,
    responses=ERRORS,
    openapi_extra=json_body(UpwardDraftIn, "A new draft; every part may be left out."),
)
async def draft_upward(
    incident_id: int,
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
) -> UpwardReportOut:
    """Draft the next report to the parent, prefilled from the units' reports, with the given
    fields over them; 409 while another draft is undecided, for a second 首报 or 终报, or a
    续报 before a 首报 was approved; 422 naming each field the parent would refuse."""
    body = await _read(request, UpwardDraftIn)
    incident = _incident(session, incident_id, caller)
    with _under_fields():
        report = drafts.compose(
            session,
            settings=services.settings,
            incident=incident,
            office=caller,
            kind=body.kind,
            parent=body.parent,
            fields=body.fields.given(),
            reporter=None,
            by=body.drafted_by or caller.name,
            now=clock.now(),
        )
    session.commit()
    return report_out(session, wire, report)


@router.get("/api/v1/upward/{report_id}", responses=error_responses(401, 403, 404, 422))
async def get_upward(
    report_id: int, session: SessionDep, caller: CallerDep, wire: WireDep
) -> UpwardReportOut:
    """One upward report with its decision and delivery."""
    report, _ = drafts.report_to_act_on(session, report_id, caller)
    return report_out(session, wire, report)


@router.patch(
    "/api/v1/upward/{report_id}",
    responses=ERRORS,
    openapi_extra=json_body(UpwardEditIn, "The fields to change; `null` clears one."),
)
async def edit_upward(
    report_id: int,
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
) -> UpwardReportOut:
    """Change a draft's fields (a returned one becomes a draft again); 409 once decided."""
    body = await _read(request, UpwardEditIn)
    report, incident = drafts.report_to_act_on(session, report_id, caller)
    with _under_fields():
        drafts.edit(
            session,
            settings=services.settings,
            report=report,
            incident=incident,
            fields=body.fields.given(),
            by=body.by or caller.name,
            now=clock.now(),
        )
    session.commit()
    return report_out(session, wire, report)


@router.post("/api/v1/upward/{report_id}/decision", responses=ERRORS)
async def decide_upward(
    report_id: int,
    body: UpwardDecisionIn,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
) -> UpwardReportOut:
    """The leader's decision, named in `approver`: `approve` queues it for the parent at
    once; `return` and `decline` need a reason, and `decline` waives what the report was to
    meet. No decision moves a due time; 409 for a report already decided."""
    report, incident = drafts.report_to_act_on(session, report_id, caller)
    decisions.decide(
        session,
        settings=services.settings,
        report=report,
        incident=incident,
        office=caller,
        decision=body.decision,
        approver=body.approver,
        reason=body.reason,
        now=clock.now(),
    )
    session.commit()
    services.wake()
    return report_out(session, wire, report)


@router.post("/api/v1/upward/{report_id}/resend", responses=ERRORS)
async def resend_upward(
    report_id: int,
    body: UpwardResendIn,
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
    services: ServicesDep,
    wire: WireDep,
) -> UpwardReportOut:
    """Queue a delivery that failed for good once more, under the same Idempotency-Key (the
    parent files it at most once); 409 unless it failed."""
    report, incident = drafts.report_to_act_on(session, report_id, caller)
    delivery.resend(
        session, report=report, incident=incident, by=body.by or caller.name, now=clock.now()
    )
    session.commit()
    services.wake()
    return report_out(session, wire, report)


@router.post("/api/v1/upward/{report_id}/receipt", responses=ERRORS)
async def confirm_upward(
    report_id: int,
    body: UpwardReceiptIn,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
) -> UpwardReportOut:
    """Record the parent's confirmation that it received an emailed report, and when (its
    duty room said so by phone, reply or fax): that moment is the receipt the office's
    obligation is judged on. 409 unless the mail server took it and no receipt is recorded;
    422 for a time before the email went or in the future."""
    report, incident = drafts.report_to_act_on(session, report_id, caller)
    confirmations.confirm(
        session,
        settings=services.settings,
        report=report,
        incident=incident,
        received_at=body.received_at,
        how=body.how,
        by=body.by,
        note=body.note,
        now=clock.now(),
    )
    session.commit()
    services.wake()
    return report_out(session, wire, report)


@contextmanager
def _under_fields() -> Iterator[None]:
    """A report field the domain refuses is named by its place in the body, `fields.…`."""
    try:
        yield
    except Invalid as refused:
        named = [
            FieldProblem(p.field if p.field in _TOP else f"fields.{p.field}", p.problem, p.params)
            for p in refused.fields
        ]
        raise Invalid(*named, code=refused.code, **refused.params) from refused


async def _read(request: Request, model: type[In]) -> In:
    """The JSON body as `model`. Read here, not by FastAPI: the fields reuse the filing's
    parts, whose schemas /openapi.json names once, as FilingIn's (alerts/api/openapi.py)."""
    raw = await request.body()
    if too_deep(raw):
        raise ApiError(422, "too_deep")
    try:
        data = json.loads(raw or b"{}", parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(422, "bad_json") from exc
    if not isinstance(data, dict):
        raise ApiError(422, "bad_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid", fields=problems_from_validation(exc.errors())) from exc


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _incident(session: Session, incident_id: int, caller: m.Unit) -> m.Incident:
    incident = session.get(m.Incident, incident_id)
    if incident is None:
        raise ApiError(404, "incident_not_found")
    drafts.check_office(caller, incident)
    return incident


def report_out(session: Session, wire: Wire, report: m.UpwardReport) -> UpwardReportOut:
    """A report as answered."""
    row = session.get(m.Notification, report.notification_id) if report.notification_id else None
    filing = session.get(m.Filing, report.filing_id) if report.filing_id else None
    receipt = report.receipt or {}
    owed = receipt.get("obligations") if isinstance(receipt.get("obligations"), list) else []
    return UpwardReportOut(
        id=report.id,
        incident_id=report.incident_id,
        parent=report.parent,
        kind=report.kind,
        number=report.number,
        state=report.state,
        fields=report.fields,
        drafted_by=report.drafted_by,
        drafted_at=wire.moment(report.drafted_at),
        updated_by=report.updated_by,
        updated_at=wire.moment(report.updated_at),
        decided_by=report.decided_by,
        decided_at=wire.time(report.decided_at),
        reason=report.reason,
        filing_id=report.filing_id,
        delivery=DeliveryStateOut(
            state=delivery.delivery_state(report, row),
            route=routes.route_of(report) if report.delivery_key else None,
            notification_id=report.notification_id,
            attempts=row.attempts if row else 0,
            last_error=row.last_error if row else None,
            queued_at=wire.time(report.queued_at),
            next_attempt_at=wire.time(row.next_attempt_at)
            if row and row.state == "queued"
            else None,
            received_at=wire.time(report.received_at),
            confirmed_by=_said(receipt.get("confirmed_by")),
            counted_at=wire.time(filing.received_at) if filing else None,
            parent_incident_id=report.parent_incident_id,
            parent_filing_id=report.parent_filing_id,
            parent_obligations=[o for o in owed if isinstance(o, dict)]
            if isinstance(owed, list)
            else [],
        ),
    )


def _said(value: object) -> str | None:
    return value if isinstance(value, str) else None
