"""事件 (incident) pages: one incident with every report, obligation and timeline entry; the duty
room's actions on it (acknowledge, declare handling finished, waive, log a phone report); and
登记, logging a phone report or registering an incident learned elsewhere. Intake decides every
filing and alerts/filing/waivers.py every waiver (alerts/instructions/waivers.py an instruction
clock's); a refused form comes back with its problems next to the fields and what was typed.
What the page shows is read by incident_view.py, and the forms are turned into reports by
incident_forms.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from alerts.dashboard.pages import incident_forms as forms
from alerts.dashboard.pages import incident_view as view
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.errors import Refused
from alerts.escalation.acks import acknowledge
from alerts.filing.archiving import archive
from alerts.filing.intake import FilingOutcome, file_report
from alerts.filing.waivers import waive
from alerts.instructions.waivers import waive_instruction_clock
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries import filings_of, reporting_office

router = APIRouter(include_in_schema=False)
ACTORS = frozenset({"duty_room", "section_head", "admin"})
ARCHIVERS = frozenset({"section_head", "admin"})  # 归档 is the information section's
FLASHES = frozenset(
    {"phone_logged", "registered", "acknowledged", "finished", "waived", "not_open", "archived"}
    | {"finding_confirmed", "finding_dismissed", "finding_reopened"}  # findings.py's
)


@router.get("/incidents/new", response_class=HTMLResponse)
async def new_page(request: Request, services: ServicesDep) -> HTMLResponse:
    """The two forms: log a phone report, register an incident learned elsewhere."""
    with page_context(request, services) as ctx:
        return view.render_new(ctx, _acting_office(ctx), view.FormState())


@router.post("/incidents/new", response_model=None)
async def new_post(request: Request, services: ServicesDep) -> Response:
    """File the phone log or the registration; its page on success, the form again otherwise."""
    with page_context(request, services) as ctx:
        office = _acting_office(ctx)
        form = await ctx.form()
        kind = "register" if form.get("form") == "register" else "phone"
        try:
            body = forms.report_body(form, kind, services.settings.rules.timezone, need_unit=True)
            if kind == "register":
                body = forms.with_source(body, form, services.translate)
            outcome = _file(ctx, office, body)
        except forms.FormRefused as refused:
            return view.render_new(ctx, office, view.FormState(kind, form, refused))
        flash = "registered" if kind == "register" else "phone_logged"
        return _back(outcome.incident.id, flash)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(
    incident_id: int, request: Request, services: ServicesDep, done: str = "", form: str = ""
) -> HTMLResponse:
    """Everything about one incident, and the actions the viewer may take (`form=phone`: the
    phone form open to complete a phone log that lacks elements)."""
    with page_context(request, services) as ctx:
        incident = _visible_incident(ctx, incident_id)
        if incident is None:
            return _not_found(ctx)
        if form == "phone" and view.phone_gaps(filings_of(ctx.session, incident_id=incident.id)):
            # 补全电话报告: the phone form open, holding what the log said
            zone = services.settings.rules.timezone
            values = view.prefill(ctx.session, incident, zone)
            return _render_incident(ctx, incident, open_form="phone", values=values)
        return _render_incident(ctx, incident, done=done)


@router.get("/incidents/{incident_id}/live", response_class=HTMLResponse)
async def incident_live(incident_id: int, request: Request, services: ServicesDep) -> HTMLResponse:
    """The summary and obligations again, for the live refresh."""
    with page_context(request, services) as ctx:
        incident = _visible_incident(ctx, incident_id)
        if incident is None:
            return _not_found(ctx)
        return _render_incident(ctx, incident, template="_incident_live.html")


@router.post("/incidents/{incident_id}/acknowledge", response_model=None)
async def acknowledge_post(incident_id: int, request: Request, services: ServicesDep) -> Response:
    """收到 on the dashboard: pauses the obligation's ladder."""
    with page_context(request, services) as ctx:
        incident = _visible_incident(ctx, incident_id)
        if incident is None:
            return _not_found(ctx)
        form = await ctx.form()
        obligation = _obligation(ctx.session, incident, form.get("obligation_id", ""))
        if obligation is None or not _may_acknowledge(ctx, obligation):
            raise Forbidden
        if not obligation.still_owed:
            return _back(incident.id, "not_open")
        user = ctx.viewer.user
        person = ctx.session.get(m.Person, user.person_id) if user.person_id else None
        now = services.clock.now()
        acknowledge(
            ctx.session,
            obligation=obligation,
            via="dashboard",
            now=now,
            person=person,
            by=user.display_name,
        )
        _commit(ctx)
        return _back(incident.id, "acknowledged")


@router.post("/incidents/{incident_id}/finish", response_model=None)
async def finish_post(incident_id: int, request: Request, services: ServicesDep) -> Response:
    """处置结束, declared by the duty room: a registration by the office that starts K8."""
    with page_context(request, services) as ctx:
        incident = _actionable_incident(ctx, incident_id)
        if incident is None:
            return _not_found(ctx)
        form = await ctx.form()
        body = {
            "kind": "register",
            "unit": _unit(ctx.session, incident.unit_id).code,
            "incident_id": incident.id,
            "handling_finished": True,
            **({"description": text} if (text := form.get("description", "").strip()) else {}),
        }
        try:
            if incident.state != "open":  # a second click, or another desk was quicker
                problem: forms.Problem = ("", "ui_incident.problem_already_finished", {})
                raise forms.FormRefused(409, [problem])
            _file(ctx, _unit(ctx.session, incident.office_id), body)
        except forms.FormRefused as refused:
            return _render_incident(ctx, incident, open_form="finish", values=form, refused=refused)
        return _back(incident.id, "finished")


@router.post("/incidents/{incident_id}/waive", response_model=None)
async def waive_post(incident_id: int, request: Request, services: ServicesDep) -> Response:
    """Waive one unreported obligation with a reason; the rules then re-assess the incident."""
    with page_context(request, services) as ctx:
        incident = _actionable_incident(ctx, incident_id)
        if incident is None:
            return _not_found(ctx)
        form = await ctx.form()
        try:
            _waive(ctx, incident, form.get("obligation_id", ""), form.get("reason", ""))
        except Refused as refused:
            # the form names what is wrong, so its own words are enough: a 422 like any form
            wrong = forms.refused_form(refused, status=422, said=False)
            return _render_incident(ctx, incident, open_form="waive", values=form, refused=wrong)
        _commit(ctx)
        return _back(incident.id, "waived")


@router.post("/incidents/{incident_id}/archive", response_model=None)
async def archive_post(incident_id: int, request: Request, services: ServicesDep) -> Response:
    """归档 by the information section, once the final report is in."""
    with page_context(request, services) as ctx:
        incident = _visible_incident(ctx, incident_id)
        if incident is None:
            return _not_found(ctx)
        if ctx.viewer.user.role not in ARCHIVERS:
            raise Forbidden
        await ctx.form()  # the CSRF check
        try:
            archive(
                ctx.session,
                settings=services.settings,
                incident=incident,
                office=_acting_office(ctx),
                by=ctx.viewer.user.display_name,
                now=services.clock.now(),
            )
        except Refused as refused:
            return _render_incident(
                ctx, incident, open_form="archive", refused=forms.refused_form(refused)
            )
        _commit(ctx)
        return _back(incident.id, "archived")


@router.post("/incidents/{incident_id}/phone", response_model=None)
async def phone_post(incident_id: int, request: Request, services: ServicesDep) -> Response:
    """Log a phone report for the incident's unit: its first report, or a follow-up (续报)."""
    with page_context(request, services) as ctx:
        incident = _actionable_incident(ctx, incident_id)
        if incident is None:
            return _not_found(ctx)
        form = await ctx.form()
        kind = "followup" if view.unit_has_reported(ctx.session, incident) else "phone"
        try:
            body = forms.report_body(form, kind, services.settings.rules.timezone)
            body |= {"unit": _unit(ctx.session, incident.unit_id).code, "incident_id": incident.id}
            _file(ctx, _unit(ctx.session, incident.office_id), body)
        except forms.FormRefused as refused:
            return _render_incident(ctx, incident, open_form="phone", values=form, refused=refused)
        return _back(incident.id, "phone_logged")


# -- who may see and do what --------------------------------------------------------------


def _visible_incident(ctx: PageContext, incident_id: int) -> m.Incident | None:
    """The incident (None: there is none); Forbidden when the viewer may not see it."""
    incident = ctx.session.get(m.Incident, incident_id)
    if incident is None:
        return None
    viewer = ctx.viewer
    if not viewer.sees_everything:
        visible = incident.unit_id == viewer.unit.id
    else:
        office = reporting_office(ctx.session, unit=viewer.unit)
        visible = office is not None and incident.office_id == office.id
    if not visible:
        raise Forbidden
    return incident


def _actionable_incident(ctx: PageContext, incident_id: int) -> m.Incident | None:
    """As `_visible_incident`, for the duty room's actions."""
    incident = _visible_incident(ctx, incident_id)
    if incident is not None and ctx.viewer.user.role not in ACTORS:
        raise Forbidden
    return incident


def _acting_office(ctx: PageContext) -> m.Unit:
    """The office the viewer logs reports for; Forbidden unless they are the duty room's."""
    office = reporting_office(ctx.session, unit=ctx.viewer.unit)
    if office is None or ctx.viewer.user.role not in ACTORS:
        raise Forbidden
    return office


def _may_acknowledge(ctx: PageContext, obligation: m.Obligation) -> bool:
    """Anyone told may say 收到: the office's people for any obligation, a unit its own."""
    viewer = ctx.viewer
    return viewer.sees_everything or obligation.owed_by_unit_id == viewer.unit.id


# -- filing and reading -------------------------------------------------------------------


def _file(ctx: PageContext, filer: m.Unit, body: dict[str, Any]) -> FilingOutcome:
    """Read the form's report by the webhook's rules and file it, commit, wake the engine."""
    services = ctx.services
    report = forms.form_report(body)
    try:
        outcome = file_report(
            ctx.session,
            settings=services.settings,
            filer=filer,
            body=report,
            now=services.clock.now(),
        )
    except Refused as refused:
        raise forms.refused_form(refused) from refused
    _commit(ctx)
    services.metrics.filings.labels(report.kind.value).inc()
    return outcome


def _commit(ctx: PageContext) -> None:
    """Commit the request's work and tell the engine something changed."""
    ctx.session.commit()
    ctx.services.wake()


def _waive(ctx: PageContext, incident: m.Incident, given: str, reason: str) -> None:
    """Waive the posted obligation: a report's by the incident's rules, an instruction's clock
    on the incident by the instruction's (alerts/instructions/waivers.py)."""
    obligation = _obligation(ctx.session, incident, given)
    instruction = (
        ctx.session.get(m.Instruction, obligation.instruction_id)
        if obligation is not None and obligation.instruction_id is not None
        else None
    )
    settings, now = ctx.services.settings, ctx.services.clock.now()
    office, by = _acting_office(ctx), ctx.viewer.user.display_name
    if obligation is not None and instruction is not None:
        waive_instruction_clock(
            ctx.session,
            settings=settings,
            instruction=instruction,
            obligation=obligation,
            office=office,
            reason=reason,
            by=by,
            now=now,
        )
        return
    waive(
        ctx.session,
        settings=settings,
        incident=incident,
        obligation=obligation,
        office=office,
        reason=reason,
        by=by,
        now=now,
    )


def _obligation(session: Session, incident: m.Incident, given: str) -> m.Obligation | None:
    """The incident's obligation with the posted id."""
    if not given.isdigit():
        return None
    found = session.get(m.Obligation, int(given))
    return found if found is not None and found.incident_id == incident.id else None


def _unit(session: Session, unit_id: int) -> m.Unit:
    """A unit by id: the incident's own, or the office it was reported to (which files the
    duty room's records)."""
    unit = session.get(m.Unit, unit_id)
    assert unit is not None
    return unit


# -- rendering ------------------------------------------------------------------------------


def _render_incident(
    ctx: PageContext,
    incident: m.Incident,
    *,
    template: str = "incident.html",
    done: str = "",
    open_form: str = "",
    values: dict[str, str] | None = None,
    refused: forms.FormRefused | None = None,
) -> HTMLResponse:
    """The incident page (or its live part) with what this viewer may do, and one form's
    problems when it was refused."""
    return view.render_incident(
        ctx,
        incident,
        template=template,
        done=done if done in FLASHES else "",
        form=view.FormState(open_form, values or {}, refused),
        may_act=ctx.viewer.user.role in ACTORS,
        may_ack=lambda o: o.still_owed and _may_acknowledge(ctx, o),
        may_archive=ctx.viewer.user.role in ARCHIVERS,
    )


def _not_found(ctx: PageContext) -> HTMLResponse:
    """The 404 page for an incident that does not exist."""
    return ctx.pages.render(ctx.request, "incident_not_found.html", ctx.viewer, status=404)


def _back(incident_id: int, flash: str) -> RedirectResponse:
    """After a POST: back to the incident page, saying what happened."""
    return RedirectResponse(f"/incidents/{incident_id}?done={flash}", status_code=303)


# what the findings routes (findings.py) share with these pages
visible_incident = _visible_incident
render_incident = _render_incident
not_found = _not_found
