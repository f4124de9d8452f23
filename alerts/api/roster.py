"""/api/v1/roster: who is on duty, resolved shifts, gaps, rotations and overrides. The office's
token acts for every unit below it; a unit's token for itself. What is added here is audited
as the caller's (`api:<unit code>`, alerts/audit.py)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy import or_, select

from alerts import audit
from alerts.api.bounds import RowId, WireDate, WireTime
from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import ApiError, FieldProblem, error_responses
from alerts.api.roster_access import (
    In,
    Role,
    acting_for,
    check_people,
    check_span,
    has_roster,
    person_names,
    person_out,
    units_below,
)
from alerts.api.roster_schemas import (
    GapOut,
    GapsOut,
    OnDutyOut,
    RotationOut,
    ShiftOut,
    ShiftsOut,
    SpecialPeriodOut,
    SpecialPeriodsOut,
    VacancyOut,
)
from alerts.api.schemas import IdOut
from alerts.roster.book import ALL_ROLES, DUTY_ROLES
from alerts.services import ClockDep, RosterBookDep, ServicesDep, SessionDep
from alerts.storage import models as m
from alerts.storage.queries import role_vacancies

router = APIRouter(tags=["roster"])
MAX_SPAN = timedelta(days=62)


class RotationIn(In):
    """A pattern of turns for one role."""

    unit: str
    role: Role
    cadence: Literal["week", "day", "shift"]
    starts_on: WireDate
    ends_on: WireDate | None = None
    changes_at: list[time] = Field(min_length=1, max_length=6)
    members: list[RowId] = Field(min_length=1, max_length=60)
    holiday_members: list[RowId] = Field(default_factory=list, max_length=60)
    label: str = Field(default="", max_length=200)


class OverrideIn(In):
    """Someone explicitly on duty for a span (it replaces the rotation for exactly that span)."""

    unit: str
    role: Role
    person_id: RowId
    starts_at: WireTime
    ends_at: WireTime
    note: str = Field(default="", max_length=200)


@router.get("/api/v1/roster/on-duty", responses=error_responses(401, 403, 422))
async def get_on_duty(
    session: SessionDep,
    caller: CallerDep,
    book: RosterBookDep,
    clock: ClockDep,
    wire: WireDep,
    unit: str | None = None,
    at: Annotated[WireTime | None, Query()] = None,
) -> OnDutyOut:
    """Who holds each role now (or at `at`): the caller's unit, or one it acts for."""
    target = acting_for(session, caller, unit)
    moment = at or clock.now()
    roles = {
        role: [
            person_out(p) for p in book.holders(session, unit_id=target.id, role=role, at=moment)
        ]
        for role in ALL_ROLES
    }
    return OnDutyOut(unit=target.code, at=wire.moment(moment), roles=roles)


@router.get("/api/v1/roster/shifts", responses=error_responses(401, 403, 422))
async def list_shifts(
    session: SessionDep,
    caller: CallerDep,
    book: RosterBookDep,
    clock: ClockDep,
    wire: WireDep,
    unit: str | None = None,
    role: Annotated[Role | None, Query()] = None,
    start: Annotated[WireTime | None, Query(alias="from")] = None,
    end: Annotated[WireTime | None, Query(alias="to")] = None,
) -> ShiftsOut:
    """Resolved shifts (rotations, imports, overrides, approved swaps); default: 7 days."""
    target = acting_for(session, caller, unit)
    first = start or clock.now()
    last = end or first + timedelta(days=7)
    check_span(first, last)
    if last - first > MAX_SPAN:
        raise ApiError(422, "invalid", fields=[FieldProblem("to", "span_too_long")])
    names = person_names(session)
    found = [
        ShiftOut(
            role=s.role,
            person_id=s.person,
            person=names.get(s.person, ""),
            starts_at=wire.moment(s.starts_at),
            ends_at=wire.moment(s.ends_at),
            source=s.source,
            swapped_from=s.swapped_from,
        )
        for r in ([role] if role else DUTY_ROLES)
        for s in book.shifts(session, unit_id=target.id, role=r, start=first, end=last)
    ]
    return ShiftsOut(unit=target.code, shifts=sorted(found, key=lambda s: (s.starts_at, s.role)))


@router.get("/api/v1/roster/gaps", responses=error_responses(401))
async def list_gaps(
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    book: RosterBookDep,
    clock: ClockDep,
    wire: WireDep,
) -> GapsOut:
    """When, within the horizon (7 days), a unit has no duty officer or leader on duty; and the
    vacancies a ladder met over the same span past (a role it needed that nobody held)."""
    settings = services.settings.roster
    now = clock.now()
    end = now + settings.gap_horizon
    units = {u.id: u for u in units_below(session, caller)}
    gaps = [
        GapOut(
            unit=u.code,
            unit_name=u.name,
            role=role,
            starts_at=wire.moment(s),
            ends_at=wire.moment(e),
        )
        for u in units.values()
        if has_roster(session, u)
        for role in settings.gap_roles
        for s, e in book.gaps(session, unit_id=u.id, role=role, start=now, end=end)
    ]
    vacancies = [
        VacancyOut(
            unit=units[v.unit_id].code,
            unit_name=units[v.unit_id].name,
            role=v.role,
            at=wire.moment(v.at),
            obligation_id=v.obligation_id,
            step=v.step_key,
        )
        for v in role_vacancies(session, unit_ids=list(units), since=now - settings.gap_horizon)
    ]
    return GapsOut(start=wire.moment(now), end=wire.moment(end), gaps=gaps, vacancies=vacancies)


@router.post(
    "/api/v1/roster/rotations", status_code=201, responses=error_responses(401, 403, 413, 422)
)
async def add_rotation(
    body: RotationIn, session: SessionDep, caller: CallerDep, clock: ClockDep
) -> RotationOut:
    """Add a pattern of turns."""
    unit = acting_for(session, caller, body.unit)
    check_people(session, unit, [*body.members, *body.holiday_members], "members")
    if body.ends_on and body.ends_on < body.starts_on:
        raise ApiError(422, "invalid", fields=[FieldProblem("ends_on", "not_after_start")])
    if body.cadence != "shift" and len(body.changes_at) != 1:
        raise ApiError(422, "invalid", fields=[FieldProblem("changes_at", "one_time_only")])
    row = m.Rotation(
        unit_id=unit.id,
        role=body.role,
        cadence=body.cadence,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        changes_at=[t.strftime("%H:%M") for t in body.changes_at],
        members=body.members,
        holiday_members=body.holiday_members,
        label=body.label,
        created_at=clock.now(),
    )
    session.add(row)
    audit.created(session, actor=audit.api_actor(caller), at=row.created_at, row=row)
    session.commit()
    return RotationOut(id=row.id, unit=unit.code, role=row.role)


@router.post(
    "/api/v1/roster/overrides", status_code=201, responses=error_responses(401, 403, 413, 422)
)
async def add_override(
    body: OverrideIn, session: SessionDep, caller: CallerDep, clock: ClockDep
) -> IdOut:
    """Put someone on duty for a span, over the rotation."""
    unit = acting_for(session, caller, body.unit)
    check_people(session, unit, [body.person_id], "person_id")
    check_span(body.starts_at, body.ends_at)
    row = m.RosterShift(
        unit_id=unit.id,
        role=body.role,
        person_id=body.person_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        source="override",
        note=body.note,
    )
    session.add(row)
    audit.created(session, actor=audit.api_actor(caller), at=clock.now(), row=row)
    session.commit()
    return IdOut(id=row.id)


class SpecialPeriodIn(In):
    """A period marked on the roster."""

    name: str = Field(min_length=1, max_length=100)
    kind: Literal["flood_season", "major_event", "holiday_duty", "fire_season", "other"]
    starts_on: date
    ends_on: date
    unit: str | None = None  # None: every unit of the office


@router.post(
    "/api/v1/roster/special-periods",
    status_code=201,
    responses=error_responses(401, 403, 413, 422),
)
async def add_special_period(
    body: SpecialPeriodIn, session: SessionDep, caller: CallerDep, clock: ClockDep
) -> IdOut:
    """Mark flood season (汛期), a major event, holiday duty… on the roster."""
    unit = acting_for(session, caller, body.unit)
    if body.ends_on < body.starts_on:
        raise ApiError(422, "invalid", fields=[FieldProblem("ends_on", "not_after_start")])
    row = m.SpecialPeriod(
        unit_id=None if body.unit is None and caller.is_office else unit.id,
        name=body.name,
        kind=body.kind,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
    )
    session.add(row)
    audit.created(session, actor=audit.api_actor(caller), at=clock.now(), row=row)
    session.commit()
    return IdOut(id=row.id)


@router.get("/api/v1/roster/special-periods", responses=error_responses(401))
async def list_special_periods(session: SessionDep, caller: CallerDep) -> SpecialPeriodsOut:
    """Special periods that apply to the caller's units, soonest first."""
    ids = [u.id for u in units_below(session, caller)]
    rows = session.scalars(
        select(m.SpecialPeriod)
        .where(or_(m.SpecialPeriod.unit_id.is_(None), m.SpecialPeriod.unit_id.in_(ids)))
        .order_by(m.SpecialPeriod.starts_on)
    ).all()
    return SpecialPeriodsOut(
        special_periods=[
            SpecialPeriodOut(
                id=p.id,
                name=p.name,
                kind=p.kind,
                starts_on=p.starts_on.isoformat(),
                ends_on=p.ends_on.isoformat(),
                unit_id=p.unit_id,
            )
            for p in rows
        ]
    )
