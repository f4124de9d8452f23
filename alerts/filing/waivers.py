"""Waiving (免报) an obligation: the incident's office says, with a reason, that a report it is
owed (or owes) is not needed. The waiver is input to the rules: re-assessing the incident marks
the obligation waived, which puts `obligation_waived` on the timeline with the reason, and its
ladder stops. Used by the dashboard's waive form and the API; nothing here commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from alerts.filing.archiving import refuse_if_archived
from alerts.filing.assessments import reassess_stored
from alerts.storage import models as m

REASON_MAX = 200  # the obligation row keeps the reason in 200 characters
BY_MAX = 100  # the waiver row's `by`


def obligation_to_waive(session: Session, obligation_id: int) -> tuple[m.Obligation, m.Incident]:
    """The obligation with this id and its incident; NotFound when there is none."""
    obligation = session.get(m.Obligation, obligation_id)
    incident = session.get(m.Incident, obligation.incident_id) if obligation else None
    if obligation is None or incident is None:
        raise NotFound("not_found")
    return obligation, incident


def may_waive(office: m.Unit, incident: m.Incident) -> bool:
    """Only the office the incident was reported to waives its obligations."""
    return office.is_office and office.id == incident.office_id


def checked_reason(obligation: m.Obligation | None, reason: str) -> str:
    """The reason, stripped, when `obligation` is still owed and the reason is 1–200 characters;
    else Conflict (not open, with any reason problem besides) or Invalid. An instruction's clock
    is checked the same way (alerts/instructions/waivers.py)."""
    reason = reason.strip()
    problems = []
    is_open = obligation is not None and obligation.still_owed
    if not is_open:
        problems.append(FieldProblem("obligation_id", "not_open"))
    if not reason:
        problems.append(FieldProblem("reason", "required"))
    elif len(reason) > REASON_MAX:
        problems.append(FieldProblem("reason", "too_long", {"max": REASON_MAX}))
    if not is_open:
        raise Conflict("obligation_not_open", *problems)
    if problems:
        raise Invalid(*problems)
    return reason


def waive(
    session: Session,
    *,
    settings: Settings,
    incident: m.Incident,
    obligation: m.Obligation | None,
    office: m.Unit,
    reason: str,
    by: str,
    now: datetime,
) -> m.Waiver:
    """Waive one still-owed obligation of `incident` for `office` and re-assess the incident.

    `obligation` None means the one named is not the incident's: like one already reported or
    waived, there is nothing open to waive (Conflict, with any reason problem besides). An
    instruction's clock is not either: its rules are the instruction's (alerts/instructions)."""
    if not may_waive(office, incident):
        raise Forbidden()
    refuse_if_archived(incident)
    if obligation is not None and obligation.instruction_id is not None:
        obligation = None
    reason = checked_reason(obligation, reason)
    assert obligation is not None
    waiver = m.Waiver(
        incident_id=incident.id,
        obligation_key=obligation.key,
        at=now,
        reason=reason,
        by=by[:BY_MAX],
    )
    session.add(waiver)
    session.flush()
    reassess_stored(session, settings=settings, incident=incident, now=now)
    return waiver
