"""The demo county's leader instructions (批示): county.toml's `[[instructions]]`, recorded and
moved at their past moments through the functions the API and the dashboard call
(`record_instruction`, `make_move`, `file_feedback`, `waive_instruction_clock`), so every row,
clock and timeline event is what the service itself would have written then. Re-assessed at the
real now at the end, like the incidents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.config import Settings
from alerts.demo.bodies import Moments
from alerts.demo.data import OFFICE, InstructionMove, InstructionSpec, People, PersonSpec
from alerts.filing.report import read_report
from alerts.instructions.clocks import reassess_instruction
from alerts.instructions.feedback import file_feedback
from alerts.instructions.moves import OFFICE_MOVES, make_move
from alerts.instructions.recording import NewInstruction, record_instruction
from alerts.instructions.waivers import waive_instruction_clock
from alerts.storage import models as m
from alerts.storage.queries.units import unit_by_code
from alerts.timeline import Timeline
from rules.instructions import Move

Sessions = sessionmaker[Session]
_SECTION_MOVES = frozenset({"verify", "return", "close", "waive"})  # the information section's


def add_instructions(
    sessions: Sessions,
    settings: Settings,
    specs: tuple[InstructionSpec, ...],
    *,
    people: People,
    moments: Moments,
    incidents: dict[str, int],
) -> list[int]:
    """Record each instruction and make its moves, one transaction per step as the API would;
    `incidents` maps a scenario's ref to its incident. The new instructions' ids."""
    ids = []
    for spec in specs:
        with sessions() as session:
            office = _unit(session, OFFICE)
            new = NewInstruction(
                issuer_name=spec.issuer.name,
                issuer_post=spec.issuer.post,
                issuer_level=spec.issuer.level,
                kind=spec.type,
                text=spec.text,
                received_at=moments.at(spec.received_ago),
                units=spec.units,
                deadline_at=moments.at(spec.deadline_ago)
                if spec.deadline_ago is not None
                else None,
                incident_id=incidents[spec.incident] if spec.incident else None,
            )
            instruction, _ = record_instruction(
                session,
                settings=settings,
                office=office,
                new=new,
                by=_person(people, OFFICE, "duty_officer").name,
                now=new.received_at,
            )
            session.commit()
            ids.append(instruction.id)
        for move in spec.moves:
            for code in (move.unit,) if move.unit else spec.units:
                with sessions() as session:
                    _make(session, settings, ids[-1], move, code, people, moments.at(move.ago))
                    session.commit()
    return ids


def _make(
    session: Session,
    settings: Settings,
    instruction_id: int,
    move: InstructionMove,
    code: str,
    people: People,
    now: datetime,
) -> None:
    """One scripted move for the unit `code`, made by whoever would make it."""
    instruction = session.get(m.Instruction, instruction_id)
    assert instruction is not None
    office = _unit(session, OFFICE)
    who = _person(people, OFFICE, "section_head" if move.move in _SECTION_MOVES else "duty_officer")
    if move.move == "waive":
        clock = session.scalar(
            select(m.Obligation).where(
                m.Obligation.instruction_id == instruction.id,
                m.Obligation.key == f"instruction:{instruction.id}:{code}:{move.clock}",
            )
        )
        assert clock is not None, f"no {move.clock} clock of {code} to waive"
        waive_instruction_clock(
            session,
            settings=settings,
            instruction=instruction,
            obligation=clock,
            office=office,
            reason=move.reason,
            by=who.name,
            now=now,
        )
    elif move.move == "feed_back":
        reporter = _person(people, code, "duty_officer")
        body = {
            "kind": "feedback",
            "instruction_id": instruction.id,
            "description": move.text,
            "reporter": {"name": reporter.name, "post": reporter.post, "phone": reporter.phone},
        }
        file_feedback(
            session, settings=settings, filer=_unit(session, code), body=read_report(body), now=now
        )
    else:
        step = Move(move.move)
        by_office = step in OFFICE_MOVES  # the unit acknowledges for itself
        make_move(
            session,
            settings=settings,
            instruction=instruction,
            code=code,
            move=step,
            caller=office if by_office else _unit(session, code),
            by=(who if by_office else _person(people, code, "duty_officer")).name,
            now=now,
            reason=move.reason,
        )


def reassess_instructions(sessions: Sessions, settings: Settings, now: datetime) -> int:
    """Re-assess every stored instruction at `now` and commit; the number re-assessed."""
    with sessions() as session:
        instructions = session.scalars(select(m.Instruction).order_by(m.Instruction.id)).all()
        for instruction in instructions:
            reassess_instruction(
                session,
                settings=settings,
                instruction=instruction,
                now=now,
                timeline=Timeline(instruction.incident_id, now),
            )
        session.commit()
    return len(instructions)


def _unit(session: Session, code: str) -> m.Unit:
    unit = unit_by_code(session, code=code)
    assert unit is not None, code
    return unit


def _person(people: People, code: str, role: str) -> PersonSpec:
    """The first of unit `code`'s people with the demo role `role`."""
    return next(p for p in people[code] if p.role == role)
