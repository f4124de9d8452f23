"""The demo county's roster: a month and more of rotations (weekly county duty officers changing
on Mondays, daily leaders on duty, the director on holidays), standing roles, and the things a
duty room should see at once: one pending swap, one gap, one handover nobody has accepted."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.storage import models as m

ROSTER_WEEKS = 6  # from the Monday of last week: more than a month, past New Year's Day
CHANGE_AT = "08:30"
STANDING = {"leader": "leader", "principal": "principal"}
OFFICE_STANDING = {
    "section_head": "section_head",
    "director": "director",
    "leader": "county_leader",
}
GAP_UNIT = "slz"  # 石林镇: its leaders on duty are named only to 3 days ahead


def add_roster(
    sessions: sessionmaker[Session],
    zone: ZoneInfo,
    staff: dict[int, list[tuple[str, int]]],
    now: datetime,
) -> None:
    """Rotations and standing roles for every unit below the city, then the three exceptions."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday() + 7)
    last = monday + timedelta(weeks=ROSTER_WEEKS) - timedelta(days=1)
    with sessions() as session:
        units = {u.id: u for u in session.scalars(select(m.Unit))}
        for unit_id, members in staff.items():
            unit = units[unit_id]
            if unit.parent_id is None:
                continue  # the city keeps its own roster
            _standing(session, unit, members, monday, zone, now)
            for role, cadence, people, holiday in _patterns(unit, members):
                ends = (
                    today + timedelta(days=3)
                    if (unit.code, role) == (GAP_UNIT, "leader_on_duty")
                    else last
                )
                session.add(
                    m.Rotation(
                        unit_id=unit_id,
                        role=role,
                        cadence=cadence,
                        starts_on=monday,
                        ends_on=ends,
                        changes_at=[CHANGE_AT],
                        members=people,
                        holiday_members=holiday,
                        label="演示轮班",
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
    roles = OFFICE_STANDING if unit.is_office else STANDING
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
                    note="常设职务",
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
            note="临时顶班",
        )
    )


def _pending_swap(
    session: Session, office: m.Unit, members: list[tuple[str, int]], zone: ZoneInfo, now: datetime
) -> None:
    """Two of the office's leaders on duty want to swap a day later this week."""
    leaders = [person for role, person in members if role == "on_duty"]
    start = _last_change(now, zone) + timedelta(days=3)
    session.add(
        m.SwapRequest(
            unit_id=office.id,
            role="leader_on_duty",
            from_person_id=leaders[0],
            to_person_id=leaders[1],
            starts_at=start,
            ends_at=start + timedelta(days=1),
            reason="参加市里会议，申请调班",
            requested_at=now,
            state="pending",
        )
    )


def _special_periods(session: Session, today: date) -> None:
    """Winter forest-fire season for everyone, and a major event in the county next week."""
    year = today.year if today.month >= 10 else today.year - 1
    session.add(
        m.SpecialPeriod(
            name="冬春森林防火期",
            kind="fire_season",
            starts_on=date(year, 10, 1),
            ends_on=date(year + 1, 4, 30),
        )
    )
    event = today + timedelta(days=7)
    session.add(
        m.SpecialPeriod(
            name="千岛湖马拉松赛事保障",
            kind="major_event",
            starts_on=event,
            ends_on=event + timedelta(days=1),
        )
    )


def _last_change(now: datetime, zone: ZoneInfo) -> datetime:
    """The most recent 08:30 local before `now`."""
    local = now.astimezone(zone)
    change = datetime.combine(local.date(), time.fromisoformat(CHANGE_AT), tzinfo=zone)
    return change if change <= now else change - timedelta(days=1)


def _local(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)
