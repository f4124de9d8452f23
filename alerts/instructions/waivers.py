"""Waiving (免报) an instruction's clock: the office that recorded the instruction says, with a
reason, that a relay, acknowledgement, feedback or verification is not needed. As for a report
(alerts/filing/waivers.py, whose checks it shares), the waiver is input to the rules: re-assessing
the instruction marks the clock waived from that moment, its ladder stops, and the incident's
timeline (when it is on one) gets `instruction_waived`. Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Forbidden
from alerts.filing.archiving import refuse_if_archived
from alerts.filing.waivers import BY_MAX, checked_reason
from alerts.instructions.clocks import InstructionState, reassess_instruction
from alerts.storage import models as m
from alerts.storage.queries.instruction_listing import clock_unit
from alerts.timeline import Timeline


def instruction_clock(
    session: Session, obligation_id: int
) -> tuple[m.Obligation, m.Instruction] | None:
    """The obligation with this id and its instruction, or None when it is no instruction's."""
    obligation = session.get(m.Obligation, obligation_id)
    if obligation is None or obligation.instruction_id is None:
        return None
    instruction = session.get(m.Instruction, obligation.instruction_id)
    return (obligation, instruction) if instruction is not None else None


def may_waive_instruction(office: m.Unit, instruction: m.Instruction) -> bool:
    """Only the office that recorded the instruction waives its clocks."""
    return office.is_office and office.id == instruction.office_id


def waive_instruction_clock(
    session: Session,
    *,
    settings: Settings,
    instruction: m.Instruction,
    obligation: m.Obligation,
    office: m.Unit,
    reason: str,
    by: str,
    now: datetime,
) -> tuple[m.Waiver, InstructionState]:
    """Waive one still-owed clock of `instruction` for `office` and re-assess the instruction;
    Refused, nothing written: another office's (Forbidden), one met or waived, or on an archived
    incident (Conflict), no reason or too long a one (Invalid)."""
    if not may_waive_instruction(office, instruction):
        raise Forbidden()
    if instruction.incident_id is not None:  # an archived incident's timeline is read-only
        refuse_if_archived(session.get(m.Incident, instruction.incident_id))
    ours = obligation.instruction_id == instruction.id
    reason = checked_reason(obligation if ours else None, reason)
    waiver = m.Waiver(
        incident_id=instruction.incident_id,
        instruction_id=instruction.id,
        obligation_key=obligation.key,
        at=now,
        reason=reason,
        by=by[:BY_MAX],
    )
    session.add(waiver)
    session.flush()
    timeline = Timeline(instruction.incident_id, now)
    timeline.add(
        "instruction_waived",
        {
            "instruction_id": instruction.id,
            "unit": clock_unit(obligation),
            "key": obligation.key,
            "kind": obligation.kind,
            "by": waiver.by,
            "reason": waiver.reason,
        },
    )
    state = reassess_instruction(
        session, settings=settings, instruction=instruction, now=now, timeline=timeline
    )
    return waiver, state
