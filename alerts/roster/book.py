"""The roster (值班表) as the service sees it: load a unit's rotations, explicit shifts and swaps,
and ask the pure resolver (rules/roster.py) who holds a role at a moment or over a span.

Ladders resolve their roles here at the moment a step fires. A role nobody holds is a gap;
the escalation records it and moves up a rung at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import rules.roster as rr
from alerts.config import Settings
from alerts.roster.holidays import HolidayCalendar
from alerts.storage.models import Person, RosterShift, Rotation, SwapRequest
from rules.roles import DUTY_ROLES as DUTY_ROLES
from rules.roles import ROLES

# Roles that come and go by shift; the rest (leader, principal, section_head, director,
# county_leader) are standing roles, usually one long explicit shift.
ALL_ROLES = ROLES  # rules.roles holds the list; the names stay for the roster's readers


class Scope(Protocol):
    """Whose roles `unit.ROLE` and `office.ROLE` name: an incident, or a ladder's subject."""

    @property
    def unit_id(self) -> int: ...

    @property
    def office_id(self) -> int: ...


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


class RosterBook:
    """Reads rosters from storage and resolves them with the configured zone and holidays."""

    def __init__(self, settings: Settings) -> None:
        self.zone = settings.rules.timezone
        self.calendar = HolidayCalendar(settings.roster.holidays, settings.roster.workdays)

    def load(self, session: Session, *, unit_id: int, start: datetime, end: datetime) -> rr.Roster:
        """A unit's roster as plain data, for what overlaps [start, end)."""
        rotations = session.scalars(select(Rotation).where(Rotation.unit_id == unit_id)).all()
        explicit = session.scalars(
            select(RosterShift).where(
                RosterShift.unit_id == unit_id,
                RosterShift.starts_at < end,
                RosterShift.ends_at > start,
            )
        ).all()
        swaps = session.scalars(
            select(SwapRequest).where(
                SwapRequest.unit_id == unit_id,
                SwapRequest.starts_at < end,
                SwapRequest.ends_at > start,
            )
        ).all()
        return rr.Roster(
            rotations=tuple(_rotation(r) for r in rotations),
            assignments=tuple(
                rr.Assignment(s.role, s.person_id, s.starts_at, s.ends_at, s.source)
                for s in explicit
            ),
            swaps=tuple(
                rr.Swap(
                    s.role,
                    s.from_person_id,
                    s.to_person_id,
                    s.starts_at,
                    s.ends_at,
                    s.state == "approved",
                )
                for s in swaps
            ),
        )

    def shifts(
        self, session: Session, *, unit_id: int, role: str, start: datetime, end: datetime
    ) -> list[rr.Shift]:
        """Who holds `role` in the unit over [start, end)."""
        roster = self.load(session, unit_id=unit_id, start=start, end=end)
        return rr.shifts(
            roster, role, start, end, zone=self.zone, holidays=self._holidays(start, end)
        )

    def gaps(
        self, session: Session, *, unit_id: int, role: str, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """When nobody holds `role` in the unit over [start, end)."""
        roster = self.load(session, unit_id=unit_id, start=start, end=end)
        return rr.gaps(
            roster, role, start, end, zone=self.zone, holidays=self._holidays(start, end)
        )

    def holders(
        self, session: Session, *, unit_id: int, role: str, at: datetime
    ) -> Sequence[Person]:
        """People holding `role` for the unit at `at`."""
        found = self.shifts(
            session, unit_id=unit_id, role=role, start=at, end=at + timedelta(microseconds=1)
        )
        ids = list(dict.fromkeys(s.person for s in found))
        people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
        return [people[i] for i in ids if i in people]

    def resolve(self, session: Session, *, target: str, incident: Scope, at: datetime) -> Resolved:
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
        return Resolved(
            target, people=tuple(self.holders(session, unit_id=unit_id, role=role, at=at))
        )

    def day_start(self, day: date, at: time) -> datetime:
        """The moment a local duty day starts."""
        return datetime.combine(day, at, tzinfo=self.zone)

    def _holidays(self, start: datetime, end: datetime) -> frozenset[date]:
        first = start.astimezone(self.zone).date() - timedelta(days=8)
        return self.calendar.holidays_between(
            first, end.astimezone(self.zone).date() + timedelta(days=1)
        )


def _rotation(row: Rotation) -> rr.Rotation:
    return rr.Rotation(
        role=row.role,
        members=tuple(int(p) for p in row.members),
        cadence=row.cadence,  # type: ignore[arg-type]  # checked when stored
        starts_on=row.starts_on,
        changes_at=tuple(time.fromisoformat(t) for t in row.changes_at),
        holiday_members=tuple(int(p) for p in row.holiday_members or ()),
        ends_on=row.ends_on,
    )
