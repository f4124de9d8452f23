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
        return self.load_many(session, unit_ids=[unit_id], start=start, end=end)[unit_id]

    def load_many(
        self, session: Session, *, unit_ids: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, rr.Roster]:
        """Each unit's roster, for what overlaps [start, end), in three statements however many
        units."""
        wanted = list(dict.fromkeys(unit_ids))
        rotations: dict[int, list[rr.Rotation]] = {u: [] for u in wanted}
        assignments: dict[int, list[rr.Assignment]] = {u: [] for u in wanted}
        swaps: dict[int, list[rr.Swap]] = {u: [] for u in wanted}
        if wanted:
            for r in session.scalars(select(Rotation).where(Rotation.unit_id.in_(wanted))):
                rotations[r.unit_id].append(_rotation(r))
            explicit = select(RosterShift).where(
                RosterShift.unit_id.in_(wanted),
                RosterShift.starts_at < end,
                RosterShift.ends_at > start,
            )
            for s in session.scalars(explicit):
                assignments[s.unit_id].append(
                    rr.Assignment(s.role, s.person_id, s.starts_at, s.ends_at, s.source)
                )
            swapped = select(SwapRequest).where(
                SwapRequest.unit_id.in_(wanted),
                SwapRequest.starts_at < end,
                SwapRequest.ends_at > start,
            )
            for w in session.scalars(swapped):
                swaps[w.unit_id].append(
                    rr.Swap(
                        w.role,
                        w.from_person_id,
                        w.to_person_id,
                        w.starts_at,
                        w.ends_at,
                        w.state == "approved",
                    )
                )
        return {
            u: rr.Roster(
                rotations=tuple(rotations[u]),
                assignments=tuple(assignments[u]),
                swaps=tuple(swaps[u]),
            )
            for u in wanted
        }

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
        return self.holders_many(session, unit_ids=[unit_id], roles=[role], at=at)[(unit_id, role)]

    def holders_many(
        self, session: Session, *, unit_ids: Sequence[int], roles: Sequence[str], at: datetime
    ) -> dict[tuple[int, str], list[Person]]:
        """For each unit and role, the people holding it at `at`: four statements however many
        units (the Now board's on-duty table asks for every unit at once)."""
        end = at + timedelta(microseconds=1)
        rosters = self.load_many(session, unit_ids=unit_ids, start=at, end=end)
        holidays = self._holidays(at, end)
        ids: dict[tuple[int, str], list[int]] = {}
        for unit_id, roster in rosters.items():
            for role in roles:
                found = rr.shifts(roster, role, at, end, zone=self.zone, holidays=holidays)
                ids[(unit_id, role)] = list(dict.fromkeys(s.person for s in found))
        everyone = {i for people in ids.values() for i in people}
        people = (
            {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(everyone)))}
            if everyone
            else {}
        )
        return {key: [people[i] for i in found if i in people] for key, found in ids.items()}

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
