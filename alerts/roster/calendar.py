"""iCalendar feeds of the duty roster that phones subscribe to: one person's duty shifts in every
unit they serve, or one unit's shifts, from 30 days back to 90 days ahead.

Calendar apps fetch a feed by URL and cannot send a bearer token, so the URL carries a signed
token naming the person or unit (itsdangerous, salt "jibao-ical", no expiry: a subscription must
keep working; changing JIBAO_SECRET_KEY revokes every link). Event UIDs are built from the unit,
role, person and start, so a refresh updates events instead of duplicating them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from itsdangerous import BadSignature, Signer
from sqlalchemy import select
from sqlalchemy.orm import Session

import rules.roster as rr
from alerts.i18n import Translator
from alerts.roster.book import RosterBook
from alerts.storage.models import Person, RosterShift, Rotation, SwapRequest, Unit
from rules.roles import DUTY_ROLES

if TYPE_CHECKING:
    import icalendar

Target = Literal["person", "unit"]
ROLES = DUTY_ROLES  # standing roles stay out
PAST, AHEAD = timedelta(days=30), timedelta(days=90)
MARGIN = timedelta(days=8)  # resolved this much wider, so shifts at the window's edges are whole
_PREFIX = {"person": "p", "unit": "u"}


class CalendarLinks:
    """Makes and checks the token in `/api/v1/roster/calendar/{token}.ics`."""

    def __init__(self, secret_key: str, public_url: str) -> None:
        self.signer = Signer(secret_key, salt="jibao-ical")  # salt: single purpose
        self.public_url = public_url.rstrip("/")

    def token(self, target: Target, ident: int) -> str:
        """A signed token naming a person or a unit by id."""
        return self.signer.sign(f"{_PREFIX[target]}{ident}").decode()

    def url(self, target: Target, ident: int) -> str:
        """The feed's address."""
        return f"{self.public_url}/api/v1/roster/calendar/{self.token(target, ident)}.ics"

    def read(self, token: str) -> tuple[Target, int] | None:
        """(target, id) from a genuine token; None for anything else."""
        try:
            value = self.signer.unsign(token).decode()
        except (BadSignature, UnicodeDecodeError):
            return None
        kind, ident = value[:1], value[1:]
        if not (ident.isascii() and ident.isdigit()):
            return None
        if kind == _PREFIX["person"]:
            return "person", int(ident)
        if kind == _PREFIX["unit"]:
            return "unit", int(ident)
        return None


@dataclass(frozen=True)
class DutyEvent:
    """One stretch of duty: who, in which unit and role, from when to when, and why."""

    unit: Unit
    role: str
    person: Person | None
    starts_at: datetime
    ends_at: datetime
    source: str
    swapped_from: Person | None = None


def window(now: datetime) -> tuple[datetime, datetime]:
    """The span a feed covers."""
    return now - PAST, now + AHEAD


def unit_events(
    session: Session, *, book: RosterBook, unit: Unit, start: datetime, end: datetime
) -> list[DutyEvent]:
    """Every duty shift of the unit overlapping [start, end), whole."""
    found: list[DutyEvent] = []
    for role in ROLES:
        pieces = book.shifts(
            session, unit_id=unit.id, role=role, start=start - MARGIN, end=end + MARGIN
        )
        found += _events(session, unit, pieces, start, end)
    return sorted(found, key=lambda e: (e.starts_at, ROLES.index(e.role)))


def person_events(
    session: Session, *, book: RosterBook, person: Person, start: datetime, end: datetime
) -> list[DutyEvent]:
    """Every duty shift the person holds, in any unit, overlapping [start, end)."""
    found = [
        event
        for unit in _units_of(session, person)
        for event in unit_events(session, book=book, unit=unit, start=start, end=end)
        if event.person is not None and event.person.id == person.id
    ]
    return sorted(found, key=lambda e: (e.starts_at, e.unit.code, ROLES.index(e.role)))


def _units_of(session: Session, person: Person) -> list[Unit]:
    """The person's own unit and every unit whose roster names them."""
    ids = {person.unit_id}
    ids |= set(
        session.scalars(select(RosterShift.unit_id).where(RosterShift.person_id == person.id))
    )
    ids |= set(
        session.scalars(select(SwapRequest.unit_id).where(SwapRequest.to_person_id == person.id))
    )
    for rotation in session.scalars(select(Rotation)):  # members are JSON: filter here
        if person.id in {int(p) for p in [*rotation.members, *(rotation.holiday_members or ())]}:
            ids.add(rotation.unit_id)
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code)))


def _events(
    session: Session, unit: Unit, shifts: Iterable[rr.Shift], start: datetime, end: datetime
) -> list[DutyEvent]:
    kept = [s for s in shifts if s.starts_at < end and s.ends_at > start]
    ids = {s.person for s in kept} | {s.swapped_from for s in kept if s.swapped_from}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    return [
        DutyEvent(
            unit,
            s.role,
            people.get(s.person),
            s.starts_at,
            s.ends_at,
            s.source,
            people.get(s.swapped_from) if s.swapped_from else None,
        )
        for s in kept
    ]


def feed(
    events: Iterable[DutyEvent],
    *,
    name: str,
    zone: str,
    translate: Translator,
    now: datetime,
    name_people: bool = False,
) -> bytes:
    """An iCalendar document of duty events; `name` is what the app calls the calendar, and
    `name_people` puts who is on duty in each title (a unit's feed)."""
    from icalendar import Calendar  # here: a few MiB resident, needed only to serve a feed

    calendar = Calendar()
    calendar.add("prodid", "-//Jibao 急报//duty roster//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(_event(event, translate, now, name_people))
    return bytes(calendar.to_ical())


def _event(
    event: DutyEvent, translate: Translator, now: datetime, name_people: bool
) -> icalendar.Event:
    role = translate(f"role.{event.role}")
    person = event.person.name if event.person else "?"
    who = translate("roster_calendar.unit_summary", unit=event.unit.name, role=role, person=person)
    from icalendar import Event

    entry = Event()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    title = translate("roster_calendar.summary", unit=event.unit.name, role=role)
    entry.add("summary", who if name_people else title)
    lines = [who]
    if event.person and event.person.phone:
        lines.append(translate("roster_calendar.phone", phone=event.person.phone))
    if event.swapped_from is not None:
        lines.append(translate("roster_calendar.swapped", person=event.swapped_from.name))
    entry.add("description", "\n".join(lines))
    entry.add("categories", [role])
    return entry


def event_uid(event: DutyEvent) -> str:
    """Stable across refreshes: the same shift always has the same UID."""
    person = event.person.id if event.person else 0
    stamp = event.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{event.unit.code}.{event.role}.{person}.{stamp}@jibao"
