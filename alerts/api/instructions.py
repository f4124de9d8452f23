"""The instruction routes (批示): the office records one; the duty room relays it, each unit
acknowledges it, the section verifies, returns or closes; feedback comes as a filing
(`kind: feedback`, alerts/api/filings.py). Each answers the instruction as it now stands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from fastapi import APIRouter
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import error_responses
from alerts.api.instruction_schemas import (
    InstructionIn,
    InstructionListOut,
    InstructionOut,
    InstructionUnitOut,
    InstructionWaiverOut,
    IssuerIn,
    MoveIn,
    StepOut,
)
from alerts.api.wire import Wire
from alerts.instructions.clocks import clocks_of, steps_of, units_of, waivers_of_instruction
from alerts.instructions.moves import make_move
from alerts.instructions.recording import NewInstruction, instruction_for, record_instruction
from alerts.services import ClockDep, ServicesDep, SessionDep
from alerts.storage import models as m
from alerts.storage.queries.instruction_listing import unit_of_key
from rules.instructions import Move

router = APIRouter(tags=["instructions"])
PATH = "/api/v1/instructions"
_MOVES = {
    "relay": Move.RELAY,
    "acknowledge": Move.ACKNOWLEDGE,
    "verify": Move.VERIFY,
    "return": Move.RETURN,
    "close": Move.CLOSE,
}
MoveName = Literal["relay", "acknowledge", "verify", "return", "close"]


@router.post(PATH, status_code=201, responses=error_responses(401, 403, 413, 422))
async def record(
    body: InstructionIn,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
) -> InstructionOut:
    """Record an instruction (office token only): opens the relay clock for each unit."""
    new = NewInstruction(
        issuer_name=body.issuer.name,
        issuer_post=body.issuer.post,
        issuer_level=body.issuer.level,
        kind=body.type,
        text=body.text,
        received_at=body.received_at,
        units=tuple(body.units),
        deadline_at=body.deadline_at,
        incident_id=body.incident_id,
    )
    instruction, _ = record_instruction(
        session, settings=services.settings, office=caller, new=new, by=caller.name, now=clock.now()
    )
    session.commit()
    services.wake()
    return instruction_out(session, wire, instruction)


@router.get(PATH, responses=error_responses(401, 422))
async def list_instructions(
    session: SessionDep, caller: CallerDep, wire: WireDep
) -> InstructionListOut:
    """The instructions the caller's office recorded, or that name the caller; newest first."""
    named = select(m.InstructionUnit.instruction_id).where(m.InstructionUnit.unit_id == caller.id)
    rows = session.scalars(
        select(m.Instruction)
        .where(or_(m.Instruction.office_id == caller.id, m.Instruction.id.in_(named)))
        .order_by(m.Instruction.received_at.desc(), m.Instruction.id.desc())
        .limit(500)
    ).all()
    return InstructionListOut(instructions=[instruction_out(session, wire, i) for i in rows])


@router.get(PATH + "/{instruction_id}", responses=error_responses(401, 404, 422))
async def get_instruction(
    instruction_id: int, session: SessionDep, caller: CallerDep, wire: WireDep
) -> InstructionOut:
    """One instruction, to its office or a responsible unit (404 to anyone else)."""
    instruction = instruction_for(session, instruction_id=instruction_id, caller=caller)
    return instruction_out(session, wire, instruction)


@router.post(
    PATH + "/{instruction_id}/units/{code}/{move}",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
async def move(
    instruction_id: int,
    code: str,
    move: MoveName,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
    body: MoveIn,
) -> InstructionOut:
    """A move for one responsible unit (body `{}` or `{"reason": …}`): relay, verify, return
    (with a reason) and close by the office; acknowledge by the unit (or the office for it).
    409 where the unit stands does not allow it."""
    instruction = instruction_for(session, instruction_id=instruction_id, caller=caller)
    make_move(
        session,
        settings=services.settings,
        instruction=instruction,
        code=code,
        move=_MOVES[move],
        caller=caller,
        by=caller.name,
        now=clock.now(),
        reason=body.reason,
    )
    session.commit()
    services.wake()
    return instruction_out(session, wire, instruction)


def instruction_out(session: Session, wire: Wire, instruction: m.Instruction) -> InstructionOut:
    """An instruction on the wire."""
    units = units_of(session, instruction.id)
    clocks = clocks_of(session, instruction.id)
    office = session.get(m.Unit, instruction.office_id)
    codes = {unit.id: unit.code for _, unit in units}
    if office is not None:
        codes[office.id] = office.code
    return InstructionOut(
        id=instruction.id,
        office=office.code if office else "",
        incident_id=instruction.incident_id,
        issuer=IssuerIn(
            name=instruction.issuer_name,
            post=instruction.issuer_post,
            level=instruction.issuer_level,
        ),
        type=instruction.kind,
        text=instruction.text,
        received_at=wire.moment(instruction.received_at),
        deadline_at=wire.time(instruction.deadline_at),
        recorded_by=instruction.recorded_by,
        units=[InstructionUnitOut(unit=unit.code, stage=row.stage) for row, unit in units],
        obligations=[wire.obligation(o, codes) for o in clocks],
        steps=[
            StepOut(
                unit=codes.get(s.unit_id, str(s.unit_id)),
                move=s.move,
                at=wire.moment(s.at),
                by=s.by,
                reason=s.reason,
                text=s.text,
            )
            for s in steps_of(session, instruction.id)
        ],
        waivers=_waivers_out(session, wire, instruction, clocks),
    )


def _waivers_out(
    session: Session, wire: Wire, instruction: m.Instruction, clocks: Sequence[m.Obligation]
) -> list[InstructionWaiverOut]:
    by_key = {o.key: o for o in clocks}
    result = []
    for waiver in waivers_of_instruction(session, instruction_id=instruction.id):
        clock = by_key.get(waiver.obligation_key)
        result.append(
            InstructionWaiverOut(
                obligation_id=clock.id if clock else None,
                key=waiver.obligation_key,
                kind=clock.kind if clock else "",
                unit=unit_of_key(waiver.obligation_key),
                reason=waiver.reason,
                by=waiver.by,
                at=wire.moment(waiver.at),
            )
        )
    return result
