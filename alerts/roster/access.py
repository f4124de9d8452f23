"""Whose rosters one sees and acts on: one rule for the API and the dashboard.

A unit sees its own roster. Whoever acts for the office (the office's API token; a dashboard
user who is not a unit officer) sees the office's and that of every unit reporting to it. The
two doors used to differ: the dashboard gave a leader or section head attached to a township
the whole office, the API gave the township's token its own roster only; and a dashboard user
whose unit reported to no office saw nothing at all. Now both ask `units_in_view` with who acts
for the office, which each door knows in its own terms, and the answer is the same: a user
attached below the office who acts for it sees what the office sees; a unit under no office
sees itself."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage import models as m
from alerts.storage.queries import reporting_office


def units_in_view(session: Session, *, unit: m.Unit, for_office: bool) -> list[m.Unit]:
    """The units whose rosters `unit` sees, by code: itself; acting for its office, the office
    and every unit reporting to it."""
    office = reporting_office(session, unit=unit) if for_office else None
    if office is None:
        return [unit]
    return [
        u
        for u in session.scalars(select(m.Unit).order_by(m.Unit.code))
        if reporting_office(session, unit=u) is office
    ]


def may_act_for(session: Session, *, unit: m.Unit, target: m.Unit, for_office: bool) -> bool:
    """Whether `unit` (acting for its office or not) may see and act on `target`'s roster."""
    if target.id == unit.id:
        return True
    return any(u.id == target.id for u in units_in_view(session, unit=unit, for_office=for_office))


def has_roster(session: Session, unit: m.Unit) -> bool:
    """Whether the unit keeps any roster here at all."""
    return bool(
        session.scalar(select(m.Rotation.id).where(m.Rotation.unit_id == unit.id).limit(1))
        or session.scalar(select(m.RosterShift.id).where(m.RosterShift.unit_id == unit.id).limit(1))
    )


def person_names(session: Session) -> dict[int, str]:
    """Every person's name by id."""
    return {i: n for i, n in session.execute(select(m.Person.id, m.Person.name))}
