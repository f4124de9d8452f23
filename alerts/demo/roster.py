"""The demo county's roster: a month and more of rotations (weekly county duty officers changing
on Mondays, daily leaders on duty, the director on holidays), standing roles, and the things a
duty room should see at once: one pending swap, one gap, one handover nobody has accepted.
Its shape, names and notes are in county.toml ([roster]); who rotates is derived here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.demo.data import COUNTY
from alerts.storage import models as m

ROSTER = COUNTY.roster


def add_roster(
    sessions: sessionmaker[Session],
    zone: ZoneInfo,
    staff: dict[int, list[tuple[str, int]]],
    now: datetime,
) -> None:
    """Rotations and standing roles for every unit below the city, then the three exceptions."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday() + 7)
    last = monday + timedelta(weeks=ROSTER.weeks) - timedelta(days=1)
    with sessions() as session:
        units = {u.id: u for u in session.scalars(select(m.Unit))}
        for unit_id, members in staff.items():
            unit = units[unit_id]
            if unit.parent_id is None:
                continue  # the city keeps its own roster
            _standing(session, unit, members, monday, zone, now)
            for role, cadence, people, holiday in _patterns(unit, members):
                ends = (
                    today + timedelta(days=ROSTER.gap_days_ahead)
                    if (unit.code, role) == (ROSTER.gap_unit, "leader_on_duty")
                    else last
                )
                session.add(
                    m.Rotation(
                        unit_id=unit_id,
                        role=role,
                        cadence=cadence,
                        starts_on=monday,
                        ends_on=ends,
                        changes_at=[ROSTER.changes_at],
                        members=people,
                        holiday_members=holiday,
                        label=ROSTER.rotation_label,
                        created_at=now,
                    )
                )
        session.flush()
        office = next(u for u in units.values() if u.is_office)
        _unaccepted_handover(session, office, staff[office.id], zone, now)
        _pending_swap(session, office, staff[office.id], zone, now)
        _special_periods(session, today)
        session.commit()


def _patterns(
    unit: m.Unit, members: list[tuple[str, int]]
) -> list[tuple[str, str, list[int], list[int]]]:
    def who(*roles: str) -> list[int]:
        return [person for role, person in members if role in roles]

    if unit.is_office:
        leaders, holiday = who("on_duty"), who("director")  # the director takes holidays
    else:
        leaders, holiday = who("leader", "principal"), []
    patterns = [
        ("duty_officer", "week", who("duty_officer"), []),
        ("deputy_duty_officer", "week", who("deputy"), []),
        ("leader_on_duty", "day", leaders, holiday),
    ]
    return [p for p in patterns if p[2]]


def _standing(
    session: Session,
    unit: m.Unit,
    members: list[tuple[str, int]],
    first: date,
    zone: ZoneInfo,
    now: datetime,
) -> None:
    roles = ROSTER.office_standing if unit.is_office else ROSTER.standing
    for demo_role, person in members:
        if demo_role in roles:
            session.add(
                m.RosterShift(
                    unit_id=unit.id,
                    role=roles[demo_role],
                    person_id=person,
                    starts_at=_local(first, zone),
                    ends_at=_local(first + timedelta(days=365), zone),
                    source="override",
                    note=ROSTER.standing_note,
                )
            )


def _unaccepted_handover(
    session: Session, office: m.Unit, members: list[tuple[str, int]], zone: ZoneInfo, now: datetime
) -> None:
    """The deputy stood in for the last duty day: the handover back at 08:30 awaits acceptance."""
    change = _last_change(now, zone)
    deputy = next(person for role, person in members if role == "deputy")
    session.add(
        m.RosterShift(
            unit_id=office.id,
            role="duty_officer",
            person_id=deputy,
            starts_at=change - timedelta(days=1),
            ends_at=change,
            source="override",
            note=ROSTER.stand_in_note,
        )
    )


def _pending_swap(
    session: Session, office: m.Unit, members: list[tuple[str, int]], zone: ZoneInfo, now: datetime
) -> None:
    """Two of the office's leaders on duty want to swap a day later this week."""
    leaders = [person for role, person in members if role == "on_duty"]
    start = _last_change(now, zone) + timedelta(days=ROSTER.swap_days_ahead)
    session.add(
        m.SwapRequest(
            unit_id=office.id,
            role="leader_on_duty",
            from_person_id=leaders[0],
            to_person_id=leaders[1],
            starts_at=start,
            ends_at=start + timedelta(days=1),
            reason=ROSTER.swap_reason,
            requested_at=now,
            state="pending",
        )
    )


def _special_periods(session: Session, today: date) -> None:
    """The season for everyone (the one under way, or the last one), and the county's event."""
    season, event = ROSTER.season, ROSTER.event
    start_month, start_day = (int(n) for n in season.starts.split("-"))
    end_month, end_day = (int(n) for n in season.ends.split("-"))
    year = today.year if (today.month, today.day) >= (start_month, start_day) else today.year - 1
    session.add(
        m.SpecialPeriod(
            name=season.name,
            kind=season.kind,
            starts_on=date(year, start_month, start_day),
            ends_on=date(year + 1, end_month, end_day),
        )
    )
    first = today + timedelta(days=event.days_ahead)
    session.add(
        m.SpecialPeriod(
            name=event.name,
            kind=event.kind,
            starts_on=first,
            ends_on=first + timedelta(days=event.days - 1),
        )
    )


def _last_change(now: datetime, zone: ZoneInfo) -> datetime:
    """The most recent change of shift (08:30 local) before `now`."""
    local = now.astimezone(zone)
    change = datetime.combine(local.date(), time.fromisoformat(ROSTER.changes_at), tzinfo=zone)
    return change if change <= now else change - timedelta(days=1)


def _local(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)
