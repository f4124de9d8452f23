"""An incident's filings, obligations, waivers and timeline, the idempotency records of the
filing webhook, and the registrations a source made under one external reference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage.models import (
    Event,
    Filing,
    IdempotencyRecord,
    Incident,
    Obligation,
    Waiver,
)


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


def _registered_as(office_id: int, external_ref: str) -> Any:
    return (
        Filing.filed_by_unit_id == office_id,
        Filing.kind == "register",
        Filing.payload["external_ref"].as_string() == external_ref,
    )


def incident_registered_as(
    session: Session, *, office_id: int, external_ref: str
) -> Incident | None:
    """The latest incident the office registered stating `external_ref` (a source's alert, by
    its fingerprint). Found by the registrations, not the incident's own column, which a unit's
    later report may restate with its own reference."""
    return session.scalar(
        select(Incident)
        .join(Filing, Filing.incident_id == Incident.id)
        .where(Incident.office_id == office_id, *_registered_as(office_id, external_ref))
        .order_by(Incident.id.desc())
        .limit(1)
    )


def registrations_as(
    session: Session, *, incident_id: int, office_id: int, external_ref: str
) -> Sequence[Filing]:
    """The office's registrations on an incident stating `external_ref`, oldest first."""
    return session.scalars(
        select(Filing)
        .where(Filing.incident_id == incident_id, *_registered_as(office_id, external_ref))
        .order_by(Filing.received_at, Filing.id)
    ).all()
