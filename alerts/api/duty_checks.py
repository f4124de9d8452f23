"""/api/v1/roster/duty-checks: 查岗. The duty room pings a unit's officer on duty, who answers
by SMS reply (在岗 CODE) or here; unanswered in time, the engine tells the unit's leader."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import ApiError, error_responses
from alerts.api.roster_access import (
    In,
    acted_on,
    acting_for,
    person_names,
    unit_code,
    unit_codes,
    units_below,
)
from alerts.api.roster_schemas import DutyCheckOut, DutyChecksOut, DutyRecordOut
from alerts.api.wire import Wire
from alerts.roster.actions import start_duty_check
from alerts.services import ClockDep, ServicesDep, SessionDep
from alerts.storage import models as m

router = APIRouter(tags=["duty-checks"])


class DutyCheckIn(In):
    """Ping a unit's duty officer (by SMS; and a voice call if asked)."""

    unit: str
    voice: bool = False


@router.post(
    "/api/v1/roster/duty-checks",
    status_code=201,
    responses=error_responses(401, 403, 409, 413, 422),
)
async def start_check(
    body: DutyCheckIn,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    wire: WireDep,
) -> DutyCheckOut:
    """Only the office checks its units."""
    unit = acting_for(session, caller, body.unit)
    if not caller.is_office or unit.id == caller.id:
        raise ApiError(403, "forbidden")
    check, officer = start_duty_check(
        session,
        services,
        book=services.roster,
        messages=services.messages,
        unit=unit,
        office=caller,
        voice=body.voice,
    )
    session.commit()
    services.wake()
    return _check_out(check, wire, officer.name, unit.code)


@router.get("/api/v1/roster/duty-checks", responses=error_responses(401))
async def list_checks(
    session: SessionDep, caller: CallerDep, clock: ClockDep, wire: WireDep
) -> DutyChecksOut:
    """Duty checks of the caller's units, newest first, and each unit's record."""
    ids = [u.id for u in units_below(session, caller)]
    checks = session.scalars(
        select(m.DutyCheck)
        .where(m.DutyCheck.unit_id.in_(ids))
        .order_by(m.DutyCheck.asked_at.desc())
        .limit(500)
    ).all()
    names, codes, now = person_names(session), unit_codes(session), clock.now()
    record: dict[str, DutyRecordOut] = {}
    for check in checks:
        tally = record.setdefault(
            codes[check.unit_id], DutyRecordOut(asked=0, answered=0, missed=0)
        )
        tally.asked += 1
        if check.answered_at is not None and check.answered_at <= check.due_at:
            tally.answered += 1
        elif now >= check.due_at:
            tally.missed += 1
    found = [_check_out(c, wire, names.get(c.person_id or 0, ""), codes[c.unit_id]) for c in checks]
    return DutyChecksOut(checks=found, record=record)


@router.post(
    "/api/v1/roster/duty-checks/{check_id}/answer", responses=error_responses(401, 403, 404, 422)
)
async def answer_check(
    check_id: int, session: SessionDep, caller: CallerDep, clock: ClockDep, wire: WireDep
) -> DutyCheckOut:
    """The checked unit answers (its own token); a late answer is kept, and still counts as
    missed."""
    check = acted_on(session, caller, m.DutyCheck, check_id)
    if check.answered_at is None:  # the first answer counts
        check.answered_at = clock.now()
    session.commit()
    return _check_out(check, wire, "", unit_code(session, check.unit_id))


def _check_out(check: m.DutyCheck, wire: Wire, person: str, unit: str) -> DutyCheckOut:
    on_time = check.answered_at is not None and check.answered_at <= check.due_at
    return DutyCheckOut(
        id=check.id,
        unit=unit,
        person_id=check.person_id,
        person=person,
        code=check.code,
        asked_at=wire.moment(check.asked_at),
        due_at=wire.moment(check.due_at),
        answered_at=wire.time(check.answered_at),
        answered_in_time=on_time,
        leader_told_at=wire.time(check.escalated_at),
    )
