"""批示 (leader instruction) pages: the duty room records one (from the Now board, or from an
incident, which it then names); its page shows each responsible unit's stage, clocks and
history. The office relays, verifies, returns (with a reason) and closes, and may acknowledge
or log feedback for a unit; a unit's officer acknowledges and feeds back for its own unit.
Feedback is filed as the API files `kind: feedback` (alerts/instructions/feedback.py).
alerts/instructions decides every move; a refused form comes back with its problems."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from alerts.dashboard.pages import instruction_forms as forms
from alerts.dashboard.pages import instruction_view as view
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.dashboard.pages.incident_forms import FormRefused, Problem, refused_form
from alerts.dashboard.pages.incident_view import FormState
from alerts.dashboard.pages.incidents import ACTORS
from alerts.errors import Conflict, Refused
from alerts.errors import Forbidden as MoveForbidden
from alerts.instructions.clocks import unit_row
from alerts.instructions.feedback import file_feedback
from alerts.instructions.moves import make_move
from alerts.instructions.recording import record_instruction
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries import reporting_office
from rules.instructions import Move

router = APIRouter(include_in_schema=False)
_MOVES = {
    "relay": Move.RELAY,
    "acknowledge": Move.ACKNOWLEDGE,
    "verify": Move.VERIFY,
    "return": Move.RETURN,
    "close": Move.CLOSE,
}
FLASHES = frozenset({"recorded", "feed_back", *_MOVES})


@router.get("/instructions/new", response_class=HTMLResponse)
async def new_page(request: Request, services: ServicesDep, incident: str = "") -> HTMLResponse:
    """The 登记批示 form; `incident` names the incident it is written on."""
    with page_context(request, services) as ctx:
        chosen = int(incident) if incident.isdigit() else None
        return view.render_new(ctx, _acting_office(ctx), FormState(), incident_id=chosen)


@router.post("/instructions/new", response_model=None)
async def new_post(request: Request, services: ServicesDep) -> Response:
    """Record the instruction; its page on success, the form again with its problems."""
    with page_context(request, services) as ctx:
        office = _acting_office(ctx)
        form = await ctx.form()
        codes = [u.code for u in view.office_units(ctx.session, office)]
        values = form | {forms.UNITS: ""}  # a place for the units' problems
        try:
            new = forms.new_instruction(form, services.settings.rules.timezone, codes)
            instruction, _ = record_instruction(
                ctx.session,
                settings=services.settings,
                office=office,
                new=new,
                by=ctx.viewer.user.display_name,
                now=services.clock.now(),
            )
        except FormRefused as refused:
            return view.render_new(ctx, office, FormState("new", values, refused))
        except Refused as refused:
            wrong = forms.recording_refused(refused)
            return view.render_new(ctx, office, FormState("new", values, wrong))
        _commit(ctx)
        return _back(instruction.id, "recorded")


@router.get("/instructions/{instruction_id}", response_class=HTMLResponse)
async def instruction_page(
    instruction_id: int, request: Request, services: ServicesDep, done: str = ""
) -> HTMLResponse:
    """One instruction: its words, each unit's stage and clocks, its history, the buttons."""
    with page_context(request, services) as ctx:
        instruction = _visible(ctx, instruction_id)
        if instruction is None:
            return _not_found(ctx)
        flash = done if done in FLASHES else ""
        return view.render_instruction(ctx, instruction, acting=_acting(ctx), done=flash)


@router.post("/instructions/{instruction_id}/units/{code}/feedback", response_model=None)
async def feedback_post(
    instruction_id: int, code: str, request: Request, services: ServicesDep
) -> Response:
    """落实反馈 for one unit: filed as a `kind: feedback` report, as the API files it."""
    with page_context(request, services) as ctx:
        instruction = _visible(ctx, instruction_id)
        if instruction is None:
            return _not_found(ctx)
        form = await ctx.form()
        filer = _caller(ctx, instruction)
        try:
            report = forms.feedback_report(form, instruction_id=instruction.id, unit=code)
            file_feedback(
                ctx.session,
                settings=services.settings,
                filer=filer,
                body=report,
                now=services.clock.now(),
            )
        except FormRefused as refused:
            return _refused(ctx, instruction, f"feed_back:{code}", form, refused)
        except MoveForbidden as refused:
            raise Forbidden from refused
        except Refused as refused:
            return _refused(ctx, instruction, f"feed_back:{code}", form, refused_form(refused))
        _commit(ctx)
        services.metrics.filings.labels("feedback").inc()
        return _back(instruction.id, "feed_back")


@router.post("/instructions/{instruction_id}/units/{code}/{move}", response_model=None)
async def move_post(
    instruction_id: int, code: str, move: str, request: Request, services: ServicesDep
) -> Response:
    """Relay, acknowledge, verify, return (with a reason) or close, for one unit."""
    with page_context(request, services) as ctx:
        instruction = _visible(ctx, instruction_id)
        if instruction is None or move not in _MOVES:
            return _not_found(ctx)
        form = await ctx.form()
        caller = _caller(ctx, instruction)
        try:
            make_move(
                ctx.session,
                settings=services.settings,
                instruction=instruction,
                code=code,
                move=_MOVES[move],
                caller=caller,
                by=ctx.viewer.user.display_name,
                now=services.clock.now(),
                reason=form.get("reason", ""),
            )
        except MoveForbidden as refused:
            raise Forbidden from refused
        except Conflict:  # a second click, or another desk was quicker
            moved: Problem = ("", "ui_instruction.problem_moved", {})
            wrong = FormRefused(409, [moved])
            return _refused(ctx, instruction, f"{move}:{code}", form, wrong)
        except Refused as refused:
            said = not refused.fields  # a reason's problem is shown under the reason
            wrong = refused_form(refused, said=said)
            return _refused(ctx, instruction, f"{move}:{code}", form, wrong)
        _commit(ctx)
        return _back(instruction.id, move)


# -- who may see and do what --------------------------------------------------------------


def _visible(ctx: PageContext, instruction_id: int) -> m.Instruction | None:
    """The instruction (None: there is none); Forbidden unless the viewer is of its office or
    of a unit it names."""
    instruction = ctx.session.get(m.Instruction, instruction_id)
    if instruction is None:
        return None
    viewer = ctx.viewer
    if viewer.sees_everything:
        office = reporting_office(ctx.session, unit=viewer.unit)
        visible = office is not None and office.id == instruction.office_id
    else:
        visible = unit_row(ctx.session, instruction, viewer.unit) is not None
    if not visible:
        raise Forbidden
    return instruction


def _acting(ctx: PageContext) -> view.Acting:
    """What the viewer's buttons may do: the duty room's people make the office's moves."""
    viewer = ctx.viewer
    if viewer.sees_everything:
        return view.Acting(office=viewer.user.role in ACTORS)
    return view.Acting(unit_id=viewer.unit.id)


def _caller(ctx: PageContext, instruction: m.Instruction) -> m.Unit:
    """The unit a move is made as: the instruction's office for its duty room's people, the
    viewer's own unit for a unit officer; Forbidden for anyone else (a leader reads only)."""
    acting = _acting(ctx)
    if acting.office:
        office = ctx.session.get(m.Unit, instruction.office_id)
        assert office is not None
        return office
    if ctx.viewer.sees_everything:
        raise Forbidden
    return ctx.viewer.unit


def _acting_office(ctx: PageContext) -> m.Unit:
    """The office the viewer records instructions for; Forbidden unless of its duty room."""
    office = reporting_office(ctx.session, unit=ctx.viewer.unit)
    if office is None or not ctx.viewer.sees_everything or ctx.viewer.user.role not in ACTORS:
        raise Forbidden
    return office


# -- answers ------------------------------------------------------------------------------


def _refused(
    ctx: PageContext,
    instruction: m.Instruction,
    open_form: str,
    form: dict[str, str],
    refused: FormRefused,
) -> HTMLResponse:
    """The page again, the refused form open beside its unit with its problems."""
    ctx.session.rollback()  # whatever the refused move began is not kept
    state = FormState(open_form, form, refused)
    return view.render_instruction(ctx, instruction, acting=_acting(ctx), form=state)


def _commit(ctx: PageContext) -> None:
    """Commit the request's work and tell the engine something changed."""
    ctx.session.commit()
    ctx.services.wake()


def _not_found(ctx: PageContext) -> HTMLResponse:
    """The 404 page for an instruction that does not exist."""
    return ctx.pages.render(ctx.request, "instruction_not_found.html", ctx.viewer, status=404)


def _back(instruction_id: int, flash: str) -> RedirectResponse:
    """After a POST: back to the instruction page, saying what happened."""
    return RedirectResponse(f"/instructions/{instruction_id}?done={flash}", status_code=303)
