"""Acknowledgement (收到): someone told of an obligation says they have it.

It pauses the obligation's ladder for `escalation.ack_pause`; only the report that meets the
obligation ends it. Every acknowledgement lands on the incident's timeline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.phones import same_phone
from alerts.storage import models as m
from alerts.timeline import Timeline

_ON_DUTY = re.compile(r"^(?:在岗|到岗|on duty)\s*(?:C[0-9A-Z]+)?$", re.IGNORECASE)
_REPLY = re.compile(r"^\s*(?:收到|1|确认|ok)\s*([0-9A-Za-z]*)\s*$", re.IGNORECASE)


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


def is_duty_check_answer(body: str) -> bool:
    """`在岗`, `到岗` or `on duty`, with or without the check's code."""
    return _ON_DUTY.match(body.strip()) is not None


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


def parse_reply(body: str) -> tuple[bool, str | None]:
    """(is an acknowledgement, the short code if one was given) for an SMS reply."""
    match = _REPLY.match(body.replace("“", "").replace("”", ""))
    if match is None:
        return False, None
    return True, match.group(1).upper() or None


def person_by_phone(session: Session, phone: str) -> m.Person | None:
    """The person whose phone is `phone`, in any spelling."""
    return next(
        (
            p
            for p in session.scalars(select(m.Person).where(m.Person.phone.is_not(None)))
            if p.phone and same_phone(p.phone, phone)
        ),
        None,
    )


def open_items(session: Session, person: m.Person) -> Sequence[m.Obligation]:
    """Obligations this person was told of that are still unreported, newest first."""
    return session.scalars(
        select(m.Obligation)
        .join(m.Notification, m.Notification.obligation_id == m.Obligation.id)
        .where(
            m.Notification.person_id == person.id,
            m.Obligation.met_at.is_(None),
            m.Obligation.status.in_(("pending", "missed")),
        )
        .distinct()
        .order_by(m.Obligation.id.desc())
    ).all()
