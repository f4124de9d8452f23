"""Taking in one filing: who files for whom, checks against what is already known, storing it
and re-assessing the incident. Refuses (alerts.errors) before anything is written; never
commits."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

import rules.model as r
from alerts.config import Settings
from alerts.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound, invalid
from alerts.filing.archiving import refuse_if_archived
from alerts.filing.assessments import FIGURES, reassess
from alerts.filing.report import COMPLETE_REPORT, Report, check_complete
from alerts.storage import models as m
from alerts.storage.inserts import inserted
from alerts.storage.queries import filings_of, reporting_office, unit_by_code
from alerts.timeline import Timeline

_UNIT_KINDS = {r.FilingKind.INITIAL, r.FilingKind.FOLLOWUP, r.FilingKind.FINAL}
_OFFICE_FOR_UNIT = _UNIT_KINDS | {r.FilingKind.PHONE, r.FilingKind.REGISTER}
_OFFICE_OWN = {r.FilingKind.INITIAL, r.FilingKind.UPWARD, r.FilingKind.FOLLOWUP, r.FilingKind.FINAL}


@dataclass(frozen=True)
class Notice:
    """A warning in the answer: what the report still lacks, or a finding about it."""

    code: str
    field: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class FilingOutcome:
    """What was stored and what is now owed."""

    incident: m.Incident
    filing: m.Filing
    obligations: list[m.Obligation]
    unit_codes: dict[int, str]
    notices: list[Notice]


@dataclass(frozen=True)
class _Parties:
    reporting: m.Unit  # whose report it is
    office: m.Unit
    party: r.Party


def file_report(
    session: Session,
    *,
    settings: Settings,
    filer: m.Unit,
    body: Report,
    now: datetime,
    received_at: datetime | None = None,
) -> FilingOutcome:
    """Check, store and assess one filing; Refused (nothing written) when it is refused.

    `received_at` is when the report was received if that was before `now`: the office's own
    upward report is received when its parent says it was (alerts/upward/receipts.py), a
    moment the county learns of only later; the rules place it there, and it meets what was
    owed at that moment. Any other filing is received `now`."""
    if received_at is not None and received_at > now:
        raise ValueError("a report cannot be received after now")
    check_complete(body)
    if body.kind is r.FilingKind.FEEDBACK:
        raise invalid("kind", "feedback_unsupported")
    with session.no_autoflush:  # flush only where an id is needed: this is the hot path
        parties = _resolve_parties(session, filer, body)
        _check_times(body, settings, now)
        incident, previous = _resolve_incident(session, parties, body)
        _check_against_history(incident, previous, parties, body)
        is_new = incident is None
        if incident is None:
            incident = _new_incident(session, parties, body, now)
        else:
            _update_incident_facts(incident, body)
        filing = _store_filing(
            session, incident, parties, filer, body, previous, received_at or now
        )
        owner_code = _owner_code(session, incident, parties)
        timeline = Timeline(incident.id, now)
        timeline.add(
            "filing_received",
            {
                "filing_id": filing.id,
                "kind": filing.kind,
                "party": filing.party,
                "unit": parties.reporting.code,
                "number": filing.number,
            },
        )
        result = reassess(
            session,
            incident=incident,
            unit_code=owner_code,
            office_code=parties.office.code,
            settings=settings,
            now=now,
            filings=[*previous, filing],
            timeline=timeline,
            is_new=is_new,
        )
    codes = {incident.unit_id: owner_code, incident.office_id: parties.office.code}
    notices = _notices(body, result.assessment, filing)
    return FilingOutcome(incident, filing, result.obligations, codes, notices)


def _store_filing(
    session: Session,
    incident: m.Incident,
    parties: _Parties,
    filer: m.Unit,
    body: Report,
    previous: list[m.Filing],
    received_at: datetime,
) -> m.Filing:
    is_followup = body.kind is r.FilingKind.FOLLOWUP
    values = {
        "incident_id": incident.id,
        "unit_id": parties.reporting.id,
        "filed_by_unit_id": filer.id,
        "kind": body.kind.value,
        "party": parties.party.value,
        "number": _followup_number(previous, parties.party) if is_followup else None,
        "received_at": received_at,
        "complete": all(getattr(body, name) is not None for name in COMPLETE_REPORT),
        "payload": body.payload(),
    }
    return inserted(session, m.Filing, values)


def _resolve_parties(session: Session, filer: m.Unit, body: Report) -> _Parties:
    office = reporting_office(session, unit=filer)
    if office is None:
        raise Forbidden()
    if filer.is_office and body.unit and body.unit != filer.code:
        named = unit_by_code(session, code=body.unit)
        if named is None:
            raise invalid("unit", "unknown_unit")
        if named.is_office or reporting_office(session, unit=named) is not office:
            raise invalid("unit", "not_below_office")
        if body.kind not in _OFFICE_FOR_UNIT:
            raise invalid("kind", "choice", choices=", ".join(k.value for k in _OFFICE_FOR_UNIT))
        # a registration is the office's own record about the unit's incident, not the unit's report
        party = r.Party.OFFICE if body.kind is r.FilingKind.REGISTER else r.Party.UNIT
        return _Parties(named, office, party)
    if filer.is_office:
        if body.kind in (r.FilingKind.PHONE, r.FilingKind.REGISTER):
            raise invalid("unit", "unit_required")
        return _Parties(filer, office, r.Party.OFFICE)
    if body.unit and body.unit != filer.code:
        raise Forbidden()
    if body.kind is r.FilingKind.PHONE:
        raise Forbidden(FieldProblem("kind", "unit_cannot_phone"))
    if body.kind not in _UNIT_KINDS:
        raise Forbidden(FieldProblem("kind", "office_only"))
    return _Parties(filer, office, r.Party.UNIT)


def _check_times(body: Report, settings: Settings, now: datetime) -> None:
    latest = now + settings.rules.clock_skew
    late = [
        FieldProblem(path, "in_future") for path, value in body.times().items() if value > latest
    ]
    if late:
        raise Invalid(*late)


def _resolve_incident(
    session: Session, parties: _Parties, body: Report
) -> tuple[m.Incident | None, list[m.Filing]]:
    if body.incident_id is None:
        if body.kind not in (r.FilingKind.INITIAL, r.FilingKind.PHONE, r.FilingKind.REGISTER):
            raise invalid("incident_id", "incident_required")
        return None, []
    incident = session.get(m.Incident, body.incident_id)
    if incident is None:
        raise NotFound("incident_not_found")
    if incident.office_id != parties.office.id:
        raise Forbidden()
    if parties.party is r.Party.UNIT and incident.unit_id != parties.reporting.id:
        raise Forbidden()
    return incident, list(filings_of(session, incident_id=incident.id))


def _check_against_history(
    incident: m.Incident | None, previous: list[m.Filing], parties: _Parties, body: Report
) -> None:
    refuse_if_archived(incident)
    mine = [f for f in previous if f.party == parties.party.value]
    kind = body.kind
    closed = incident is not None and incident.state == "closed"
    if closed and kind is r.FilingKind.FOLLOWUP:
        raise Conflict("incident_closed")
    if kind is r.FilingKind.FINAL and any(f.kind == "final" for f in mine):
        raise Conflict("final_exists")
    reported = any(f.kind in ("initial", "followup", "final") for f in mine)
    if kind in (r.FilingKind.INITIAL, r.FilingKind.PHONE) and incident is not None and reported:
        raise Conflict("initial_exists")
    if (
        incident is not None
        and body.learned_at
        and body.learned_at < incident.occurred_at
        and not body.occurred_at
    ):
        raise invalid("learned_at", "before_occurred")
    figures = _latest_figures(previous)
    problems = []
    stated = body.stated_figures()
    for name, value in stated.items():
        old = figures.get(name)
        if (
            isinstance(value, int)
            and isinstance(old, int)
            and value < old
            and not body.casualty_correction
        ):
            problems.append(FieldProblem(f"casualties.{name}", "decrease_unexplained"))
    if kind is r.FilingKind.FINAL:
        merged = figures | stated
        problems += [
            FieldProblem(f"casualties.{name}", "unknown_in_final")
            for name in FIGURES
            if merged.get(name) == r.UNKNOWN
        ]
        loss = body.direct_loss_wan_yuan
        if loss is None:
            loss = next(
                (
                    f.payload.get("direct_loss_wan_yuan")
                    for f in reversed(previous)
                    if "direct_loss_wan_yuan" in f.payload
                ),
                None,
            )
        if loss == r.UNKNOWN:
            problems.append(FieldProblem("direct_loss_wan_yuan", "unknown_in_final"))
    if problems:
        raise Invalid(*problems)


def _latest_figures(previous: list[m.Filing]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for filing in previous:
        figures.update(
            {k: v for k, v in (filing.payload.get("casualties") or {}).items() if v is not None}
        )
    return figures


def _new_incident(session: Session, parties: _Parties, body: Report, now: datetime) -> m.Incident:
    assert body.occurred_at and body.category and body.title
    incident = m.Incident(
        unit_id=parties.reporting.id,
        office_id=parties.office.id,
        title=body.title,
        category=body.category.value,
        clock_severity="",
        state="",
        occurred_at=body.occurred_at,
        created_at=now,
        updated_at=now,
        flags=[],
    )
    _update_incident_facts(incident, body)
    return inserted(session, m.Incident, _column_values(incident))


def _column_values(row: m.Incident) -> dict[str, Any]:
    """The columns set on a transient row, to insert it with one statement."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key in row.__dict__}


def _update_incident_facts(incident: m.Incident, body: Report) -> None:
    for name in ("title", "external_ref", "sensitive", "classified", "occurred_at"):
        value = getattr(body, name)
        if value is not None and not (name == "occurred_at" and incident.occurred_at):
            setattr(incident, name, value)
    if body.category is not None:
        incident.category = body.category.value


def _followup_number(previous: list[m.Filing], party: r.Party) -> int:
    return 1 + sum(1 for f in previous if f.kind == "followup" and f.party == party.value)


def _owner_code(session: Session, incident: m.Incident, parties: _Parties) -> str:
    if incident.unit_id == parties.reporting.id:
        return parties.reporting.code
    owner = session.get(m.Unit, incident.unit_id)
    assert owner is not None
    return owner.code


def _notices(body: Report, assessment: r.Assessment, filing: m.Filing) -> list[Notice]:
    notices = [Notice("ignored_field", key, {"field": key}) for key in body.ignored_keys]
    if body.kind in (r.FilingKind.INITIAL, r.FilingKind.PHONE):
        wanted = [*COMPLETE_REPORT, *(("signed_by",) if body.kind is r.FilingKind.INITIAL else ())]
        notices += [
            Notice("missing", name, {"field": name})
            for name in wanted
            if getattr(body, name) is None
        ]
    stated = body.stated_figures()
    notices += [
        Notice("unknown_figure", f"casualties.{name}", {"field": f"casualties.{name}"})
        for name, value in stated.items()
        if value == r.UNKNOWN
    ]
    if body.direct_loss_wan_yuan == r.UNKNOWN:
        notices.append(
            Notice("unknown_figure", "direct_loss_wan_yuan", {"field": "direct_loss_wan_yuan"})
        )
    for flag in assessment.flags:
        if flag.filing_id != filing.id:
            continue
        if flag.code == "under_graded" and flag.implied_severity is not None:
            grade = assessment.severity.value if assessment.severity else "-"
            implied = {"implied": flag.implied_severity.value, "stated": grade}
            notices.append(Notice("under_graded", "severity", implied))
        elif flag.code == "chain_breach":
            notices.append(Notice("chain_breach", "already_reported_to"))
    return notices
