"""The incident pages' forms as reports, and refusals as form problems.

A report form (phone log, registration, follow-up) becomes the plain data of a report, read by
the same rules as the webhook's body (alerts/filing/report.py); what the page itself finds
wrong (a time that is not one, a missing unit or source) and whatever the domain refuses come
back as problems next to the posted inputs they belong to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from alerts.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    Invalid,
    NotFound,
    Refused,
    TooLarge,
    Unsupported,
)
from alerts.filing.assessments import FIGURES
from alerts.filing.report import Report, check_complete, read_report
from alerts.i18n import Translator

SOURCES = ("media", "police", "above", "public", "department", "other")
REPORTED_ROWS = 2
_UNKNOWN_WORDS = {"unknown", "不详", "未知", "不明", "?", "？"}
# problems a form words its own way (ui_incident.problem_…) rather than as the API does
_OWN_PROBLEMS = {
    "time",
    "whole_number",
    "loss",
    "before_occurred",
    "decrease_unexplained",
    "not_open",
}
_TEXTS = (
    *("unit", "category", "subtype", "severity", "title", "external_ref", "description"),
    *("extent", "measures", "leaders_informed", "casualty_correction"),
)
_SWITCHES = {
    "phone": ("sensitive", "classified"),
    "register": ("sensitive", "classified"),
    "followup": ("material_change", "handling_finished"),
}
_STATUSES: dict[type[Refused], int] = {
    Invalid: 422,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    TooLarge: 413,
    Unsupported: 415,
}
Problem = tuple[str, str, dict[str, Any]]  # input name, catalogue key, parameters


class FormRefused(Exception):
    """A form the page or the domain refused: problems by field, and the HTTP status to answer."""

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


def refused_form(refused: Refused, *, status: int | None = None, said: bool = True) -> FormRefused:
    """The domain's refusal as the form shows it: each field's problem, and (if `said`) what the
    refusal says as a whole; answered with `status`, or the status its kind calls for."""
    problems = form_problems(refused.fields)
    if said:
        problems.append(("", f"error.{refused.code}", refused.params))
    return FormRefused(status or _STATUSES.get(type(refused), 422), problems)


def form_problems(fields: Iterable[FieldProblem]) -> list[Problem]:
    """Field problems as catalogue keys; a few read better worded for a form."""
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


def form_report(body: dict[str, Any]) -> Report:
    """The report a form's body states, complete for its kind; FormRefused with every field's
    problem (as the webhook's body is checked before intake looks at it)."""
    try:
        report = read_report(body)
        check_complete(report)
        return report
    except Invalid as refused:
        raise FormRefused(422, form_problems(refused.fields)) from refused


def report_body(
    form: dict[str, str], kind: str, zone: ZoneInfo, *, need_unit: bool = False
) -> dict[str, Any]:
    """A report's data from a report form; FormRefused for a missing unit or source, or a time
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
        check_complete(read_report(body))
    except Invalid as refused:
        return [p for p in form_problems(refused.fields) if p[0] not in named]
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
    """A casualty figure: a whole number, `unknown`, or the text itself for the rules to refuse."""
    if text.lower() in _UNKNOWN_WORDS:
        return "unknown"
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def _loss(text: str) -> float | int | str:
    """Direct loss in 万元, `unknown`, or the text itself for the rules to refuse."""
    if text.lower() in _UNKNOWN_WORDS:
        return "unknown"
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def with_source(
    body: dict[str, Any], form: dict[str, str], translate: Translator
) -> dict[str, Any]:
    """A registration says where the office learned of it, first in its description (kept in
    the office's language)."""
    source = form["source"]  # checked by report_body
    said = translate(f"ui_incident.source_{source}")
    if detail := form.get("source_detail", "").strip():
        said = translate("ui_incident.source_with_detail", source=said, detail=detail)
    if "description" in body:
        body["description"] = (
            translate("ui_incident.source_line", source=said) + body["description"]
        )
    return body
