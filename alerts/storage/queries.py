"""Reads and writes by keyword; nothing here commits: the caller owns the transaction."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage.models import (
    Acknowledgement,
    Escalation,
    Event,
    Filing,
    IdempotencyRecord,
    Notification,
    NotificationEvent,
    Obligation,
    RoleVacancy,
    Unit,
    UnitToken,
    Waiver,
)


def hash_token(token: str) -> str:
    """Tokens are random, so a plain SHA-256 is enough to keep them unreadable at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


def unit_by_token(session: Session, *, token: str) -> Unit | None:
    """The unit a live (unrevoked) token belongs to."""
    return session.scalar(
        select(Unit)
        .join(UnitToken, UnitToken.unit_id == Unit.id)
        .where(UnitToken.token_hash == hash_token(token), UnitToken.revoked_at.is_(None))
    )


def unit_by_code(session: Session, *, code: str) -> Unit | None:
    """The unit with this code."""
    return session.scalar(select(Unit).where(Unit.code == code))


def office(session: Session) -> Unit | None:
    """The office that runs this service (the first one marked, if several)."""
    return session.scalar(select(Unit).where(Unit.is_office.is_(True)).order_by(Unit.id))


def all_units(session: Session) -> Sequence[Unit]:
    """Every unit, by code."""
    return session.scalars(select(Unit).order_by(Unit.code)).all()


def reporting_office(session: Session, *, unit: Unit) -> Unit | None:
    """The nearest office at or above `unit` in the tree."""
    current: Unit | None = unit
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        if current.is_office:
            return current
        seen.add(current.id)
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return None


def add_unit(
    session: Session, *, code: str, name: str, parent: Unit | None, is_office: bool, now: datetime
) -> Unit:
    """A new unit under `parent`."""
    unit = Unit(
        code=code,
        name=name,
        parent_id=parent.id if parent else None,
        is_office=is_office,
        created_at=now,
    )
    session.add(unit)
    session.flush()
    return unit


def add_token(session: Session, *, unit: Unit, label: str, now: datetime) -> str:
    """Make a token for `unit`; the plain token is returned once and only its hash is kept."""
    token = "jb_" + secrets.token_urlsafe(32)
    session.add(
        UnitToken(unit_id=unit.id, token_hash=hash_token(token), label=label, created_at=now)
    )
    session.flush()
    return token


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


def role_vacancies(
    session: Session, *, unit_ids: Sequence[int], since: datetime
) -> Sequence[RoleVacancy]:
    """Roles the ladder found vacant in these units since `since`, newest first."""
    return session.scalars(
        select(RoleVacancy)
        .where(RoleVacancy.unit_id.in_(unit_ids), RoleVacancy.at >= since)
        .order_by(RoleVacancy.at.desc(), RoleVacancy.id.desc())
    ).all()
