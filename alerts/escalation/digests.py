"""The daily digest: once an obligation's ladder is spent (its repeats used up), the people its
last step told get one message a day listing everything still owed, until it is met or waived.

Bounded repeats keep people reading their phones; the digest keeps the debt in front of them.
The dedupe key (day, person, channel) makes it once a day across instances too."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.escalation.ladder import Escalator, about_obligation
from alerts.escalation.messages.render import About
from alerts.escalation.notices import queued_notification
from alerts.escalation.subjects import subject_of
from alerts.storage import models as m

DIGEST_CHANNELS = ("sms", "email")  # read, not rung: a call that lists ten items helps nobody


def digest_moment(escalator: Escalator, now: datetime) -> datetime:
    """Today's digest time (local)."""
    zone = escalator.roster.zone
    day = now.astimezone(zone).date()
    return datetime.combine(day, escalator.policy.digest_at, tzinfo=zone)


def queue_digests(session: Session, escalator: Escalator, now: datetime) -> int:
    """Queue today's digest for everyone a ladder spent before today's digest time last told;
    how many were new. A ladder spent later in the day is in tomorrow's."""
    moment = digest_moment(escalator, now)
    day = now.astimezone(escalator.roster.zone).date().isoformat()
    owed: dict[tuple[int, str, str], list[m.Obligation]] = defaultdict(list)
    for obligation in _spent(session):
        last_step = session.scalars(
            select(m.Escalation)
            .where(m.Escalation.obligation_id == obligation.id)
            .order_by(m.Escalation.id.desc())
            .limit(1)
        ).one()
        if last_step.fired_at >= moment:
            continue
        told = session.scalars(
            select(m.Notification).where(
                m.Notification.escalation_id == last_step.id,
                m.Notification.person_id.is_not(None),
                m.Notification.channel.in_(DIGEST_CHANNELS),
            )
        )
        for note in told:
            assert note.person_id is not None
            owed[(note.person_id, note.channel, note.address)].append(obligation)
    queued = 0
    for (person_id, channel, address), items in owed.items():
        dedupe = f"digest:{day}:{person_id}:{channel}"
        if session.scalar(select(m.Notification.id).where(m.Notification.dedupe_key == dedupe)):
            continue
        summaries = [
            escalator.messages.render("summary", _about(session, escalator, o, person_id, now)).text
            for o in items
        ]
        text = escalator.messages.digest(summaries)
        row = queued_notification(
            dedupe_key=dedupe,
            person_id=person_id,
            channel=channel,
            address=address,
            subject=text,
            text=text,
            now=now,
        )
        queued += _add_once(session, row)
    return queued


def _spent(session: Session) -> list[m.Obligation]:
    """Still owed, escalated before, and nothing more on the ladder."""
    return list(
        session.scalars(
            select(m.Obligation)
            .where(
                m.Obligation.still_owed,
                m.Obligation.next_escalation_at.is_(None),
                exists().where(m.Escalation.obligation_id == m.Obligation.id),
            )
            .order_by(m.Obligation.due_at, m.Obligation.id)
        )
    )


def _about(
    session: Session,
    escalator: Escalator,
    obligation: m.Obligation,
    person_id: int,
    now: datetime,
) -> About:
    incident = subject_of(session, obligation)
    owner = session.get(m.Unit, obligation.owed_by_unit_id)
    return about_obligation(escalator, incident, obligation, owner, person_id, now)


def _add_once(session: Session, row: m.Notification) -> int:
    """Insert in a savepoint: another instance may have queued the same digest meanwhile."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return 0
    return 1
