"""A leader's decision on an upward report (审定): approve it (it is queued for the parent at
once, signed by the approver), return it to the drafter with a reason, or decide not to
forward it (不上报), with a reason, which waives what it was to meet through
alerts/filing/waivers.py so the records show it. Every decision names its approver and is on
the incident's timeline; none of them moves or stops a clock (DOMAIN §1: review never stops
the clock). Refuses before anything is written; never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Conflict, FieldProblem, Invalid
from alerts.filing.archiving import refuse_if_archived
from alerts.filing.waivers import REASON_MAX, waive
from alerts.storage import models as m
from alerts.storage.queries import obligations_of
from alerts.timeline import Timeline
from alerts.upward.delivery import queue
from alerts.upward.drafts import BY_MAX, UNDECIDED, checked_fields, event, reports_of

Decision = Literal["approve", "return", "decline"]
DECISIONS: tuple[Decision, ...] = ("approve", "return", "decline")
# the obligation each kind of report meets, when the office decides not to send it
_MEETS = {"first": ("upward",), "followup": ("followup", "change"), "final": ("final",)}


def decide(
    session: Session,
    *,
    settings: Settings,
    report: m.UpwardReport,
    incident: m.Incident,
    office: m.Unit,
    decision: str,
    approver: str,
    reason: str,
    now: datetime,
) -> m.UpwardReport:
    """Record `decision` by `approver` on an undecided report; Invalid for a missing approver
    or reason, Conflict for a report already decided."""
    refuse_if_archived(incident)
    approver, reason = approver.strip(), reason.strip()
    problems = []
    if decision not in DECISIONS:
        problems.append(FieldProblem("decision", "choice", {"choices": ", ".join(DECISIONS)}))
    if not approver:
        problems.append(FieldProblem("approver", "required"))
    elif len(approver) > BY_MAX:
        problems.append(FieldProblem("approver", "too_long", {"max": BY_MAX}))
    if decision in ("return", "decline") and not reason:
        problems.append(FieldProblem("reason", "required"))
    elif len(reason) > REASON_MAX:
        problems.append(FieldProblem("reason", "too_long", {"max": REASON_MAX}))
    allowed = ("draft",) if decision != "decline" else UNDECIDED
    if report.state not in allowed:
        raise Conflict("upward_decided", *problems, state=report.state)
    if problems:
        raise Invalid(*problems)
    if decision == "approve":
        return _approve(session, settings, report, incident, approver, now)
    report.state = "returned" if decision == "return" else "declined"
    report.decided_by, report.decided_at, report.reason = approver, now, reason
    waived = None
    if decision == "decline":
        waived = _waive(session, settings, incident, office, report, approver, reason, now)
    timeline = Timeline(incident.id, now)
    more: dict[str, str | None] = {"approver": approver, "reason": reason}
    if decision == "decline":
        more["waived"] = waived
    timeline.add(f"upward_{report.state}", event(report, **more))
    timeline.write(session)
    return report


def _approve(
    session: Session,
    settings: Settings,
    report: m.UpwardReport,
    incident: m.Incident,
    approver: str,
    now: datetime,
) -> m.UpwardReport:
    """Check the fields once more (what the parent was told may have moved), then approve and
    queue; the number of a 续报 is fixed now."""
    others = [x for x in reports_of(session, incident_id=incident.id) if x.id != report.id]
    report.fields = checked_fields(settings, others, report.kind, report.fields, now)
    if report.kind == "followup":
        report.number = 1 + sum(1 for x in others if x.kind == "followup" and x.state == "approved")
    report.state, report.decided_by, report.decided_at = "approved", approver, now
    report.reason = None
    timeline = Timeline(incident.id, now)
    timeline.add("upward_approved", event(report, approver=approver))
    timeline.write(session)
    queue(session, settings=settings, report=report, incident=incident, now=now)
    return report


def _waive(
    session: Session,
    settings: Settings,
    incident: m.Incident,
    office: m.Unit,
    report: m.UpwardReport,
    approver: str,
    reason: str,
    now: datetime,
) -> str | None:
    """Waive the office's still-owed obligation this report was to meet, if there is one; its
    key."""
    kinds = _MEETS[report.kind]
    owed = [
        o
        for o in obligations_of(session, incident_id=incident.id)
        if o.party == "office" and o.kind in kinds and o.still_owed
    ]
    if not owed:
        return None
    obligation = min(owed, key=lambda o: o.due_at)
    waive(
        session,
        settings=settings,
        incident=incident,
        obligation=obligation,
        office=office,
        reason=reason,
        by=approver,
        now=now,
    )
    return obligation.key
