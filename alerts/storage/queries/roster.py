"""Roster reads beside the resolver (alerts/roster/book.py): vacancies the ladder found, and
what the roster page lists: people, special periods, swaps to decide, handovers to accept,
duty checks (查岗)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage.models import (
    DutyCheck,
    Handover,
    Person,
    RoleVacancy,
    RosterShift,
    Rotation,
    SpecialPeriod,
    SwapRequest,
)


def role_vacancies(
    session: Session, *, unit_ids: Sequence[int], since: datetime
) -> Sequence[RoleVacancy]:
    """Roles the ladder found vacant in these units since `since`, newest first."""
    return session.scalars(
        select(RoleVacancy)
        .where(RoleVacancy.unit_id.in_(unit_ids), RoleVacancy.at >= since)
        .order_by(RoleVacancy.at.desc(), RoleVacancy.id.desc())
    ).all()


def has_roster(session: Session, *, unit_id: int) -> bool:
    """Whether the unit keeps any roster here at all."""
    return bool(
        session.scalar(select(Rotation.id).where(Rotation.unit_id == unit_id).limit(1))
        or session.scalar(select(RosterShift.id).where(RosterShift.unit_id == unit_id).limit(1))
    )


def person_names(session: Session) -> dict[int, str]:
    """Every person's name by id."""
    return {i: n for i, n in session.execute(select(Person.id, Person.name))}


def people_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, Person]:
    """These people by id (an unknown id is left out)."""
    wanted = list(ids)
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(wanted)))}


def special_periods(
    session: Session, *, unit_id: int, first: date, last: date
) -> Sequence[SpecialPeriod]:
    """Special periods (fire season, major events) of everyone or of this unit that overlap the
    days first..last."""
    return session.scalars(
        select(SpecialPeriod).where(
            (SpecialPeriod.unit_id.is_(None)) | (SpecialPeriod.unit_id == unit_id),
            SpecialPeriod.starts_on <= last,
            SpecialPeriod.ends_on >= first,
        )
    ).all()


def pending_swaps(session: Session, *, unit_ids: Iterable[int]) -> Sequence[SwapRequest]:
    """Swaps in these units waiting for a decision, soonest first."""
    return session.scalars(
        select(SwapRequest)
        .where(SwapRequest.unit_id.in_(list(unit_ids)), SwapRequest.state == "pending")
        .order_by(SwapRequest.starts_at)
    ).all()


def open_handovers(session: Session, *, unit_ids: Iterable[int], limit: int) -> Sequence[Handover]:
    """Handovers in these units nobody has accepted yet, latest shift end first."""
    return session.scalars(
        select(Handover)
        .where(Handover.unit_id.in_(list(unit_ids)), Handover.accepted_at.is_(None))
        .order_by(Handover.shift_end_at.desc())
        .limit(limit)
    ).all()


def recent_duty_checks(
    session: Session, *, unit_ids: Iterable[int], limit: int
) -> Sequence[DutyCheck]:
    """The latest duty checks (查岗) of these units, newest first."""
    return session.scalars(
        select(DutyCheck)
        .where(DutyCheck.unit_id.in_(list(unit_ids)))
        .order_by(DutyCheck.asked_at.desc())
        .limit(limit)
    ).all()
