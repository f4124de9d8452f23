"""The instruction pages' forms: the 登记批示 form as a `NewInstruction`, the feedback form as a
report (`kind: feedback`, read by the same rules as the webhook's body), and what either gets
wrong as problems next to the inputs they belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from alerts.dashboard.pages.incident_forms import FormRefused, Problem, form_report, refused_form
from alerts.errors import Refused
from alerts.filing.report import Report
from alerts.instructions.recording import NewInstruction

KINDS = ("act", "guidance", "reference")  # 批办, 指导, 参阅
LEVELS = ("county", "city", "province")
UNITS = "units"  # where problems with the responsible units are shown
_LIMITS = {"issuer_name": 100, "issuer_post": 200, "text": 8000}
_CHOICES = {"kind": KINDS, "issuer_level": LEVELS}


def new_instruction(form: dict[str, str], zone: ZoneInfo, codes: list[str]) -> NewInstruction:
    """The instruction the form states, its responsible units ticked among `codes`;
    FormRefused naming every input that is missing or wrong."""
    problems: list[Problem] = []
    said = {name: form.get(name, "").strip() for name in (*_LIMITS, *_CHOICES)}
    for name, text in said.items():
        if not text:
            problems.append((name, "problem.required", {}))
        elif name in _LIMITS and len(text) > _LIMITS[name]:
            problems.append((name, "problem.too_long", {"max": _LIMITS[name]}))
        elif name in _CHOICES and text not in _CHOICES[name]:
            problems.append((name, "problem.required", {}))
    received = _time(form, "received_at", zone, problems, required=True)
    deadline = _time(form, "deadline_at", zone, problems, required=False)
    units = tuple(code for code in codes if f"unit.{code}" in form)
    if not units:
        problems.append((UNITS, "problem.required", {}))
    incident = form.get("incident_id", "").strip()
    if incident and not incident.isdigit():
        problems.append(("incident_id", "problem.unknown_incident", {}))
    if problems or received is None:
        raise FormRefused(422, problems)
    return NewInstruction(
        issuer_name=said["issuer_name"],
        issuer_post=said["issuer_post"],
        issuer_level=said["issuer_level"],
        kind=said["kind"],
        text=said["text"],
        received_at=received,
        units=units,
        deadline_at=deadline,
        incident_id=int(incident) if incident else None,
    )


def recording_refused(refused: Refused) -> FormRefused:
    """What record_instruction refused, with `units.N` shown beside the units' boxes."""
    wrong = refused_form(refused, status=422, said=False)
    problems = [
        (UNITS if path.startswith(f"{UNITS}.") else path, key, params)
        for path, key, params in wrong.problems
    ]
    return FormRefused(wrong.status, problems)


def feedback_report(form: dict[str, str], *, instruction_id: int, unit: str) -> Report:
    """The feedback form as the report the API's `kind: feedback` filing would be; who
    reports is optional, but all three of name, post and phone when given."""
    body: dict[str, Any] = {"kind": "feedback", "instruction_id": instruction_id, "unit": unit}
    if description := form.get("description", "").strip():
        body["description"] = description
    reporter = {
        p: v for p in ("name", "post", "phone") if (v := form.get(f"reporter.{p}", "").strip())
    }
    if reporter:
        body["reporter"] = reporter
    return form_report(body)


def local_input(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as a datetime-local input holds it."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _time(
    form: dict[str, str], name: str, zone: ZoneInfo, problems: list[Problem], *, required: bool
) -> datetime | None:
    """A datetime-local value read in the configured zone."""
    text = form.get(name, "").strip()
    if not text:
        if required:
            problems.append((name, "problem.required", {}))
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append((name, "ui_incident.problem_time", {}))
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
