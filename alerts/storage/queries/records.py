"""The Records page's read model: per unit, what rules/compliance.py scores over a period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.storage.models import DutyCheck, Filing, Incident, Obligation


def obligations_due(
    session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime
) -> Sequence[Obligation]:
    """Obligations these units owe that fall due in [start, end)."""
    return session.scalars(
        select(Obligation).where(
            Obligation.owed_by_unit_id.in_(unit_ids),
            Obligation.due_at >= start,
            Obligation.due_at < end,
        )
    ).all()


def incidents_alive(
    session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime
) -> Sequence[Incident]:
    """These units' incidents that existed at some moment of [start, end)."""
    return session.scalars(
        select(Incident).where(
            Incident.unit_id.in_(unit_ids),
            Incident.created_at < end,
            Incident.updated_at >= start,
        )
    ).all()


def first_own_reports(
    session: Session, *, unit_ids: Sequence[int], before: datetime
) -> list[tuple[int, datetime]]:
    """(unit id, when) of each incident a unit reported itself (an initial report or a phone
    log), at its first such report, for those first reported before `before`."""
    first = func.min(Filing.received_at)
    rows = session.execute(
        select(Filing.unit_id, first)
        .where(Filing.unit_id.in_(unit_ids), Filing.kind.in_(("initial", "phone")))
        .group_by(Filing.unit_id, Filing.incident_id)
        .having(first < before)
    )
    return [(unit_id, at) for unit_id, at in rows]


def duty_checks_due(
    session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime
) -> Sequence[DutyCheck]:
    """Duty checks (查岗) of these units that fell due in [start, end)."""
    return session.scalars(
        select(DutyCheck).where(
            DutyCheck.unit_id.in_(unit_ids),
            DutyCheck.due_at >= start,
            DutyCheck.due_at < end,
        )
    ).all()
