"""What people do to a roster, shared by the roster API and the dashboard: decide a swap (only
a leader on duty may), act on a handover (notes by the outgoing officer, acceptance by the
incoming one), start a duty check (查岗). Nothing here commits; refusals are alerts.errors
Conflict (already decided, nobody on duty) and Forbidden (not this person's to do). A swap's
decision is audited (alerts/audit.py); handovers and duty checks are duty, not configuration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts import audit
from alerts.errors import Conflict, FieldProblem, Forbidden
from alerts.escalation.ladder import ack_code
from alerts.escalation.messages.render import Messages
from alerts.escalation.notices import enqueue_notice
from alerts.roster.book import RosterBook
from alerts.services import Services
from alerts.storage import models as m
from alerts.storage.queries import reporting_office
from rules.roles import Role


def swap_deciders(session: Session, book: RosterBook, unit: m.Unit, at: datetime) -> set[int]:
    """Who may decide a swap of `unit` at `at`: its leader on duty, or its office's."""
    deciders = [unit, *([o] if (o := reporting_office(session, unit=unit)) else [])]
    return {
        p.id
        for u in deciders
        for p in book.holders(session, unit_id=u.id, role=Role.LEADER_ON_DUTY, at=at)
    }


def decide_swap(
    session: Session,
    book: RosterBook,
    swap: m.SwapRequest,
    *,
    approve: bool,
    person_id: int | None,
    now: datetime,
    actor: str,
) -> None:
    """Approve or reject a pending swap as `person_id`, who must be a leader on duty now;
    audited as `actor`'s."""
    if swap.state != "pending":
        raise Conflict("already_decided")
    unit = session.get(m.Unit, swap.unit_id)
    assert unit is not None
    if person_id is None or person_id not in swap_deciders(session, book, unit, now):
        raise Forbidden(FieldProblem("person_id", "not_leader_on_duty"))
    before = audit.snapshot(swap)
    swap.state = "approved" if approve else "rejected"
    swap.decided_by_person_id, swap.decided_at = person_id, now
    action = "approve" if approve else "reject"
    audit.changed(session, actor=actor, at=now, row=swap, before=before, action=action)


def act_on_handover(
    handover: m.Handover, *, action: str, person_id: int | None, notes: str, now: datetime
) -> None:
    """`notes` by the outgoing officer, `accept` by the incoming one; once, before acceptance."""
    if handover.accepted_at is not None:
        raise Conflict("already_decided")
    expected = handover.outgoing_person_id if action == "notes" else handover.incoming_person_id
    if person_id is None or person_id != expected:
        raise Forbidden(FieldProblem("person_id", f"not_{action}_officer"))
    if action == "notes":
        handover.notes = notes
    else:
        handover.accepted_at, handover.accepted_by_person_id = now, person_id


def start_duty_check(
    session: Session,
    services: Services,
    *,
    book: RosterBook,
    messages: Messages,
    unit: m.Unit,
    office: m.Unit,
    voice: bool,
) -> tuple[m.DutyCheck, m.Person]:
    """Ping the unit's duty officer now (SMS, and voice if asked); the caller commits."""
    now = services.clock.now()
    officers = book.holders(session, unit_id=unit.id, role=Role.DUTY_OFFICER, at=now)
    if not officers:
        raise Conflict("nobody_on_duty", FieldProblem("unit", "nobody_on_duty"))
    within = services.settings.roster.duty_check_answer_within
    check = m.DutyCheck(
        unit_id=unit.id, person_id=officers[0].id, code="", asked_at=now, due_at=now + within
    )
    session.add(check)
    session.flush()
    check.code = "C" + ack_code(check.id)
    text = messages.notice(
        "duty_check",
        code=check.code,
        minutes=int(within.total_seconds() // 60),
        office=office.name,
    )
    enqueue_notice(
        session,
        key=f"check:{check.id}",
        person=officers[0],
        channels=("sms", "voice") if voice else ("sms",),
        subject=text,
        text=text,
        now=now,
    )
    return check, officers[0]
