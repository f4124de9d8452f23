"""An incident's filings, obligations, waivers and timeline, and the idempotency records of
the filing webhook."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage.models import Event, Filing, IdempotencyRecord, Obligation, Waiver


def filings_of(session: Session, *, incident_id: int) -> Sequence[Filing]:
    """An incident's filings, oldest first."""
    return session.scalars(
        select(Filing)
        .where(Filing.incident_id == incident_id)
        .order_by(Filing.received_at, Filing.id)
    ).all()


def obligations_of(session: Session, *, incident_id: int) -> Sequence[Obligation]:
    """An incident's obligations in the order they arose."""
    return session.scalars(
        select(Obligation).where(Obligation.incident_id == incident_id).order_by(Obligation.id)
    ).all()


def waivers_of(session: Session, *, incident_id: int) -> Sequence[Waiver]:
    """An incident's waivers."""
    return session.scalars(select(Waiver).where(Waiver.incident_id == incident_id)).all()


def events_of(session: Session, *, incident_id: int) -> Sequence[Event]:
    """An incident's timeline, oldest first."""
    return session.scalars(
        select(Event).where(Event.incident_id == incident_id).order_by(Event.at, Event.id)
    ).all()


def idempotency_record(session: Session, *, unit_id: int, key: str) -> IdempotencyRecord | None:
    """The stored first answer for this unit's key."""
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.unit_id == unit_id, IdempotencyRecord.key == key
        )
    )
