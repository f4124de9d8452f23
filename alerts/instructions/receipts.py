"""签收 by message: a unit's person answers the relay of an instruction (or a reminder on its
acknowledgement clock) with 收到, by the signed link, an SMS reply or a key press. That is the
unit's acknowledgement, the same move as its token's or the dashboard's, recorded with who."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Conflict
from alerts.instructions.moves import make_move
from alerts.storage import models as m
from rules.instructions import Move


def is_receipt(obligation: m.Obligation, person: m.Person | None) -> bool:
    """Whether `person`'s 收到 to a message about `obligation` acknowledges an instruction: it
    is a unit's acknowledgement clock and they are one of that unit's people. Anyone else (the
    office's staff told of the unit's delay, a stand-in) only pauses the ladder."""
    return (
        obligation.instruction_id is not None
        and obligation.kind == "instruction_ack"
        and person is not None
        and person.unit_id == obligation.owed_by_unit_id
    )


def acknowledge_instruction(
    session: Session,
    *,
    settings: Settings,
    obligation: m.Obligation,
    person: m.Person,
    now: datetime,
) -> None:
    """The unit's acknowledgement of the instruction `obligation` is on, by `person` (see
    `is_receipt`); Conflict, nothing written, once the unit has acknowledged it."""
    if not obligation.still_owed:
        raise Conflict("instruction_already_acknowledged")
    instruction = session.get(m.Instruction, obligation.instruction_id)
    unit = session.get(m.Unit, obligation.owed_by_unit_id)
    assert instruction is not None and unit is not None
    make_move(
        session,
        settings=settings,
        instruction=instruction,
        code=unit.code,
        move=Move.ACKNOWLEDGE,
        caller=unit,
        by=person.name,
        now=now,
    )
