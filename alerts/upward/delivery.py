"""Delivering an approved upward report: its exact body is written once, as an outbox row on
the channel `jibao:<parent>` (alerts/escalation/outbox.py sends it through notifiers/jibao.py,
retrying with back-off), under a key the parent's idempotency check knows it by, so no retry or
resend files it twice. A 续报 or 终报 waits until the parent's receipt of the 首报 has given
the parent's incident id (alerts/upward/receipts.py queues it then). Never commits."""

from __future__ import annotations

import json
import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Conflict
from alerts.escalation.outbox import set_state
from alerts.i18n import Translator
from alerts.storage import models as m
from alerts.timeline import Timeline
from alerts.upward import routes
from alerts.upward.drafts import reports_of
from alerts.upward.fields import parent_body
from notifiers.base import DeliveryState

CHANNEL = "jibao"
RESENDABLE = ("failed_perm", "unknown")


def queue(
    session: Session,
    *,
    settings: Settings,
    report: m.UpwardReport,
    incident: m.Incident,
    now: datetime,
) -> m.Notification | None:
    """Queue an approved report for its parent, or leave it waiting for the 首报's receipt;
    the outbox row, if queued."""
    parent_incident = first_receipt(session, incident_id=incident.id, parent=report.parent)
    parent = settings.upward.parent(report.parent)
    route = parent.route if parent is not None else "jibao"
    if route == "jibao" and report.kind != "first" and parent_incident is None:
        timeline = Timeline(incident.id, now)
        timeline.add("upward_waiting", {"report_id": report.id, "parent": report.parent})
        timeline.write(session)
        return None
    office = session.get(m.Unit, report.office_id)
    assert office is not None
    report.delivery_key = f"{route}-upward-{report.id}-{secrets.token_hex(8)}"
    translate = Translator(settings.language)
    subject = translate(
        "upward.subject",
        kind=translate(f"upward.kind_{report.kind}"),
        number=report.number or "",
        title=incident.title,
    )[:300]
    html = None
    if route == "jibao":
        body = parent_body(
            report, parent_incident_id=parent_incident, external_ref=f"{office.code}-{incident.id}"
        )
        report.body = json.dumps(body, ensure_ascii=False)
    elif route == "webhook":
        report.body = routes.webhook_body(
            report, incident=incident, office=office, parent_incident_id=parent_incident, now=now
        )
    else:
        title = parent.title if parent is not None else report.parent
        zone = settings.rules.timezone
        report.body = routes.email_text(
            report,
            incident=incident,
            office=office,
            parent_title=title,
            translate=translate,
            zone=zone,
        )
        html = routes.print_html(
            report,
            incident=incident,
            office=office,
            parent_title=title,
            translate=translate,
            zone=zone,
        )
    row = m.Notification(
        dedupe_key=report.delivery_key,
        incident_id=incident.id,
        channel=CHANNEL,
        address=report.parent,
        subject=subject,
        summary=subject,
        body=report.body,
        html=html,
        state="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    report.notification_id, report.queued_at = row.id, now
    timeline = Timeline(incident.id, now)
    timeline.add("upward_queued", {"report_id": report.id, "parent": report.parent})
    timeline.write(session)
    return row


def resend(
    session: Session, *, report: m.UpwardReport, incident: m.Incident, by: str, now: datetime
) -> m.Notification:
    """Queue a delivery that failed for good (or whose outcome is unknown) once more: the same
    row, body and key, so the parent files it at most once."""
    row = session.get(m.Notification, report.notification_id) if report.notification_id else None
    if report.received_at is not None or row is None or row.state not in RESENDABLE:
        raise Conflict("upward_not_resendable")
    row.attempts, row.next_attempt_at, row.claimed_until = 0, now, None
    set_state(session, row, DeliveryState.QUEUED, now, f"resent by {by}"[:200])
    timeline = Timeline(incident.id, now)
    timeline.add("upward_resent", {"report_id": report.id, "parent": report.parent, "by": by})
    timeline.write(session)
    return row


def first_receipt(session: Session, *, incident_id: int, parent: str) -> int | None:
    """The parent's incident id, from its receipt of the incident's 首报."""
    for report in reports_of(session, incident_id=incident_id):
        if report.kind == "first" and report.parent == parent and report.parent_incident_id:
            return report.parent_incident_id
    return None


def delivery_state(report: m.UpwardReport, row: m.Notification | None) -> str:
    """Where the report's delivery stands: none (not approved), waiting (for the 首报's
    receipt), sending (queued or out, retrying), received, failed (for good: resend it),
    emailed (the mail server took it: the parent's confirmation is still to be recorded),
    or sent (the parent took it, its receipt unread)."""
    if report.received_at is not None:
        return "received"
    if report.state != "approved":
        return "none"
    if row is None:
        return "waiting"
    if row.state in ("queued", "sending"):
        return "sending"
    if row.state in RESENDABLE:
        return "failed"
    return "emailed" if routes.route_of(report) == "email" else "sent"


def delivery_states(session: Session, incident_id: int) -> dict[int, str]:
    """Each of the incident's reports' delivery state, by report id."""
    states = {}
    for report in reports_of(session, incident_id=incident_id):
        row = (
            session.get(m.Notification, report.notification_id) if report.notification_id else None
        )
        states[report.id] = delivery_state(report, row)
    return states
