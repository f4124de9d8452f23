"""Acknowledgement (收到): someone told of an obligation says they have it, on the dashboard, by
API, by voice key or by SMS reply (what a reply means is decided in rules/replies.py).

It pauses the obligation's ladder for `escalation.ack_pause`; only the report that meets the
obligation ends it. Every acknowledgement lands on the incident's timeline. A unit's person who
answers a message on the unit's acknowledgement clock of a leader's instruction (its relay)
acknowledges the instruction for the unit (alerts/instructions/receipts.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Forbidden, NotFound
from alerts.escalation.ladder import ack_code
from alerts.escalation.subjects import subject_of
from alerts.instructions.receipts import acknowledge_instruction, is_receipt
from alerts.phones import parse_phone
from alerts.storage import models as m
from alerts.timeline import Timeline
from rules.replies import Meaning, decide_reply


def acknowledge(
    session: Session,
    *,
    obligation: m.Obligation,
    via: str,
    now: datetime,
    person: m.Person | None = None,
    notification_id: int | None = None,
    by: str = "",
) -> m.Acknowledgement:
    """Record one acknowledgement and let the engine re-plan the ladder around its pause."""
    ack = m.Acknowledgement(
        obligation_id=obligation.id,
        incident_id=obligation.incident_id,
        person_id=person.id if person else None,
        notification_id=notification_id,
        via=via,
        at=now,
    )
    session.add(ack)
    if obligation.met_at is None:
        obligation.next_escalation_at = now
    timeline = Timeline(obligation.incident_id, now)
    timeline.add(
        "acknowledged",
        {
            "obligation": obligation.key,
            "via": via,
            "person": person.name if person else by,
        },
    )
    timeline.write(session)
    return ack


def acknowledge_told(
    session: Session,
    *,
    settings: Settings,
    obligation: m.Obligation,
    via: str,
    now: datetime,
    person: m.Person | None = None,
    notification_id: int | None = None,
) -> m.Acknowledgement:
    """收到 from someone a message told of `obligation` (link, SMS reply, key press): on an
    instruction's acknowledgement clock from one of the unit's people, first the unit's
    acknowledgement of the instruction (Conflict, nothing written, if it has one already)."""
    if is_receipt(obligation, person):
        assert person is not None
        acknowledge_instruction(
            session, settings=settings, obligation=obligation, person=person, now=now
        )
    return acknowledge(
        session,
        obligation=obligation,
        via=via,
        now=now,
        person=person,
        notification_id=notification_id,
    )


def answer_duty_checks(session: Session, person: m.Person, now: datetime) -> int:
    """Log the answer to this person's open duty checks (查岗); how many were open."""
    checks = session.scalars(
        select(m.DutyCheck).where(
            m.DutyCheck.person_id == person.id, m.DutyCheck.answered_at.is_(None)
        )
    ).all()
    for check in checks:
        check.answered_at = now  # a late answer is kept and still counts as missed
    return len(checks)


def person_by_phone(session: Session, phone: str) -> m.Person | None:
    """The person whose phone is `phone`, in any spelling (by the E.164 index; the first one
    made when two people share a number)."""
    found = parse_phone(phone)
    if found is None:
        return None
    return session.scalar(
        select(m.Person).where(m.Person.phone_e164 == found.e164).order_by(m.Person.id).limit(1)
    )


def open_items(session: Session, person: m.Person) -> Sequence[m.Obligation]:
    """Obligations this person was told of that are still unreported, newest first."""
    return session.scalars(
        select(m.Obligation)
        .join(m.Notification, m.Notification.obligation_id == m.Obligation.id)
        .where(
            m.Notification.person_id == person.id,
            m.Obligation.still_owed,
        )
        .distinct()
        .order_by(m.Obligation.id.desc())
    ).all()


def answer_reply(
    session: Session, *, settings: Settings, phone: str, body: str, now: datetime
) -> tuple[str, dict[str, Any]]:
    """Act on an SMS reply from `phone`; the answer to send back, as a catalogue key and its
    parameters."""
    person = person_by_phone(session, phone)
    items = {ack_code(o.id): o for o in open_items(session, person)} if person else {}
    decision = decide_reply(body, known_sender=person is not None, open_codes=list(items))
    codes = "、".join(decision.codes)
    if decision.meaning is Meaning.ON_DUTY and person is not None:
        answered = answer_duty_checks(session, person, now)
        return ("sms.on_duty_logged" if answered else "sms.none"), {}
    if decision.meaning is Meaning.WHICH:
        return "sms.which", {"codes": codes}
    if decision.meaning is Meaning.UNKNOWN_CODE:
        return "sms.unknown_code", {"codes": codes}
    if decision.meaning is not Meaning.ACKNOWLEDGE:
        return "sms.none", {}
    chosen = [items[code] for code in decision.codes]
    for obligation in chosen:  # open items only: an instruction here is not yet acknowledged
        acknowledge_told(
            session, settings=settings, obligation=obligation, via="sms", now=now, person=person
        )
    if all(is_receipt(obligation, person) for obligation in chosen):
        return "sms.instruction_acked", {"codes": codes}
    return "sms.acked", {"codes": codes}


def obligation_for(session: Session, *, obligation_id: int, unit: m.Unit) -> m.Obligation:
    """The obligation `unit` may acknowledge by API: the incident's own unit's or its office's.
    NotFound when there is none, Forbidden when it is another's."""
    obligation = session.get(m.Obligation, obligation_id)
    if obligation is None:
        raise NotFound("not_found")
    subject = subject_of(session, obligation)
    if unit.id not in (subject.unit_id, subject.office_id):
        raise Forbidden()
    return obligation
