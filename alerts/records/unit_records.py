"""Each unit's record over a period (rules/compliance.py over what is stored), as the records page,
its CSV and XLSX, and the bulletins show it: one computation, so their figures cannot differ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy.orm import Session

from alerts.records.findings import scored
from alerts.storage import models as m
from alerts.storage.queries.findings import finding_states
from alerts.storage.queries.records import (
    duty_checks_due,
    first_own_reports,
    incidents_alive,
    obligations_due,
)
from rules import compliance as c
from rules.findings import missed_key


@dataclass(frozen=True)
class Row:
    """A unit and its record."""

    unit: m.Unit
    record: c.UnitRecord


def unit_records(
    session: Session, units: Sequence[m.Unit], span: c.Period, now: datetime
) -> list[Row]:
    """The record of each of `units` over `span` as it stands at `now`, in their order."""
    codes = {u.id: u.code for u in units}
    records = c.unit_records(
        [u.code for u in units],
        period=span,
        now=now,
        obligations=_obligations(session, codes, span),
        flags=_flags(session, codes, span),
        incidents=_incidents(session, codes, span),
        checks=_checks(session, codes, span),
    )
    return [Row(u, r) for u, r in zip(units, records, strict=True)]


def county_by_month(
    session: Session, units: Sequence[m.Unit], months: Sequence[c.Period], now: datetime
) -> list[c.UnitRecord]:
    """The units' records summed, one per month of `months` (for the county's trend)."""
    summed = []
    for month in months:
        rows = unit_records(session, units, month, now)
        totals = {
            f.name: sum(getattr(r.record, f.name) for r in rows)
            for f in fields(c.UnitRecord)
            if f.name not in ("unit", "score")
        }
        summed.append(c.UnitRecord("*", **totals))
    return summed


def _obligations(session: Session, codes: dict[int, str], span: c.Period) -> list[c.ObligationFact]:
    rows = obligations_due(session, unit_ids=list(codes), start=span.start, end=span.end)
    states = finding_states(session, unit_ids=list(codes))  # what the section decided
    return [
        c.ObligationFact(
            codes[o.owed_by_unit_id],
            o.kind,
            o.status,
            o.due_at,
            o.late_minutes,
            o.after_chasing,
            **scored(states, o.incident_id, missed_key(o.key)),
        )
        for o in rows
    ]


def _flags(session: Session, codes: dict[int, str], span: c.Period) -> list[c.FlagFact]:
    """Flags stored on incidents, each as the section decided its finding (a candidate till
    then)."""
    incidents = incidents_alive(session, unit_ids=list(codes), start=span.start, end=span.end)
    states = finding_states(session, unit_ids=list(codes))
    return [
        c.FlagFact(
            codes[i.unit_id],
            i.id,
            str(f.get("code")),
            datetime.fromisoformat(f["at"]),
            **scored(states, i.id, str(f.get("code"))),
        )
        for i in incidents
        for f in (i.flags or [])
        if isinstance(f, dict) and f.get("at")
    ]


def _incidents(session: Session, codes: dict[int, str], span: c.Period) -> list[c.IncidentFact]:
    """Incidents each unit reported itself (initial report or phone log), at its first report."""
    rows = first_own_reports(session, unit_ids=list(codes), before=span.end)
    return [c.IncidentFact(codes[unit_id], first) for unit_id, first in rows]


def _checks(session: Session, codes: dict[int, str], span: c.Period) -> list[c.DutyCheckFact]:
    rows = duty_checks_due(session, unit_ids=list(codes), start=span.start, end=span.end)
    return [c.DutyCheckFact(codes[k.unit_id], k.due_at, k.answered_at) for k in rows]
