"""Who holds a duty role in a unit at a moment: the roster (值班表) that ladders resolve against.

A role nobody holds is a gap; the escalation records it and moves up a rung at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alerts.storage.models import Incident, Person, RosterShift


@dataclass(frozen=True)
class Resolved:
    """The people (or webhook) a ladder target means at one moment."""

    target: str
    people: tuple[Person, ...] = ()
    webhook: str | None = None

    @property
    def is_gap(self) -> bool:
        """Nobody and nothing to tell."""
        return not self.people and self.webhook is None


def holders(session: Session, *, unit_id: int, role: str, at: datetime) -> Sequence[Person]:
    """People on shift in `role` for the unit at `at`, in roster order."""
    return session.scalars(
        select(Person)
        .join(RosterShift, RosterShift.person_id == Person.id)
        .where(
            RosterShift.unit_id == unit_id,
            RosterShift.role == role,
            RosterShift.starts_at <= at,
            RosterShift.ends_at > at,
        )
        .order_by(RosterShift.starts_at, RosterShift.id)
    ).all()


def resolve(session: Session, *, target: str, incident: Incident, at: datetime) -> Resolved:
    """`unit.ROLE` is the incident's unit, `office.ROLE` the office; `person:` names someone
    by phone or email; `webhook:` names an outgoing webhook."""
    kind, _, name = target.partition(":")
    if kind == "webhook":
        return Resolved(target, webhook=name)
    if kind == "person":
        person = session.scalar(
            select(Person).where(or_(Person.phone == name, Person.email == name))
        )
        return Resolved(target, people=(person,) if person else ())
    scope, _, role = target.partition(".")
    unit_id = incident.unit_id if scope == "unit" else incident.office_id
    return Resolved(target, people=tuple(holders(session, unit_id=unit_id, role=role, at=at)))
