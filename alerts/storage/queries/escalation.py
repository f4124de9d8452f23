"""An incident's ladder steps, messages with their delivery history, and acknowledgements."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage.models import Acknowledgement, Escalation, Notification, NotificationEvent


def escalations_of(session: Session, *, incident_id: int) -> Sequence[Escalation]:
    """Ladder steps fired for an incident, oldest first."""
    return session.scalars(
        select(Escalation).where(Escalation.incident_id == incident_id).order_by(Escalation.id)
    ).all()


def notifications_of(session: Session, *, incident_id: int) -> Sequence[Notification]:
    """Messages about an incident, oldest first."""
    return session.scalars(
        select(Notification)
        .where(Notification.incident_id == incident_id)
        .order_by(Notification.id)
    ).all()


def delivery_history(
    session: Session, *, notification_ids: Sequence[int]
) -> Sequence[NotificationEvent]:
    """The delivery events of these notifications, oldest first."""
    if not notification_ids:
        return []
    return session.scalars(
        select(NotificationEvent)
        .where(NotificationEvent.notification_id.in_(notification_ids))
        .order_by(NotificationEvent.id)
    ).all()


def acknowledgements_of(session: Session, *, incident_id: int) -> Sequence[Acknowledgement]:
    """An incident's acknowledgements, oldest first."""
    return session.scalars(
        select(Acknowledgement)
        .where(Acknowledgement.incident_id == incident_id)
        .order_by(Acknowledgement.id)
    ).all()
