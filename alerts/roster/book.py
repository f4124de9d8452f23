"""The roster (值班表) as the service sees it: load a unit's rotations, explicit shifts and swaps,
and ask the pure resolver (rules/roster.py) who holds a role at a moment or over a span.

Ladders resolve their roles here at the moment a step fires. A role nobody holds is a gap;
the escalation records it and moves up a rung at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
        duty = self.on_duty(session, unit_ids=unit_ids, at=at)
        wanted = [(unit_id, role) for unit_id in dict.fromkeys(unit_ids) for role in roles]
        duty.read_people(wanted)
        return {(unit_id, role): duty.holders(unit_id, role) for unit_id, role in wanted}

    def on_duty(self, session: Session, *, unit_ids: Sequence[int], at: datetime) -> OnDuty:
        """The rosters of these units at one moment, read in three statements."""
        return OnDuty(self, session, unit_ids, at)

    def day_start(self, day: date, at: time) -> datetime:
        """The moment a local duty day starts."""
        return datetime.combine(day, at, tzinfo=self.zone)

    def _holidays(self, start: datetime, end: datetime) -> frozenset[date]:
        first = start.astimezone(self.zone).date() - timedelta(days=8)
        return self.calendar.holidays_between(
            first, end.astimezone(self.zone).date() + timedelta(days=1)
        )


class OnDuty:
    """Who holds what in some units at one moment: each unit's roster read once, each role
    resolved once, the people read in one statement per `read_people` (a batch of ladder steps
    firing at one moment resolves its every recipient here)."""

    def __init__(
        self, book: RosterBook, session: Session, unit_ids: Sequence[int], at: datetime
    ) -> None:
        self.book, self.session, self.at = book, session, at
        self._end = at + timedelta(microseconds=1)
        self._rosters = book.load_many(session, unit_ids=unit_ids, start=at, end=self._end)
        self._holidays = book._holidays(at, self._end)
        self._holder_ids: dict[tuple[int, str], list[int]] = {}
        self._people: dict[int, Person | None] = {}  # None: no such person row
        self._named: dict[str, Person | None] = {}  # `person:` targets by phone or email

    def read_people(self, roles: Iterable[tuple[int, str]], names: Iterable[str] = ()) -> None:
        """Read the holders of these (unit, role) pairs and the people named by phone or email,
        those not read yet, in at most two statements."""
        ids = {i for unit_id, role in roles for i in self._ids(unit_id, role)} - self._people.keys()
        if ids:
            found = self.session.scalars(select(Person).where(Person.id.in_(ids)))
            self._people.update(dict.fromkeys(ids))
            self._people.update({p.id: p for p in found})
        wanted = set(names) - self._named.keys()
        if wanted:
            matches = self.session.scalars(
                select(Person)
                .where(or_(Person.phone.in_(wanted), Person.email.in_(wanted)))
                .order_by(Person.id)
            ).all()
            for name in wanted:
                self._named[name] = next((p for p in matches if name in (p.phone, p.email)), None)

    def holders(self, unit_id: int, role: str) -> list[Person]:
        """People holding `role` in the unit at the moment."""
        self.read_people([(unit_id, role)])
        found = (self._people[i] for i in self._ids(unit_id, role))
        return [p for p in found if p is not None]

    def resolve(self, target: str, scope: Scope) -> Resolved:
        """`unit.ROLE` is the scope's unit, `office.ROLE` its office; `person:` names someone
        by phone or email; `webhook:` names an outgoing webhook."""
        kind, _, name = target.partition(":")
        if kind == "webhook":
            return Resolved(target, webhook=name)
        if kind == "person":
            self.read_people((), [name])
            person = self._named[name]
            return Resolved(target, people=(person,) if person else ())
        return Resolved(target, people=tuple(self.holders(*role_of(target, scope))))

    def _ids(self, unit_id: int, role: str) -> list[int]:
        key = (unit_id, role)
        if key not in self._holder_ids:
            if unit_id not in self._rosters:
                self._rosters |= self.book.load_many(
                    self.session, unit_ids=[unit_id], start=self.at, end=self._end
                )
            found = rr.shifts(
                self._rosters[unit_id],
                role,
                self.at,
                self._end,
                zone=self.book.zone,
                holidays=self._holidays,
            )
            self._holder_ids[key] = list(dict.fromkeys(s.person for s in found))
        return self._holder_ids[key]


def role_of(target: str, scope: Scope) -> tuple[int, str]:
    """The unit and role a `unit.ROLE` or `office.ROLE` target names for a scope."""
    where, _, role = target.partition(".")
    return (scope.unit_id if where == "unit" else scope.office_id), role


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
