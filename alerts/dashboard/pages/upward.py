"""上报 (upward reports): the page where the office drafts its report to the parent from what
the units reported, with the clock it is racing in view, a leader approves it, returns it or
decides not to forward it, and everyone sees its delivery and the parent's receipt. The
capabilities are alerts/upward/'s; a refused form comes back with its problems."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from alerts.dashboard.pages import incident_forms as forms
from alerts.dashboard.pages import incidents
from alerts.dashboard.pages import upward_view as view
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.dashboard.pages.incident_view import helpers
from alerts.errors import Refused
from alerts.filing.waivers import REASON_MAX
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries import reporting_office
from alerts.upward import confirmations, decisions, delivery, drafts
from alerts.upward.fields import KINDS

router = APIRouter(include_in_schema=False)
DRAFTERS = incidents.ACTORS  # the duty room, the information section, admins
APPROVERS = frozenset({"leader", "admin"})  # county leaders (审定)
FLASHES = frozenset(
    {"drafted", "edited", "approved", "returned", "declined", "resent", "confirmed"}
)


@router.get("/incidents/{incident_id}/upward", response_class=HTMLResponse)
async def upward_page(
    incident_id: int, request: Request, services: ServicesDep, done: str = "", kind: str = ""
) -> HTMLResponse:
    """The incident's upward reports, the clock, and the forms the viewer may use."""
    with page_context(request, services) as ctx:
        incident = _incident(ctx, incident_id)
        if incident is None:
            return incidents.not_found(ctx)
        return _render(ctx, incident, done=done, kind=kind)


@router.post("/incidents/{incident_id}/upward", response_model=None)
async def compose_post(incident_id: int, request: Request, services: ServicesDep) -> Response:
    """Draft a new report from the posted form."""
    with page_context(request, services) as ctx:
        incident = _incident(ctx, incident_id, roles=DRAFTERS)
        if incident is None:
            return incidents.not_found(ctx)
        form = await ctx.form()
        kind = form.get("kind", "")
        if kind not in KINDS:
            reports = drafts.reports_of(ctx.session, incident_id=incident.id)
            kind = drafts.next_kind(reports, incident)
        try:
            fields = view.form_fields(form, kind, services.settings.rules.timezone)
            drafts.compose(
                ctx.session,
                settings=services.settings,
                incident=incident,
                office=_office(ctx),
                kind=kind,
                parent=form.get("parent") or None,
                fields=fields,
                reporter=None,
                by=ctx.viewer.user.display_name,
                now=services.clock.now(),
            )
        except (Refused, forms.FormRefused) as refused:
            return _render(ctx, incident, open_form="compose", values=form, refused=refused)
        ctx.session.commit()
        return _back(incident.id, "drafted")


@router.post("/incidents/{incident_id}/upward/{report_id}/edit", response_model=None)
async def edit_post(
    incident_id: int, report_id: int, request: Request, services: ServicesDep
) -> Response:
    """Save the posted fields over a draft (or a returned report)."""
    with page_context(request, services) as ctx:
        incident = _incident(ctx, incident_id, roles=DRAFTERS)
        report = _report(ctx, incident, report_id)
        if incident is None or report is None:
            return incidents.not_found(ctx)
        form = await ctx.form()
        try:
            fields = view.form_fields(form, report.kind, services.settings.rules.timezone)
            drafts.edit(
                ctx.session,
                settings=services.settings,
                report=report,
                incident=incident,
                fields=fields,
                by=ctx.viewer.user.display_name,
                now=services.clock.now(),
            )
        except (Refused, forms.FormRefused) as refused:
            return _render(ctx, incident, open_form="edit", values=form, refused=refused)
        ctx.session.commit()
        return _back(incident.id, "edited")


@router.post("/incidents/{incident_id}/upward/{report_id}/decision", response_model=None)
async def decision_post(
    incident_id: int, report_id: int, request: Request, services: ServicesDep
) -> Response:
    """A leader's decision, signed with their name: approve, return or do not forward."""
    with page_context(request, services) as ctx:
        incident = _incident(ctx, incident_id, roles=APPROVERS)
        report = _report(ctx, incident, report_id)
        if incident is None or report is None:
            return incidents.not_found(ctx)
        form = await ctx.form()
        decision = form.get("decision", "")
        try:
            decisions.decide(
                ctx.session,
                settings=services.settings,
                report=report,
                incident=incident,
                office=_office(ctx),
                decision=decision,
                approver=ctx.viewer.user.display_name,
                reason=form.get("reason", ""),
                now=services.clock.now(),
            )
        except Refused as refused:
            return _render(ctx, incident, open_form="decide", values=form, refused=refused)
        ctx.session.commit()
        services.wake()
        flash = {"approve": "approved", "return": "returned", "decline": "declined"}[decision]
        return _back(incident.id, flash)


@router.post("/incidents/{incident_id}/upward/{report_id}/resend", response_model=None)
async def resend_post(
    incident_id: int, report_id: int, request: Request, services: ServicesDep
) -> Response:
    """Queue a failed delivery once more (the parent files it at most once)."""
    with page_context(request, services) as ctx:
        incident = _incident(ctx, incident_id, roles=DRAFTERS)
        report = _report(ctx, incident, report_id)
        if incident is None or report is None:
            return incidents.not_found(ctx)
        await ctx.form()  # the CSRF check
        try:
            delivery.resend(
                ctx.session,
                report=report,
                incident=incident,
                by=ctx.viewer.user.display_name,
                now=services.clock.now(),
            )
        except Refused as refused:
            return _render(ctx, incident, open_form="resend", refused=refused)
        ctx.session.commit()
        services.wake()
        return _back(incident.id, "resent")


@router.post("/incidents/{incident_id}/upward/{report_id}/receipt", response_model=None)
async def receipt_post(
    incident_id: int, report_id: int, request: Request, services: ServicesDep
) -> Response:
    """Record the parent's confirmation of an emailed report: when its duty room received it."""
    with page_context(request, services) as ctx:
        incident = _incident(ctx, incident_id, roles=DRAFTERS)
        report = _report(ctx, incident, report_id)
        if incident is None or report is None:
            return incidents.not_found(ctx)
        form = await ctx.form()
        zone = services.settings.rules.timezone
        try:
            received = _local_time(form.get("received_at", ""), zone)
            confirmations.confirm(
                ctx.session,
                settings=services.settings,
                report=report,
                incident=incident,
                received_at=received,
                how=form.get("how", "phone"),
                by=ctx.viewer.user.display_name,
                note=form.get("note", ""),
                now=services.clock.now(),
            )
        except (Refused, forms.FormRefused) as refused:
            return _render(ctx, incident, open_form="receipt", values=form, refused=refused)
        ctx.session.commit()
        services.wake()
        return _back(incident.id, "confirmed")


def _local_time(text: str, zone: ZoneInfo) -> datetime | None:
    """A datetime-local input read in the configured zone; None when empty."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as bad:
        raise forms.FormRefused(422, [("received_at", "ui_incident.problem_time", {})]) from bad
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _incident(
    ctx: PageContext, incident_id: int, roles: frozenset[str] | None = None
) -> m.Incident | None:
    """The incident for the office's people (Forbidden for a unit officer, or a role that may
    not do this); None when there is none."""
    incident = incidents.visible_incident(ctx, incident_id)
    if not ctx.viewer.sees_everything:
        raise Forbidden
    if incident is not None and roles is not None and ctx.viewer.user.role not in roles:
        raise Forbidden
    return incident


def _report(ctx: PageContext, incident: m.Incident | None, report_id: int) -> m.UpwardReport | None:
    report = ctx.session.get(m.UpwardReport, report_id)
    if incident is None or report is None or report.incident_id != incident.id:
        return None
    return report


def _office(ctx: PageContext) -> m.Unit:
    office = reporting_office(ctx.session, unit=ctx.viewer.unit)
    if office is None:
        raise Forbidden
    return office


def _render(
    ctx: PageContext,
    incident: m.Incident,
    *,
    done: str = "",
    kind: str = "",
    open_form: str = "",
    values: dict[str, str] | None = None,
    refused: Refused | forms.FormRefused | None = None,
) -> HTMLResponse:
    services, session = ctx.services, ctx.session
    zone, now = services.settings.rules.timezone, services.clock.now()
    if isinstance(refused, Refused):
        refused = forms.refused_form(refused)
    reports = drafts.reports_of(session, incident_id=incident.id)
    undecided = next((x for x in reports if x.state in drafts.UNDECIDED), None)
    reporter = view.reporter_of(ctx, incident.office_id, now)
    proposed_kind, proposed = drafts.proposal(
        session, settings=services.settings, incident=incident, kind=kind, reporter=reporter
    )
    rows = {
        x.id: session.get(m.Notification, x.notification_id) if x.notification_id else None
        for x in reports
    }
    role = ctx.viewer.user.role
    context: dict[str, Any] = {
        "now": now,
        "incident": incident,
        "reports": reports,
        "rows": rows,
        "states": {x.id: delivery.delivery_state(x, rows[x.id]) for x in reports},
        "counted": {
            x.id: session.get(m.Filing, x.filing_id) if x.filing_id else None for x in reports
        },
        "owed": drafts.owed_upward(session, incident),
        "undecided": undecided,
        "parents": services.settings.upward.parents,
        "parent_options": [(p.name, p.title) for p in services.settings.upward.parents],
        "kinds": KINDS,
        "proposed_kind": proposed_kind,
        "macro_kind": view.MACRO_KIND,
        "may_draft": role in DRAFTERS and incident.archived_at is None,
        "may_decide": role in APPROVERS and incident.archived_at is None,
        "done": done if done in FLASHES else "",
        "open_form": open_form,
        "status": refused.status if refused else 200,
        "errors": refused.errors(values or {}) if refused else {},
        "compose_values": values if open_form == "compose" else view.form_values(proposed, zone),
        "edit_values": (
            values
            if open_form == "edit"
            else (view.form_values(undecided.fields, zone) if undecided else {})
        ),
        "decide_values": values if open_form == "decide" else {},
        "receipt_values": values if open_form == "receipt" else {},
        "receipt_how": confirmations.HOW,
        "reason_max": REASON_MAX,
        "casualties_line": view.casualties_line,
        **helpers(ctx.pages.language(ctx.request)),
    }
    return ctx.pages.render(ctx.request, "upward.html", ctx.viewer, **context)


def _back(incident_id: int, flash: str) -> RedirectResponse:
    return RedirectResponse(f"/incidents/{incident_id}/upward?done={flash}", status_code=303)
