"""The demo's ladder history, as if the service had been running while its incidents happened:
each rung fires at its own moment (not all at once, late, when the demo is first served), and
what it queued is recorded as a dry run at that moment, as the outbox would have.

It runs after the seed has re-assessed everything at the real now, so a clock met in the past
is already settled and its later rungs never fire, just as they would not have then."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.config import Settings
from alerts.escalation.ladder import Escalator, claim_due_obligations, escalate_all
from alerts.escalation.links import AckLinks
from alerts.escalation.messages.render import Messages
from alerts.escalation.outbox import set_state
from alerts.roster.book import RosterBook
from alerts.storage import models as m
from notifiers.base import DeliveryState

BATCH = 200
DRY_DETAIL = "recorded (dry run): demo history"


def replay_ladders(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> int:
    """Fire every rung due before `now` at its scheduled moment, oldest first; the count."""
    messages = Messages(
        settings.language, settings.rules.timezone, ack_pause=settings.escalation.ack_pause
    )
    secret = settings.secret_key.get_secret_value() or secrets.token_urlsafe(32)
    links = AckLinks(secret, settings.public_url, settings.notifications.ack_link_valid)
    escalator = Escalator(settings.escalation, messages, links, RosterBook(settings))
    with sessions() as session:  # re-assessing at now marked them due now: look from the start
        for obligation in session.scalars(
            select(m.Obligation).where(m.Obligation.next_escalation_at <= now)
        ):
            obligation.next_escalation_at = obligation.opened_at
        session.commit()
    fired = 0
    while True:
        with sessions() as session:
            moment = session.scalar(
                select(func.min(m.Obligation.next_escalation_at)).where(
                    m.Obligation.next_escalation_at <= now
                )
            )
            if moment is None:
                return fired
            moment = _aware(moment, now)
            due = claim_due_obligations(session, now=moment, limit=BATCH)
            fired += escalate_all(session, escalator, due, moment)
            session.flush()
            _record_dry(session, moment)
            session.commit()


def _record_dry(session: Session, moment: datetime) -> None:
    """What the rungs at `moment` queued, recorded as sent in a dry run then."""
    queued = session.scalars(
        select(m.Notification).where(
            m.Notification.state == "queued", m.Notification.next_attempt_at <= moment
        )
    )
    for row in queued:
        row.attempts += 1
        row.sent_at = moment
        set_state(session, row, DeliveryState.DRY, moment, DRY_DETAIL)


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite gives back naive UTC moments."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)
