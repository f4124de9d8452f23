"""What the instruction pages show: one instruction with each responsible unit's stage, clocks
and the moves this viewer may make there, and its history (moves and waived clocks); the 登记批示
form's units and incidents. Reads only; instructions.py decides who sees it and does what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.dashboard.pages.common import PageContext
from alerts.dashboard.pages.incident_view import FormState, helpers
from alerts.dashboard.pages.instruction_forms import KINDS, LEVELS, UNITS, local_input
from alerts.instructions.clocks import clocks_of, steps_of, units_of, waivers_of_instruction
from alerts.instructions.moves import REASON_MAX
from alerts.storage import models as m
from alerts.storage.queries import reporting_office
from alerts.storage.queries.instruction_listing import clock_unit, unit_of_key
from rules.instructions import InstructionType, Move, Stage, next_stage

UNIT_MOVES = frozenset({Move.ACKNOWLEDGE, Move.FEED_BACK})
INCIDENT_CHOICES = 50  # the newest incidents the form offers to write an instruction on


@dataclass(frozen=True)
class UnitPanel:
    """One responsible unit on the page: its stage, every clock about it, what may be done."""

    unit: m.Unit
    stage: str
    clocks: list[m.Obligation]
    moves: list[str]  # Move values this viewer may make now, in the lifecycle's order


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the instruction's history: a move, or a clock the office waived (免报)."""

    step: m.InstructionStep | None = None
    waiver: m.Waiver | None = None
    clock: m.Obligation | None = None  # the waived clock

    @property
    def at(self) -> datetime:
        """When it happened."""
        found = self.step or self.waiver
        assert found is not None
        return found.at


@dataclass(frozen=True)
class Acting:
    """Who is looking, as the page's buttons need it: the office's duty room or section (any
    move, for any unit), a unit's officer (its own acknowledgement and feedback), or neither."""

    office: bool = False
    unit_id: int | None = None

    def may(self, move: Move, unit: m.Unit) -> bool:
        """Whether the viewer may make `move` for `unit` (where it stands aside)."""
        if self.office:
            return True
        return move in UNIT_MOVES and unit.id == self.unit_id


def render_instruction(
    ctx: PageContext,
    instruction: m.Instruction,
    *,
    acting: Acting,
    done: str = "",
    form: FormState | None = None,
) -> HTMLResponse:
    """The instruction page, with one refused form open again when there is one."""
    session = ctx.session
    state = form or FormState()
    kind = InstructionType(instruction.kind)
    clocks: dict[str, list[m.Obligation]] = {}
    for clock in clocks_of(session, instruction.id):
        clocks.setdefault(clock_unit(clock), []).append(clock)
    panels = [
        UnitPanel(unit, row.stage, clocks.get(unit.code, []), _moves(kind, row.stage, unit, acting))
        for row, unit in units_of(session, instruction.id)
        if ctx.viewer.sees_everything or unit.id == ctx.viewer.unit.id
    ]
    shown = {p.unit.id for p in panels}  # a unit sees its own part, and no other unit's words
    units = {u.id: u for u in session.scalars(select(m.Unit))}
    incident = session.get(m.Incident, instruction.incident_id) if instruction.incident_id else None
    return ctx.pages.render(
        ctx.request,
        "instruction.html",
        ctx.viewer,
        status=state.context()["status"],
        now=ctx.services.clock.now(),
        instruction=instruction,
        incident=incident,
        panels=panels,
        units=units,
        history=_history(session, instruction, {p.unit.code for p in panels}, shown),
        acting=acting,
        done=done,
        reason_max=REASON_MAX,
        reporter=_reporter(session, ctx.viewer.user),
        **{k: v for k, v in state.context().items() if k != "status"},
        **helpers(ctx.pages.language(ctx.request)),
    )


def _history(
    session: Session, instruction: m.Instruction, codes: set[str], unit_ids: set[int]
) -> list[HistoryEntry]:
    """The moves and waivers about the units shown, oldest first."""
    by_key = {c.key: c for c in clocks_of(session, instruction.id)}
    entries = [
        HistoryEntry(step=s) for s in steps_of(session, instruction.id) if s.unit_id in unit_ids
    ]
    entries += [
        HistoryEntry(waiver=w, clock=by_key.get(w.obligation_key))
        for w in waivers_of_instruction(session, instruction_id=instruction.id)
        if unit_of_key(w.obligation_key) in codes
    ]
    return sorted(entries, key=lambda e: e.at)


def render_new(
    ctx: PageContext, office: m.Unit, form: FormState, *, incident_id: int | None = None
) -> HTMLResponse:
    """The 登记批示 form: the office's units to make responsible, its incidents to choose."""
    session = ctx.session
    zone = ctx.services.settings.rules.timezone
    values = form.values or {
        "received_at": local_input(ctx.services.clock.now(), zone),
        "incident_id": str(incident_id or ""),
    }
    context = FormState(form.open_form, values, form.refused).context()
    return ctx.pages.render(
        ctx.request,
        "instruction_new.html",
        ctx.viewer,
        units=office_units(session, office),
        incidents=_incident_choices(session, office, values.get("incident_id", "")),
        kinds=KINDS,
        levels=LEVELS,
        units_field=UNITS,
        **context,
        **helpers(ctx.pages.language(ctx.request)),
    )


def office_units(session: Session, office: m.Unit) -> list[m.Unit]:
    """The units reporting to `office`, by code."""
    return [
        u
        for u in session.scalars(
            select(m.Unit).where(m.Unit.is_office.is_(False)).order_by(m.Unit.code)
        )
        if reporting_office(session, unit=u) is office
    ]


def _incident_choices(session: Session, office: m.Unit, chosen: str) -> list[m.Incident]:
    """The office's newest incidents, and the one already chosen even if it is older."""
    found = list(
        session.scalars(
            select(m.Incident)
            .where(m.Incident.office_id == office.id)
            .order_by(m.Incident.created_at.desc(), m.Incident.id.desc())
            .limit(INCIDENT_CHOICES)
        )
    )
    if chosen.isdigit() and all(i.id != int(chosen) for i in found):
        incident = session.get(m.Incident, int(chosen))
        if incident is not None and incident.office_id == office.id:
            found.insert(0, incident)
    return found


def _moves(kind: InstructionType, stage: str, unit: m.Unit, acting: Acting) -> list[str]:
    """The moves allowed where the unit stands that this viewer may make."""
    return [
        move.value
        for move in Move
        if next_stage(kind, Stage(stage), move) is not None and acting.may(move, unit)
    ]


def _reporter(session: Session, user: m.User) -> dict[str, str]:
    """The feedback form's reporter, from the viewer's roster entry when it is complete."""
    person = session.get(m.Person, user.person_id) if user.person_id else None
    if person is None or not (person.name and person.post and person.phone):
        return {}
    return {
        "reporter.name": person.name,
        "reporter.post": person.post,
        "reporter.phone": person.phone,
    }
