"""The parent's confirmation of an emailed report (docs/decisions/0022): an email has no
receipt of its own, so the mail server's acceptance only makes it `emailed` (已发送邮件，待确认
接收) and the office's obligation stays owed, escalating as any other. When the parent's duty
room says it has it (by phone, a reply, a fax), the office records when it received it; that
moment, no earlier than the mail server took the message and no later than now, is the
receipt K4 is judged on (alerts/upward/receipts.py receive). Refuses before anything is
written; never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Conflict, FieldProblem, Invalid
from alerts.storage import models as m
from alerts.timeline import Timeline
from alerts.upward.drafts import BY_MAX, event
from alerts.upward.receipts import receive
from alerts.upward.routes import route_of

HOW = ("phone", "email", "fax", "in_person", "other")  # how the parent said it had it
NOTE_MAX = 500


def confirm(
    session: Session,
    *,
    settings: Settings,
    report: m.UpwardReport,
    incident: m.Incident,
    received_at: datetime | None,
    how: str,
    by: str,
    note: str,
    now: datetime,
) -> m.UpwardReport:
    """Record that the parent received an emailed report at `received_at`; Conflict unless it
    was emailed and is not yet received, Invalid for a missing or impossible time or name."""
    if route_of(report) != "email" or report.state != "approved":
        raise Conflict("upward_not_emailed")
    if report.received_at is not None:
        raise Conflict("upward_already_received")
    row = session.get(m.Notification, report.notification_id) if report.notification_id else None
    if row is None or row.state not in ("sent", "delivered") or row.sent_at is None:
        raise Conflict("upward_not_emailed")
    by, note = by.strip(), note.strip()
    problems = []
    if not by:
        problems.append(FieldProblem("by", "required"))
    elif len(by) > BY_MAX:
        problems.append(FieldProblem("by", "too_long", {"max": BY_MAX}))
    if how not in HOW:
        problems.append(FieldProblem("how", "choice", {"choices": ", ".join(HOW)}))
    if len(note) > NOTE_MAX:
        problems.append(FieldProblem("note", "too_long", {"max": NOTE_MAX}))
    if received_at is None:
        problems.append(FieldProblem("received_at", "required"))
    elif received_at.tzinfo is None:
        problems.append(FieldProblem("received_at", "time"))
    elif received_at > now + settings.rules.clock_skew:
        problems.append(FieldProblem("received_at", "in_future"))
    elif received_at < row.sent_at:
        problems.append(FieldProblem("received_at", "before_emailed"))
    if problems:
        raise Invalid(*problems)
    assert received_at is not None
    receipt = {
        "received_at": received_at.isoformat(),
        "confirmed_by": by,
        "how": how,
        "note": note or None,
        "recorded_at": now.isoformat(),
    }
    timeline = Timeline(incident.id, now)
    timeline.add(
        "upward_confirmed",
        event(report, by=by, how=how, received_at=received_at.isoformat()),
    )
    timeline.write(session)
    receive(
        session, settings=settings, report=report, receipt=receipt, now=now, earliest=row.sent_at
    )
    return report
