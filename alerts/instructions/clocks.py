"""Keep an instruction's stored clocks and stages equal to what the pure rules say now.

Like alerts/filing/assessments.py for reports: the rules recompute everything from the recorded
moves; this module writes back only what moved, with a timeline event for each change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import rules.instructions as ri
import rules.model as r
from alerts.config import Settings
from alerts.filing.assessments import sync_obligations
from alerts.storage import models as m
from alerts.timeline import Timeline


@dataclass(frozen=True)
class InstructionState:
    """The rules' answer, the stored clocks in the rules' order, and each unit's row."""

    assessment: ri.InstructionAssessment
    obligations: list[m.Obligation]
    units: list[tuple[m.InstructionUnit, m.Unit]]
    codes: dict[int, str]  # unit id to code, the office's too


def units_of(session: Session, instruction_id: int) -> list[tuple[m.InstructionUnit, m.Unit]]:
    """The responsible units of an instruction, in the order they were named."""
    rows = session.execute(
        select(m.InstructionUnit, m.Unit)
        .join(m.Unit, m.Unit.id == m.InstructionUnit.unit_id)
        .where(m.InstructionUnit.instruction_id == instruction_id)
        .order_by(m.InstructionUnit.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def unit_row(
    session: Session, instruction: m.Instruction, unit: m.Unit
) -> m.InstructionUnit | None:
    """`unit`'s row on `instruction`; None when it is not a responsible unit."""
    return session.scalar(
        select(m.InstructionUnit).where(
            m.InstructionUnit.instruction_id == instruction.id,
            m.InstructionUnit.unit_id == unit.id,
        )
    )


def steps_of(session: Session, instruction_id: int) -> Sequence[m.InstructionStep]:
    """An instruction's moves, in the order they happened."""
    return session.scalars(
        select(m.InstructionStep)
        .where(m.InstructionStep.instruction_id == instruction_id)
        .order_by(m.InstructionStep.at, m.InstructionStep.id)
    ).all()


def clocks_of(session: Session, instruction_id: int) -> Sequence[m.Obligation]:
    """An instruction's stored clocks."""
    return session.scalars(
        select(m.Obligation)
        .where(m.Obligation.instruction_id == instruction_id)
        .order_by(m.Obligation.id)
    ).all()


def waivers_of_instruction(session: Session, *, instruction_id: int) -> Sequence[m.Waiver]:
    """An instruction's waivers (免报 of its clocks), oldest first."""
    return session.scalars(
        select(m.Waiver)
        .where(m.Waiver.instruction_id == instruction_id)
        .order_by(m.Waiver.at, m.Waiver.id)
    ).all()


def reassess_instruction(
    session: Session,
    *,
    settings: Settings,
    instruction: m.Instruction,
    now: datetime,
    timeline: Timeline,
) -> InstructionState:
    """Run the rules for `instruction` at `now`; persist its clocks, stages and timeline."""
    office = session.get(m.Unit, instruction.office_id)
    assert office is not None
    units = units_of(session, instruction.id)
    codes = {unit.id: unit.code for _, unit in units}
    ids = {code: unit_id for unit_id, code in codes.items()} | {office.code: office.id}
    waivers = waivers_of_instruction(session, instruction_id=instruction.id)
    facts = ri.Instruction(
        key=f"instruction:{instruction.id}",
        kind=ri.InstructionType(instruction.kind),
        office=office.code,
        units=tuple(codes[row.unit_id] for row, _ in units),
        received_at=instruction.received_at,
        deadline_at=instruction.deadline_at,
        steps=tuple(
            ri.Step(codes[s.unit_id], ri.Move(s.move), s.at)
            for s in steps_of(session, instruction.id)
        ),
        waivers=tuple(r.Waiver(w.obligation_key, w.at, w.reason) for w in waivers),
    )
    assessment = ri.assess_instruction(facts, settings.rules.instructions, now)
    stored = {o.key: o for o in clocks_of(session, instruction.id)}
    obligations = sync_obligations(
        session,
        found=assessment.obligations,
        stored=stored,
        owed_by=lambda o: ids[o.owed_by],
        new_row={"incident_id": instruction.incident_id, "instruction_id": instruction.id},
        timeline=timeline,
        policy=settings.escalation,
    )
    for clock in obligations:
        if clock.key not in stored and clock.next_escalation_at is not None:
            # the engine looks at a new clock at once: the relay message goes when it opens,
            # and the 督办 is planned for its due time (alerts/escalation/instruction_notices.py)
            clock.next_escalation_at = now
    for row, unit in units:
        stage = assessment.stages[unit.code].value
        if row.stage != stage:
            row.stage = stage
    timeline.write(session)
    return InstructionState(assessment, obligations, units, codes | {office.id: office.code})
