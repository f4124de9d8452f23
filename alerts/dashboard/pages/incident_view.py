"""What the incident pages show: one incident with every report, obligation, acknowledgement,
finding, notice, leader instruction and timeline entry, each escalation step with the messages
it sent and their delivery history; the 登记 page's units; and a refused form as it was posted.
Reads only; the routes in incidents.py decide who sees it and what they may do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.dashboard.charts import clock_chart
from alerts.dashboard.pages.common import PageContext
from alerts.dashboard.pages.incident_forms import REPORTED_ROWS, SOURCES, FormRefused
from alerts.filing.assessments import FIGURES
from alerts.filing.report import COMPLETE_REPORT
from alerts.filing.waivers import REASON_MAX
from alerts.notices.access import view_of
from alerts.records import evidence
from alerts.records.findings import DECIDER_ROLES, EVIDENCE_MAX, findings_on
from alerts.records.findings import REASON_MAX as FINDING_REASON_MAX
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
from alerts.storage.queries.instruction_listing import InstructionLine, instructions_on
from alerts.upward.delivery import delivery_states
from alerts.upward.drafts import reports_of

REFRESH_SECONDS = 15

# findings whose message names their parameters; the others are shown by their label
_FLAG_MESSAGES = {
    "under_graded": "warning.under_graded",
    "concealment_suspected": "warning.concealment",
}


@dataclass(frozen=True)
class FormState:
    """Which form was posted, what it held and what was wrong: it opens again as it was."""

    open_form: str = ""
    values: dict[str, str] = field(default_factory=dict)
    refused: FormRefused | None = None

    def context(self) -> dict[str, Any]:
        """The template variables of the form."""
        return {
            "status": self.refused.status if self.refused else 200,
            "open_form": self.open_form,
            "values": self.values,
            "errors": self.refused.errors(self.values) if self.refused else {},
        }


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


def render_incident(
    ctx: PageContext,
    incident: m.Incident,
    *,
    template: str,
    done: str,
    form: FormState,
    may_act: bool,
    may_ack: Callable[[m.Obligation], bool],
    may_archive: bool = False,
) -> HTMLResponse:
    """The incident page (or its live part)."""
    zone = ctx.services.settings.rules.timezone
    whole = not template.startswith("_")
    return ctx.pages.render(
        ctx.request,
        template,
        ctx.viewer,
        **incident_view(
            ctx.session, incident, now=ctx.services.clock.now(), zone=zone, whole=whole
        ),
        instructions=_instructions(ctx, incident) if whole else [],
        notices=_notices(ctx, incident) if whole else [],
        refresh=REFRESH_SECONDS,
        may_act=may_act and incident.archived_at is None,
        may_ack=may_ack,
        may_archive=may_archive,
        may_decide=ctx.viewer.user.role in DECIDER_ROLES,
        # an instruction's clocks are waived on no incident form (docs/api.md: not implemented)
        unreported=lambda o: o.still_owed and o.instruction_id is None,
        done=done,
        prefill=prefill(ctx.session, incident, zone),
        **form.context(),
        **helpers(ctx.pages.language(ctx.request)),
    )


def _instructions(ctx: PageContext, incident: m.Incident) -> list[InstructionLine]:
    """The instructions written on the incident: all of them for the office's people, those
    naming the viewer's unit for a unit officer."""
    viewer = ctx.viewer
    unit_id = None if viewer.sees_everything else viewer.unit.id
    return instructions_on(ctx.session, incident_id=incident.id, unit_id=unit_id)


def _notices(ctx: PageContext, incident: m.Incident) -> Sequence[m.Notice]:
    """The notices about the incident the viewer reads (alerts/notices/access.py)."""
    view = view_of(ctx.session, ctx.viewer.unit, office_reader=ctx.viewer.sees_everything)
    return view.notices(ctx.session, incident_id=incident.id) if view else []


def render_new(ctx: PageContext, office: m.Unit, form: FormState) -> HTMLResponse:
    """The 登记 page: the units reporting to `office` to log for."""
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
        **form.context(),
        **helpers(ctx.pages.language(ctx.request)),
    )


def incident_view(
    session: Session, incident: m.Incident, *, now: datetime, zone: tzinfo, whole: bool
) -> dict[str, Any]:
    """What the incident templates show; the timeline only for the whole page."""
    obligations = list(obligations_of(session, incident_id=incident.id))
    filings = filings_of(session, incident_id=incident.id)
    acks = acknowledgements_of(session, incident_id=incident.id)
    ack_names = _names(session, {a.person_id for a in acks})
    units = session.scalars(select(m.Unit)).all()
    return {
        "now": now,
        "incident": incident,
        "units": {u.id: u for u in units},
        "codes_to_names": {u.code: u.name for u in units},
        "obligations": obligations,
        "chart": clock_chart(obligations, now, zone),
        "by_key": {o.key: o for o in obligations},
        "waivers": {w.obligation_key: w for w in waivers_of(session, incident_id=incident.id)},
        "acks": [(a, ack_names.get(a.person_id or 0, "")) for a in acks],
        "flags": flags(incident),
        "filings": filings,
        "phone_gaps": phone_gaps(filings),
        "timeline": timeline(session, incident.id, obligations) if whole else [],
        "findings": findings_on(session, incident) if whole else [],
        "unit_reported": _has_reported(filings),
        "upward_reports": reports_of(session, incident_id=incident.id) if whole else [],
        "upward_states": delivery_states(session, incident.id) if whole else {},
    }


def helpers(language: str) -> dict[str, Any]:
    """What the incident templates use besides the page's own data."""
    return {
        "parse_time": parse_time,
        "numeral": lambda n: numeral(n, language),
        "missing": missing,
        "figures": FIGURES,
        "reported_rows": REPORTED_ROWS,
        "waiver_max": REASON_MAX,
        "finding_reason_max": FINDING_REASON_MAX,
        "finding_evidence_max": EVIDENCE_MAX,
        "evidence_limits": {
            "files": evidence.MAX_FILES,
            "each": evidence.MAX_FILE_BYTES // (1024 * 1024),
            "total": evidence.MAX_TOTAL_BYTES // (1024 * 1024),
            "types": evidence.ALLOWED,
        },
    }


def unit_has_reported(session: Session, incident: m.Incident) -> bool:
    """The unit has made its first report (in writing, or by a phone log with every element:
    one lacking some is completed by another phone log, not followed up)."""
    return _has_reported(filings_of(session, incident_id=incident.id))


def _has_reported(filings: Sequence[m.Filing]) -> bool:
    return any(f.party == "unit" and not (f.kind == "phone" and missing(f)) for f in filings)


def phone_gaps(filings: Sequence[m.Filing]) -> list[str]:
    """What the unit's phone log still lacks while it is the unit's only report, so the first
    report it was meant to be is not made yet (电话报告要素不全); [] otherwise."""
    if _has_reported(filings):
        return []
    phoned = [f for f in filings if f.party == "unit" and f.kind == "phone"]
    return missing(phoned[-1]) if phoned else []


def flags(incident: m.Incident) -> list[dict[str, Any]]:
    """The incident's findings, each with the catalogue message that shows it and its
    parameters (a finding stored without them is shown by its label)."""
    found = []
    for flag in incident.flags or []:
        params = flag.get("params") or {}
        code = str(flag.get("code", ""))
        key = _FLAG_MESSAGES.get(code) if params else None
        message = key or f"ui_incident.flag_{code}"
        found.append(
            {**flag, "at": parse_time(flag.get("at")), "message": message, "params": params}
        )
    return found


def timeline(session: Session, incident_id: int, obligations: list[m.Obligation]) -> list[Entry]:
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


def parse_time(text: Any) -> datetime | None:
    """A stored RFC 3339 time, or None."""
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


def missing(filing: m.Filing) -> list[str]:
    """What a first report still lacks of a complete one (docs/api.md)."""
    if filing.kind not in ("phone", "initial"):
        return []
    return [name for name in COMPLETE_REPORT if name not in filing.payload]


def numeral(number: int | None, language: str) -> str:
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


def prefill(session: Session, incident: m.Incident, zone: ZoneInfo) -> dict[str, str]:
    """What is known already, to start the unit's first phone report from."""
    values = {"title": incident.title, "category": incident.category}
    values["occurred_at"] = incident.occurred_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    values |= {"severity": incident.severity or ""}
    values |= {n: "on" for n in ("sensitive", "classified") if getattr(incident, n)}
    for filing in filings_of(session, incident_id=incident.id):
        location = filing.payload.get("location") or {}
        values |= {f"location.{k}": str(v) for k, v in location.items()}
        if filing.party == "unit" and filing.kind == "phone":  # completing it: what it said
            values |= _phone_values(filing.payload, zone)
    return values


def _phone_values(payload: dict[str, Any], zone: ZoneInfo) -> dict[str, str]:
    """A phone log's answers as its form's fields, to complete it without typing them again."""
    values = {
        name: str(payload[name])
        for name in ("description", "extent", "measures", "leaders_informed")
        if isinstance(payload.get(name), str)
    }
    loss = payload.get("direct_loss_wan_yuan")
    if loss is not None:
        values["direct_loss_wan_yuan"] = str(loss)
    for name in ("occurred_at", "learned_at"):
        moment = parse_time(payload.get(name))
        if moment is not None:
            values[name] = moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    for part in ("casualties", "reporter"):
        for key, value in (payload.get(part) or {}).items():
            values[f"{part}.{key}"] = str(value)
    if isinstance(payload.get("subtype"), str):
        values["subtype"] = payload["subtype"]
    told = payload.get("already_reported_to")
    if told == []:
        values["already_reported_none"] = "on"
    for index, whom in enumerate(told or []):
        prefix = f"already_reported_to.{index}"
        values[f"{prefix}.to"] = str(whom.get("to", ""))
        values[f"{prefix}.level"] = str(whom.get("level", ""))
        moment = parse_time(whom.get("at"))
        if moment is not None:
            values[f"{prefix}.at"] = moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    return values
