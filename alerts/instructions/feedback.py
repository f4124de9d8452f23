"""Feedback (落实反馈) on an instruction, filed like a report (`kind: feedback` naming the
instruction): the unit, or the office for it, says what was done. Kept as the unit's move."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Forbidden, invalid
from alerts.filing.report import Report
from alerts.instructions.clocks import InstructionState, unit_row
from alerts.instructions.moves import make_move
from alerts.storage import models as m
from alerts.storage.queries import unit_by_code
from rules.instructions import Move


def file_feedback(
    session: Session, *, settings: Settings, filer: m.Unit, body: Report, now: datetime
) -> tuple[m.Instruction, InstructionState]:
    """Record feedback from `filer` (for `body.unit` when the office files it); Refused,
    nothing written, for an unknown instruction, one the unit owes no feedback on, or a second
    feedback once verified."""
    instruction = session.get(m.Instruction, body.instruction_id) if body.instruction_id else None
    if instruction is None:
        raise invalid("instruction_id", "unknown_instruction")
    code = body.unit or filer.code
    if code != filer.code and filer.id != instruction.office_id:
        raise Forbidden()
    unit = unit_by_code(session, code=code)
    if unit is None or unit_row(session, instruction, unit) is None:
        raise invalid("instruction_id", "feedback_not_owed")
    by = body.reporter.name if body.reporter else filer.name
    state = make_move(
        session,
        settings=settings,
        instruction=instruction,
        code=code,
        move=Move.FEED_BACK,
        caller=filer,
        by=by,
        now=now,
        text=body.description or "",
    )
    return instruction, state
