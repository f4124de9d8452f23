"""The moves on an instruction, per responsible unit: relay, acknowledge, feed back, verify,
return (with a reason) and close. Each is checked against where the unit stands (the pure
`next_stage`), recorded with who and when, put on the incident's timeline and re-assessed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Conflict, Forbidden, NotFound, invalid
from alerts.instructions.clocks import InstructionState, reassess_instruction, unit_row
from alerts.instructions.recording import BY_MAX
from alerts.storage import models as m
from alerts.storage.queries import unit_by_code
from alerts.timeline import Timeline
from rules.instructions import InstructionType, Move, Stage, next_stage

REASON_MAX = 2000
OFFICE_MOVES = frozenset({Move.RELAY, Move.VERIFY, Move.RETURN, Move.CLOSE})
_DECIDED = frozenset({Stage.VERIFIED, Stage.CLOSED})


def responsible(
    session: Session, instruction: m.Instruction, code: str
) -> tuple[m.InstructionUnit, m.Unit]:
    """The responsible unit `code` of `instruction` and its row; NotFound when it is not one."""
    unit = unit_by_code(session, code=code)
    row = unit_row(session, instruction, unit) if unit is not None else None
    if unit is None or row is None:
        raise NotFound("unit_not_responsible", unit=code)
    return row, unit


def may_move(caller: m.Unit, instruction: m.Instruction, unit: m.Unit, move: Move) -> bool:
    """The office makes the duty room's and the section's moves; a unit acknowledges and feeds
    back for itself (the office may record either on its behalf)."""
    if caller.id == instruction.office_id:
        return True
    return move not in OFFICE_MOVES and caller.id == unit.id


def make_move(
    session: Session,
    *,
    settings: Settings,
    instruction: m.Instruction,
    code: str,
    move: Move,
    caller: m.Unit,
    by: str,
    now: datetime,
    reason: str = "",
    text: str = "",
    filing_id: int | None = None,
) -> InstructionState:
    """Record `move` for the unit `code`; Refused, nothing written, when it is not allowed."""
    row, unit = responsible(session, instruction, code)
    if not may_move(caller, instruction, unit, move):
        raise Forbidden()
    kind = InstructionType(instruction.kind)
    stage = Stage(row.stage)
    if move is Move.FEED_BACK:
        _check_feedback(kind, stage, text)
    if next_stage(kind, stage, move) is None:
        raise Conflict("move_not_allowed", move=move.value, stage=stage.value)
    if move is Move.RETURN and not reason.strip():
        raise invalid("reason", "required")
    step = m.InstructionStep(
        instruction_id=instruction.id,
        unit_id=unit.id,
        move=move.value,
        at=now,
        by=by[:BY_MAX],
        reason=reason.strip()[:REASON_MAX],
        text=text,
        filing_id=filing_id,
    )
    session.add(step)
    session.flush()
    timeline = Timeline(instruction.incident_id, now)
    timeline.add(
        f"instruction_{move.value}",
        {
            "instruction_id": instruction.id,
            "unit": unit.code,
            "by": step.by,
            "reason": step.reason or None,
        },
    )
    return reassess_instruction(
        session, settings=settings, instruction=instruction, now=now, timeline=timeline
    )


def _check_feedback(kind: InstructionType, stage: Stage, text: str) -> None:
    if not kind.needs_feedback:
        raise invalid("instruction_id", "feedback_not_owed")
    if stage in _DECIDED:
        raise Conflict("feedback_already_verified", stage=stage.value)
    if not text.strip():
        raise invalid("description", "required")
