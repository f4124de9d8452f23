"""事件 (incident) pages: one incident with every report, obligation and timeline entry; the duty
room's actions on it (acknowledge, declare handling finished, waive, log a phone report); and
登记, logging a phone report or registering an incident learned elsewhere. Intake decides every
filing; a refused form comes back with its problems next to the fields and what was typed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.api.errors import ApiError, problems_from_validation
from alerts.api.filing_in import COMPLETE_REPORT, FilingIn
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.escalation.acks import acknowledge
from alerts.escalation.engine import reassess_stored
from alerts.filing.assessments import FIGURES
from alerts.filing.intake import FilingOutcome, file_report
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries import (
    acknowledgements_of,
    delivery_history,
    escalations_of,
    events_of,
    filings_of,
    notifications_of,
    obligations_of,
    reporting_office,
    waivers_of,
)

router = APIRouter(include_in_schema=False)
ACTORS = frozenset({"duty_room", "section_head", "admin"})
REFRESH_SECONDS = 15
FLASHES = frozenset(
    {"phone_logged", "registered", "acknowledged", "finished", "waived", "not_open"}
)
SOURCES = ("media", "police", "above", "public", "department", "other")
REPORTED_ROWS = 2
WAIVER_REASON_MAX = 200  # the obligation row keeps the reason in 200 characters
_UNKNOWN_WORDS = {"unknown", "不详", "未知", "不明", "?", "？"}
_OWN_PROBLEMS = {"time", "whole_number", "loss", "before_occurred", "decrease_unexplained"}
_TEXTS = (
    *("unit", "category", "subtype", "severity", "title", "external_ref", "description"),
    *("extent", "measures", "leaders_informed", "casualty_correction"),
)
_SWITCHES = {
    "phone": ("sensitive", "classified"),
    "register": ("sensitive", "classified"),
    "followup": ("material_change", "handling_finished"),
}
Problem = tuple[str, str, dict[str, Any]]  # input name, catalogue key, parameters


class FormRefused(Exception):
    """A form the page or intake refused: problems by field, and the HTTP status to answer."""

    def __init__(self, status: int, problems: list[Problem]) -> None:
        super().__init__(status)
        self.status, self.problems = status, problems

    def errors(self, inputs: Iterable[str]) -> dict[str, list[tuple[str, Any, str]]]:
        """Problems under the posted input they belong to (`location` under `location.area`);
        the rest, with the field they name, under ""."""
        inputs = list(inputs)
        placed: dict[str, list[tuple[str, Any, str]]] = {}
        for path, key, params in self.problems:
            name = next((n for n in inputs if n == path or n.startswith(f"{path}.")), "")
            field = "" if name else path.split(".")[0]
            placed.setdefault(name, []).append((key, params, field))
        return placed


@dataclass(frozen=True)
class Delivery:
    """One notification, who it went to, and its delivery history."""

    notification: m.Notification
    recipient: str
    history: list[m.NotificationEvent]


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: a stored event (an escalation step with its messages), or a
    message sent outside any step."""

    at: datetime
    kind: str
    data: dict[str, Any]
    deliveries: list[Delivery]


@router.get("/incidents/new", response_class=HTMLResponse)
async def new_page(request: Request, services: ServicesDep) -> HTMLResponse:
    """The two forms: log a phone report, register an incident learned elsewhere."""
    with page_context(request, services) as ctx:
        return _render_new(ctx, _acting_office(ctx))


@router.post("/incidents/new", response_model=None)
async def new_post(request: Request, services: ServicesDep) -> Response:
    """File the phone log or the registration; its page on success, the form again otherwise."""
    with page_context(request, services) as ctx:
        office = _acting_office(ctx)
        form = await ctx.form()
        kind = "register" if form.get("form") == "register" else "phone"
        try:
            body = _report_body(form, kind, services.settings.rules.timezone, need_unit=True)
            if kind == "register":
                body = _with_source(body, form, ctx)
            outcome = _file(ctx, office, body)
        except FormRefused as refused:
            return _render_new(ctx, office, open_form=kind, values=form, refused=refused)
        flash = "registered" if kind == "register" else "phone_logged"
        return _back(outcome.incident.id, flash)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(
    incident_id: int, request: Request, services: ServicesDep, done: str = ""
) -> HTMLResponse:
    """Everything about one incident, and the actions the viewer may take."""
    with page_context(request, services) as ctx:
        incident = _visible_incident(ctx, incident_id)
        if incident is None:
            return _not_found(ctx)
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
        if not _unreported(obligation):
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
            "unit": _unit_code(ctx.session, incident.unit_id),
            "incident_id": incident.id,
            "handling_finished": True,
            **({"description": text} if (text := form.get("description", "").strip()) else {}),
        }
        try:
            if incident.state != "open":  # a second click, or another desk was quicker
                raise FormRefused(409, [("", "ui_incident.problem_already_finished", {})])
            _file(ctx, _office_of(ctx.session, incident), body)
        except FormRefused as refused:
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
        obligation = _obligation(ctx.session, incident, form.get("obligation_id", ""))
        reason = form.get("reason", "").strip()
        problems = _waiver_problems(obligation, reason)
        if problems or obligation is None:
            refused = FormRefused(422, problems)
            return _render_incident(ctx, incident, open_form="waive", values=form, refused=refused)
        now = services.clock.now()
        by = ctx.viewer.user.display_name[:100]
        waiver = m.Waiver(
            incident_id=incident.id, obligation_key=obligation.key, at=now, reason=reason, by=by
        )
        ctx.session.add(waiver)
        ctx.session.flush()
        reassess_stored(ctx.session, services, incident, now)
        _commit(ctx)
        return _back(incident.id, "waived")


@router.post("/incidents/{incident_id}/phone", response_model=None)
async def phone_post(incident_id: int, request: Request, services: ServicesDep) -> Response:
    """Log a phone report for the incident's unit: its first report, or a follow-up (续报)."""
    with page_context(request, services) as ctx:
        incident = _actionable_incident(ctx, incident_id)
        if incident is None:
            return _not_found(ctx)
        form = await ctx.form()
        kind = "followup" if _unit_has_reported(ctx.session, incident) else "phone"
        try:
            body = _report_body(form, kind, services.settings.rules.timezone)
            body |= {"unit": _unit_code(ctx.session, incident.unit_id), "incident_id": incident.id}
            _file(ctx, _office_of(ctx.session, incident), body)
        except FormRefused as refused:
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


def _unreported(obligation: m.Obligation) -> bool:
    """Still owed: acknowledging or waiving it means something."""
    return obligation.met_at is None and obligation.status in ("pending", "missed")


# -- filing ---------------------------------------------------------------------------------


def _file(ctx: PageContext, filer: m.Unit, body: dict[str, Any]) -> FilingOutcome:
    """Validate and file like the webhook does, commit, and wake the engine."""
    services = ctx.services
    try:
        filing_in = FilingIn.model_validate(body)
        outcome = file_report(
            ctx.session,
            settings=services.settings,
            filer=filer,
            body=filing_in,
            now=services.clock.now(),
        )
    except ValidationError as exc:
        raise FormRefused(422, _problems(problems_from_validation(exc.errors()))) from exc
    except ApiError as error:
        problems = [*_problems(error.fields), ("", f"error.{error.code}", error.params)]
        raise FormRefused(error.status, problems) from error
    _commit(ctx)
    services.metrics.filings.labels(filing_in.kind.value).inc()
    return outcome


def _problems(fields: Any) -> list[Problem]:
    """Intake's field problems as catalogue keys; a few read better worded for a form."""
    return [
        (
            p.field,
            f"ui_incident.problem_{p.problem}"
            if p.problem in _OWN_PROBLEMS
            else f"problem.{p.problem}",
            p.params,
        )
        for p in fields
    ]


def _report_body(
    form: dict[str, str], kind: str, zone: ZoneInfo, *, need_unit: bool = False
) -> dict[str, Any]:
    """A filing body from a report form; FormRefused for a missing unit or source, or a time
    that is not one."""
    body: dict[str, Any] = {"kind": kind}
    body |= {n: v for n in _TEXTS if (v := form.get(n, "").strip())}
    body |= {n: n in form for n in _SWITCHES[kind]}
    problems: list[Problem] = []
    if need_unit and not body.get("unit"):
        problems.append(("unit", "problem.required", {}))
    if kind == "register" and form.get("source") not in SOURCES:
        problems.append(("source", "problem.required", {}))
    for name in ("occurred_at", "learned_at"):
        if text := form.get(name, "").strip():
            body[name] = _time(text, zone, name, problems)
    for group, parts in (
        ("location", ("area", "address")),
        ("reporter", ("name", "post", "phone")),
    ):
        found = {p: v for p in parts if (v := form.get(f"{group}.{p}", "").strip())}
        if found:
            body[group] = found
    figures = {n: _figure(v) for n in FIGURES if (v := form.get(f"casualties.{n}", "").strip())}
    if figures:
        body["casualties"] = figures
    if loss := form.get("direct_loss_wan_yuan", "").strip():
        body["direct_loss_wan_yuan"] = _loss(loss)
    reported = _reported_to(form, zone, problems)
    if reported is not None:
        body["already_reported_to"] = reported
    if problems:
        raise FormRefused(422, problems + _other_problems(body, problems))
    return body


def _other_problems(body: dict[str, Any], found: list[Problem]) -> list[Problem]:
    """What else the body gets wrong, without repeating a field already named."""
    named = {path for path, _, _ in found}
    try:
        FilingIn.model_validate(body)
    except ValidationError as exc:
        more = _problems(problems_from_validation(exc.errors()))
        return [p for p in more if p[0] not in named]
    return []


def _reported_to(
    form: dict[str, str], zone: ZoneInfo, problems: list[Problem]
) -> list[dict[str, Any]] | None:
    """Who the unit already told; [] when the form says nobody, None when it does not say."""
    rows = []
    for index in range(REPORTED_ROWS):
        prefix = f"already_reported_to.{index}"
        to, at = form.get(f"{prefix}.to", "").strip(), form.get(f"{prefix}.at", "").strip()
        if not (to or at):
            continue
        row: dict[str, Any] = {"to": to or None, "at": _time(at, zone, f"{prefix}.at", problems)}
        if level := form.get(f"{prefix}.level", "").strip():
            row["level"] = level
        rows.append({k: v for k, v in row.items() if v is not None})
    if rows:
        return rows
    return [] if "already_reported_none" in form else None


def _time(text: str, zone: ZoneInfo, name: str, problems: list[Problem]) -> str | None:
    """A datetime-local value read in the configured zone, as RFC 3339."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append((name, "ui_incident.problem_time", {}))
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()


def _figure(text: str) -> int | str:
    """A casualty figure: a whole number, `unknown`, or the text itself for intake to refuse."""
    if text.lower() in _UNKNOWN_WORDS:
        return "unknown"
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def _loss(text: str) -> float | int | str:
    """Direct loss in 万元, `unknown`, or the text itself for intake to refuse."""
    if text.lower() in _UNKNOWN_WORDS:
        return "unknown"
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def _with_source(body: dict[str, Any], form: dict[str, str], ctx: PageContext) -> dict[str, Any]:
    """A registration says where the office learned of it, first in its description."""
    source = form["source"]  # checked by _report_body
    translate = ctx.services.translate  # the record is kept in the office's language
    said = translate(f"ui_incident.source_{source}")
    if detail := form.get("source_detail", "").strip():
        said = translate("ui_incident.source_with_detail", source=said, detail=detail)
    if "description" in body:
        body["description"] = (
            translate("ui_incident.source_line", source=said) + body["description"]
        )
    return body


def _waiver_problems(obligation: m.Obligation | None, reason: str) -> list[Problem]:
    """Why a waiver cannot be stored, if it cannot."""
    problems: list[Problem] = []
    if obligation is None or not _unreported(obligation):
        problems.append(("obligation_id", "ui_incident.problem_not_open", {}))
    if not reason:
        problems.append(("reason", "problem.required", {}))
    elif len(reason) > WAIVER_REASON_MAX:
        problems.append(("reason", "problem.too_long", {"max": WAIVER_REASON_MAX}))
    return problems


def _commit(ctx: PageContext) -> None:
    """Commit the request's work and tell the engine something changed."""
    ctx.session.commit()
    ctx.services.wake()


# -- reading --------------------------------------------------------------------------------


def _obligation(session: Session, incident: m.Incident, given: str) -> m.Obligation | None:
    """The incident's obligation with the posted id."""
    if not given.isdigit():
        return None
    found = session.get(m.Obligation, int(given))
    return found if found is not None and found.incident_id == incident.id else None


def _unit_code(session: Session, unit_id: int) -> str:
    """A unit's code."""
    unit = session.get(m.Unit, unit_id)
    assert unit is not None
    return unit.code


def _office_of(session: Session, incident: m.Incident) -> m.Unit:
    """The office the incident was reported to: it files the duty room's records."""
    office = session.get(m.Unit, incident.office_id)
    assert office is not None
    return office


def _unit_has_reported(session: Session, incident: m.Incident) -> bool:
    """The unit has made its first report (by phone or in writing)."""
    return any(f.party == "unit" for f in filings_of(session, incident_id=incident.id))


def _flags(incident: m.Incident) -> list[dict[str, Any]]:
    """The incident's findings with the parameters their catalogue messages need."""
    flags = []
    for flag in incident.flags or []:
        detail, params = str(flag.get("detail", "")), {}
        if graded := re.search(r"imply (\S+), reported (\S+)", detail):
            params = {"implied": graded.group(1), "stated": graded.group(2)}
        elif knew := re.search(r"knew (\d+) min", detail):
            params = {"minutes": knew.group(1)}
        flags.append({**flag, "at": _parse(flag.get("at")), "params": params})
    return flags


def _timeline(session: Session, incident_id: int, obligations: list[m.Obligation]) -> list[Entry]:
    """Events oldest first, each escalation step with the messages it queued."""
    notes = notifications_of(session, incident_id=incident_id)
    history: dict[int, list[m.NotificationEvent]] = {}
    for record in delivery_history(session, notification_ids=[n.id for n in notes]):
        history.setdefault(record.notification_id, []).append(record)
    names = _names(session, {n.person_id for n in notes})
    by_step: dict[int | None, list[Delivery]] = {}
    for n in notes:
        delivery = Delivery(n, names.get(n.person_id or 0, n.address), history.get(n.id, []))
        by_step.setdefault(n.escalation_id, []).append(delivery)
    ids = {o.key: o.id for o in obligations}
    steps = {
        (e.obligation_id, e.step_key): e.id
        for e in escalations_of(session, incident_id=incident_id)
    }
    entries = []
    for event in events_of(session, incident_id=incident_id):
        step = steps.get((ids.get(event.data.get("obligation", ""), 0), event.data.get("step", "")))
        told = by_step.pop(step, []) if event.kind == "escalation_fired" and step else []
        entries.append(Entry(event.at, event.kind, event.data, told))
    loose = [d for rest in by_step.values() for d in rest]
    entries += [Entry(d.notification.created_at, "notification", {}, [d]) for d in loose]
    return sorted(entries, key=lambda e: e.at)


def _names(session: Session, person_ids: set[int | None]) -> dict[int, str]:
    """People's names by id."""
    wanted = {i for i in person_ids if i}
    if not wanted:
        return {}
    return {p.id: p.name for p in session.scalars(select(m.Person).where(m.Person.id.in_(wanted)))}


def _parse(text: Any) -> datetime | None:
    """A stored RFC 3339 time, or None."""
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


def _missing(filing: m.Filing) -> list[str]:
    """What a first report still lacks of a complete one (DOMAIN.md §5)."""
    if filing.kind not in ("phone", "initial"):
        return []
    return [name for name in COMPLETE_REPORT if name not in filing.payload]


def _numeral(number: int | None, language: str) -> str:
    """续报一, 续报二 … in Chinese; 1, 2 … otherwise."""
    if number is None:
        return ""
    if language != "zh_CN" or not 0 < number < 100:
        return str(number)
    digits = "零一二三四五六七八九"
    tens, ones = divmod(number, 10)
    if not tens:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _prefill(session: Session, incident: m.Incident, zone: ZoneInfo) -> dict[str, str]:
    """What is known already, to start the unit's first phone report from."""
    values = {"title": incident.title, "category": incident.category}
    values["occurred_at"] = incident.occurred_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    values |= {"severity": incident.severity or ""}
    values |= {n: "on" for n in ("sensitive", "classified") if getattr(incident, n)}
    for filing in filings_of(session, incident_id=incident.id):
        location = filing.payload.get("location") or {}
        values |= {f"location.{k}": str(v) for k, v in location.items()}
    return values


# -- rendering ------------------------------------------------------------------------------


def _render_incident(
    ctx: PageContext,
    incident: m.Incident,
    *,
    template: str = "incident.html",
    done: str = "",
    open_form: str = "",
    values: dict[str, str] | None = None,
    refused: FormRefused | None = None,
) -> HTMLResponse:
    """The incident page (or its live part), with one form's problems when it was refused."""
    zone = ctx.services.settings.rules.timezone
    return ctx.pages.render(
        ctx.request,
        template,
        ctx.viewer,
        **_incident_view(ctx, incident, whole=not template.startswith("_")),
        refresh=REFRESH_SECONDS,
        may_act=ctx.viewer.user.role in ACTORS,
        may_ack=lambda o: _unreported(o) and _may_acknowledge(ctx, o),
        unreported=_unreported,
        done=done if done in FLASHES else "",
        prefill=_prefill(ctx.session, incident, zone),
        **_form_state(open_form, values, refused),
        **_helpers(ctx),
    )


def _incident_view(ctx: PageContext, incident: m.Incident, *, whole: bool) -> dict[str, Any]:
    """What the incident templates show; the timeline only for the whole page."""
    session = ctx.session
    obligations = list(obligations_of(session, incident_id=incident.id))
    acks = acknowledgements_of(session, incident_id=incident.id)
    ack_names = _names(session, {a.person_id for a in acks})
    units = session.scalars(select(m.Unit)).all()
    return {
        "now": ctx.services.clock.now(),
        "incident": incident,
        "units": {u.id: u for u in units},
        "codes_to_names": {u.code: u.name for u in units},
        "obligations": obligations,
        "by_key": {o.key: o for o in obligations},
        "waivers": {w.obligation_key: w for w in waivers_of(session, incident_id=incident.id)},
        "acks": [(a, ack_names.get(a.person_id or 0, "")) for a in acks],
        "flags": _flags(incident),
        "filings": filings_of(session, incident_id=incident.id),
        "timeline": _timeline(session, incident.id, obligations) if whole else [],
        "unit_reported": _unit_has_reported(session, incident),
    }


def _render_new(
    ctx: PageContext,
    office: m.Unit,
    *,
    open_form: str = "",
    values: dict[str, str] | None = None,
    refused: FormRefused | None = None,
) -> HTMLResponse:
    """The 登记 page, with one form's problems when it was refused."""
    units = [
        u
        for u in ctx.session.scalars(
            select(m.Unit).where(m.Unit.is_office.is_(False)).order_by(m.Unit.code)
        )
        if reporting_office(ctx.session, unit=u) is office
    ]
    return ctx.pages.render(
        ctx.request,
        "incident_new.html",
        ctx.viewer,
        units=units,
        sources=SOURCES,
        **_form_state(open_form, values, refused),
        **_helpers(ctx),
    )


def _form_state(
    open_form: str, values: dict[str, str] | None, refused: FormRefused | None
) -> dict[str, Any]:
    """Which form was posted, what it held and what was wrong: it opens again as it was."""
    return {
        "status": refused.status if refused else 200,
        "open_form": open_form,
        "values": values or {},
        "errors": refused.errors(values or {}) if refused else {},
    }


def _helpers(ctx: PageContext) -> dict[str, Any]:
    """What the incident templates use besides the page's own data."""
    language = ctx.pages.language(ctx.request)
    return {
        "parse_time": _parse,
        "numeral": lambda n: _numeral(n, language),
        "missing": _missing,
        "figures": FIGURES,
        "reported_rows": REPORTED_ROWS,
        "waiver_max": WAIVER_REASON_MAX,
    }


def _not_found(ctx: PageContext) -> HTMLResponse:
    """The 404 page for an incident that does not exist."""
    return ctx.pages.render(ctx.request, "incident_not_found.html", ctx.viewer, status=404)


def _back(incident_id: int, flash: str) -> RedirectResponse:
    """After a POST: back to the incident page, saying what happened."""
    return RedirectResponse(f"/incidents/{incident_id}?done={flash}", status_code=303)
