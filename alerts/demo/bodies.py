"""The webhook bodies of the demo's scripted filings, exactly as a filing system would send them,
with times turned from minutes before the seed into RFC 3339 in the local zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alerts.demo.data import (
    COUNTY,
    DEMO_UNIT,
    OFFICE,
    People,
    PersonSpec,
    ReportedTo,
    Scenario,
    Step,
)


@dataclass(frozen=True)
class Moments:
    """Minutes before the seed's start, as aware datetimes and as RFC 3339 in the local zone."""

    base: datetime
    zone: ZoneInfo

    def at(self, ago: int) -> datetime:
        """The moment `ago` minutes before the base."""
        return self.base - timedelta(minutes=ago)

    def iso(self, ago: int) -> str:
        """The same moment as RFC 3339 in the local zone."""
        return self.at(ago).astimezone(self.zone).isoformat()


def filing_body(
    scenario: Scenario, step: Step, people: People, moments: Moments, incident_id: int | None
) -> dict[str, Any]:
    """The webhook body of one scripted filing."""
    if step.kind in ("initial", "phone"):
        body = _first_report(scenario, step, people, moments)
    elif step.kind == "register":
        body = _registration(scenario, step, moments)
    else:
        party = OFFICE if step.by == "office" else scenario.unit
        signer = "director" if step.by == "office" else "leader"
        body = {
            "kind": step.kind,
            "incident_id": incident_id,
            "description": step.description,
            "reporter": _reporter(people[party]),
            "signed_by": _person(people[party], signer).name,
        }
    return {key: value for key, value in {**body, **step.extra}.items() if key not in step.omit}


def _first_report(
    scenario: Scenario, step: Step, people: People, moments: Moments
) -> dict[str, Any]:
    s = scenario
    body: dict[str, Any] = {
        "kind": step.kind,
        "external_ref": s.ref,
        "occurred_at": moments.iso(s.occurred_ago),
        "learned_at": moments.iso(s.learned_ago if s.learned_ago is not None else s.occurred_ago),
        "category": s.category,
        "subtype": s.subtype,
        "severity": s.severity,
        "sensitive": s.sensitive,
        "classified": False,
        "title": s.title,
        "location": {"area": s.area, "address": s.address},
        "description": step.description,
        "extent": s.extent,
        "casualties": dict(s.casualties),
        "direct_loss_wan_yuan": s.loss,
        "measures": s.measures,
        "leaders_informed": s.leaders,
        "already_reported_to": _reported_to(s.reported_to, moments),
        "reporter": _reporter(people[s.unit]),
    }
    if step.kind == "phone":
        body["unit"] = s.unit  # the duty room logs the call for the township
    else:
        body["signed_by"] = _person(people[s.unit], "leader").name
    return {key: value for key, value in body.items() if value is not None}


def _registration(scenario: Scenario, step: Step, moments: Moments) -> dict[str, Any]:
    s = scenario
    body: dict[str, Any] = {
        "kind": "register",
        "unit": s.unit,
        "external_ref": s.ref,
        "occurred_at": moments.iso(s.occurred_ago),
        "category": s.category,
        "severity": s.severity,
        "sensitive": s.sensitive,
        "title": s.title,
        "location": {"area": s.area, "address": s.address},
        "description": step.description,
    }
    return {key: value for key, value in body.items() if value is not None}


def _reported_to(told: tuple[ReportedTo, ...], moments: Moments) -> list[dict[str, str]]:
    return [{"to": r.to, "level": r.level, "at": moments.iso(r.ago)} for r in told]


def _person(members: tuple[PersonSpec, ...], role: str) -> PersonSpec:
    return next(p for p in members if p.role == role)


def _reporter(members: tuple[PersonSpec, ...]) -> dict[str, str]:
    duty = _person(members, "duty_officer")
    return {"name": duty.name, "post": duty.post, "phone": duty.phone}


def try_it_body(zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """A complete initial report of something that happened an hour before `now`."""
    moments = Moments(now.replace(second=0, microsecond=0), zone)
    qdh = next(unit.people for unit in COUNTY.units if unit.code == DEMO_UNIT)
    example = COUNTY.try_it
    return {
        **example.body,
        "occurred_at": moments.iso(example.occurred_ago),
        "learned_at": moments.iso(example.learned_ago),
        "already_reported_to": _reported_to(example.reported_to, moments),
        "signed_by": _person(qdh, "leader").name,
        "reporter": _reporter(qdh),
    }
