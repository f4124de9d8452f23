"""The parent's receipt of an upward report: its 201 says which incident and filing it stored
and when it received the report. That moment, not ours, is when the county's report reached
the city (K4 is judged on it): the office's own filing of the report (`upward`, or its own
`followup` or `final`) is stored as received then, and meets what the office owed at that
moment, late by the minutes it was late. A 首报's receipt gives the parent's incident id, and
the 续报 and 终报 that waited for it are queued. Called by the engine as it records send
results, in the same transaction; never commits, never raises a refusal."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Refused
from alerts.escalation.outbox import Claimed
from alerts.filing.intake import file_report
from alerts.filing.report import read_report
from alerts.storage import models as m
from alerts.timeline import Timeline
from alerts.upward.delivery import CHANNEL, queue
from alerts.upward.downward import CHILD_PREFIX, note_result
from alerts.upward.drafts import event, reports_of
from alerts.upward.fields import OWN_KIND
from alerts.upward.routes import route_of
from notifiers.base import DeliveryState, SendResult

log = logging.getLogger(__name__)
DESCRIPTION_MAX = 4000


def apply_receipts(
    session: Session,
    *,
    settings: Settings,
    results: Sequence[tuple[Claimed, SendResult]],
    now: datetime,
) -> int:
    """Apply each parent's receipt among `results` (and note each delivery that failed for
    good); how many receipts were new."""
    applied = 0
    for claimed, result in results:
        if claimed.message.channel != CHANNEL:
            continue
        if claimed.message.to.startswith(CHILD_PREFIX):
            row = session.get(m.Notification, claimed.id)
            if row is not None:
                note_result(session, row=row, state=row.state, error=result.error, now=now)
            continue
        report = session.scalar(
            select(m.UpwardReport).where(m.UpwardReport.notification_id == claimed.id)
        )
        if report is None or report.received_at is not None:
            continue
        if result.receipt is not None and result.state is DeliveryState.SENT:
            receive(session, settings=settings, report=report, receipt=result.receipt, now=now)
            applied += 1
        elif result.state is DeliveryState.SENT and route_of(report) == "email":
            timeline = Timeline(report.incident_id, now)
            timeline.add("upward_emailed", event(report, message_id=result.provider_id))
            timeline.write(session)
        elif result.state is DeliveryState.FAILED_PERM or _gave_up(session, claimed.id):
            timeline = Timeline(report.incident_id, now)
            error = (result.error or "")[:500]
            timeline.add("upward_failed", event(report, error=error))
            timeline.write(session)
    return applied


def _gave_up(session: Session, notification_id: int) -> bool:
    row = session.get(m.Notification, notification_id)
    return row is not None and row.state == "failed_perm"


def receive(
    session: Session,
    *,
    settings: Settings,
    report: m.UpwardReport,
    receipt: Mapping[str, object],
    now: datetime,
    earliest: datetime | None = None,
) -> None:
    """Record the parent's receipt: `received_at` from it (now when it gives none), counted
    no earlier than `earliest` (the approval, or the moment the mail server took an email)
    and no later than now; the office's own filing of the report is stored as received then."""
    receipt = dict(receipt)
    said = receipt.get("received_at")
    received = datetime.fromisoformat(str(said)) if said else now
    receipt["received_at"] = received.isoformat()
    report.received_at = received
    report.parent_incident_id = _int(receipt.get("incident_id"))
    report.parent_filing_id = _int(receipt.get("filing_id"))
    report.receipt = receipt
    # the parent's clock may run a little apart from ours: the report was received after it
    # was approved and before we heard so
    counted = min(max(received, earliest or report.decided_at or received), now)
    timeline = Timeline(report.incident_id, now)
    timeline.add(
        "upward_received",
        event(
            report,
            received_at=received.isoformat(),
            counted_at=counted.isoformat(),
            parent_incident_id=report.parent_incident_id,
            parent_filing_id=report.parent_filing_id,
        ),
    )
    problem = _file_own(session, settings, report, counted, now)
    if problem is not None:
        timeline.add("upward_unfiled", event(report, problem=problem))
    timeline.write(session)
    if report.kind == "first":
        _queue_waiting(session, settings, report, now)


def _file_own(
    session: Session,
    settings: Settings,
    report: m.UpwardReport,
    counted: datetime,
    now: datetime,
) -> str | None:
    """File the office's own record of the report, received at `counted`; the refusal's
    reason if intake will not (the parent has it all the same)."""
    office = session.get(m.Unit, report.office_id)
    assert office is not None
    fields = report.fields
    body = {
        "kind": OWN_KIND[report.kind].value,
        "incident_id": report.incident_id,
        "description": str(fields.get("description", "-"))[:DESCRIPTION_MAX],
        "signed_by": report.decided_by,
        "handling_finished": bool(fields.get("handling_finished")),
    }
    try:
        with session.begin_nested():
            outcome = file_report(
                session,
                settings=settings,
                filer=office,
                body=read_report({k: v for k, v in body.items() if v is not None}),
                now=now,
                received_at=counted,
            )
    except Refused as refused:
        log.warning("upward report %d received, not filed here: %s", report.id, refused.reason)
        return refused.reason
    report.filing_id = outcome.filing.id
    return None


def _queue_waiting(
    session: Session, settings: Settings, first: m.UpwardReport, now: datetime
) -> None:
    incident = session.get(m.Incident, first.incident_id)
    assert incident is not None
    for report in reports_of(session, incident_id=first.incident_id):
        waiting = report.state == "approved" and report.notification_id is None
        if waiting and report.parent == first.parent and report.kind != "first":
            queue(session, settings=settings, report=report, incident=incident, now=now)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
