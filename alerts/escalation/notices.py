"""Queue a notice that is not a ladder step (a handover, a roster gap, a duty check) in the
outbox, under a dedupe key so that it is stored, and so sent, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.phones import to_e164
from alerts.storage import models as m


def enqueue_notice(
    session: Session,
    *,
    key: str,
    person: m.Person,
    channels: tuple[str, ...],
    subject: str,
    text: str,
    now: datetime,
) -> int:
    """One queued notification per channel the person can be reached on; how many were new."""
    added = 0
    for channel in channels:
        address = (
            (to_e164(person.phone) if person.phone else None)
            if channel in ("sms", "voice")
            else person.email
        )
        dedupe = f"{key}:{person.id}:{channel}"
        if not address or session.scalar(
            select(m.Notification.id).where(m.Notification.dedupe_key == dedupe)
        ):
            continue
        session.add(
            queued_notification(
                dedupe_key=dedupe,
                person_id=person.id,
                channel=channel,
                address=address,
                subject=subject,
                text=text,
                now=now,
            )
        )
        added += 1
    return added


def queued_notification(
    *,
    dedupe_key: str,
    person_id: int,
    channel: str,
    address: str,
    subject: str,
    text: str,
    now: datetime,
) -> m.Notification:
    """A notice row as the outbox takes it: queued, due now, never tried."""
    return m.Notification(
        dedupe_key=dedupe_key,
        person_id=person_id,
        channel=channel,
        address=address,
        subject=subject[:300],
        summary=text[:300],
        body=text,
        state="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
