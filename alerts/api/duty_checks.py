"""/api/v1/roster/duty-checks: 查岗. The duty room pings a unit's officer on duty, who answers
by SMS reply (在岗 CODE) or here; unanswered in time, the engine tells the unit's leader."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.api.auth import authenticate
from alerts.api.errors import ApiError, error_responses
from alerts.api.roster_access import (
    In,
    acting_for,
    person_names,
    roster_book,
    unit_code,
    unit_codes,
    units_below,
)
from alerts.api.wire import Wire
from alerts.roster.actions import start_duty_check
from alerts.services import Services, ServicesDep
from alerts.storage import models as m

router = APIRouter(tags=["roster"], responses=error_responses(401, 403, 404, 409, 413, 422))


class DutyCheckIn(In):
    """Ping a unit's duty officer (by SMS; and a voice call if asked)."""

    unit: str
    voice: bool = False


@router.post("/api/v1/roster/duty-checks", status_code=201)
async def start_check(body: DutyCheckIn, request: Request, services: ServicesDep) -> dict[str, Any]:
    """Only the office checks its units."""
    book = roster_book(request)
    with services.session() as session:
        unit, caller = acting_for(session, services, request, body.unit)
        if not caller.is_office or unit.id == caller.id:
            raise ApiError(403, "forbidden")
        check, officer = start_duty_check(
            session,
            services,
            book=book,
            messages=request.app.state.engine.messages,
            unit=unit,
            office=caller,
            voice=body.voice,
        )
        session.commit()
        services.wake()
        return _check_out(check, Wire(services.settings.rules.timezone), officer.name, unit.code)


@router.get("/api/v1/roster/duty-checks")
async def list_checks(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Duty checks of the caller's units, newest first, and each unit's record."""
    wire = Wire(services.settings.rules.timezone)
    with services.session() as session:
        caller = authenticate(session, request, services.callers)
        ids = [u.id for u in units_below(session, caller)]
        checks = session.scalars(
            select(m.DutyCheck)
            .where(m.DutyCheck.unit_id.in_(ids))
            .order_by(m.DutyCheck.asked_at.desc())
            .limit(500)
        ).all()
        names, codes, now = person_names(session), unit_codes(session), services.clock.now()
        record: dict[str, dict[str, int]] = {}
        for check in checks:
            tally = record.setdefault(
                codes[check.unit_id], {"asked": 0, "answered": 0, "missed": 0}
            )
            tally["asked"] += 1
            if check.answered_at is not None and check.answered_at <= check.due_at:
                tally["answered"] += 1
            elif now >= check.due_at:
                tally["missed"] += 1
        found = [
            _check_out(c, wire, names.get(c.person_id or 0, ""), codes[c.unit_id]) for c in checks
        ]
        return {"checks": found, "record": record}


@router.post("/api/v1/roster/duty-checks/{check_id}/answer")
async def answer_check(check_id: int, request: Request, services: ServicesDep) -> dict[str, Any]:
    """The checked unit answers (its own token)."""
    with services.session() as session:
        check = session.get(m.DutyCheck, check_id)
        if check is None:
            raise ApiError(404, "not_found")
        acting_for(session, services, request, unit_code(session, check.unit_id))
        answer(session, services, check)
        session.commit()
        return _check_out(
            check, Wire(services.settings.rules.timezone), "", unit_code(session, check.unit_id)
        )


def answer(session: Session, services: Services, check: m.DutyCheck) -> None:
    """Record the answer once; a late one is kept, and still counts as missed."""
    if check.answered_at is None:
        check.answered_at = services.clock.now()


def _check_out(check: m.DutyCheck, wire: Wire, person: str, unit: str) -> dict[str, Any]:
    on_time = check.answered_at is not None and check.answered_at <= check.due_at
    return {
        "id": check.id,
        "unit": unit,
        "person_id": check.person_id,
        "person": person,
        "code": check.code,
        "asked_at": wire.time(check.asked_at),
        "due_at": wire.time(check.due_at),
        "answered_at": wire.time(check.answered_at),
        "answered_in_time": on_time,
        "leader_told_at": wire.time(check.escalated_at),
    }
