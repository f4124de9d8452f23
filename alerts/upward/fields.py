"""An upward report's fields: which a kind of report has, what the units' reports prefill them
with, and the check that makes a draft a filing the parent's Jibao will take.

The fields are a filing's (CONTRACT.md §2) as the parent's `POST /api/v1/filings` takes them:
the county is one of the parent's units, so its 首报 is the parent's `initial`, its 续报 a
`followup` and its 终报 a `final`. They are checked by the same rules as any filing here
(alerts/filing/report.py), so what the leader approves is what the parent accepts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

import rules.model as r
from alerts.errors import FieldProblem, Invalid
from alerts.filing.assessments import FIGURES
from alerts.filing.report import check_complete, read_report
from alerts.storage import models as m

KINDS = ("first", "followup", "final")  # 首报, 续报, 终报 to the parent
PARENT_KIND = {"first": "initial", "followup": "followup", "final": "final"}
# the office's own filing that records a received report here and meets what it owed
OWN_KIND = {
    "first": r.FilingKind.UPWARD,
    "followup": r.FilingKind.FOLLOWUP,
    "final": r.FilingKind.FINAL,
}
_COMMON = (
    *("description", "severity", "extent", "casualties", "direct_loss_wan_yuan"),
    *("measures", "leaders_informed", "reporter"),
)
FIELDS: dict[str, tuple[str, ...]] = {
    "first": (
        *("title", "occurred_at", "learned_at", "category", "subtype", "sensitive"),
        *("classified", "location", "already_reported_to", "external_ref", *_COMMON),
    ),
    "followup": (
        *(*_COMMON, "casualty_correction", "sensitive"),
        *("material_change", "handling_finished"),
    ),
    "final": (*_COMMON, "casualty_correction"),
}
_STATED = (
    *("subtype", "location", "description", "extent", "direct_loss_wan_yuan", "measures"),
    "leaders_informed",
)


def prefill(
    incident: m.Incident,
    filings: Sequence[m.Filing],
    kind: str,
    *,
    reporter: Mapping[str, str] | None,
    zone: tzinfo,
) -> dict[str, Any]:
    """The fields of a new report of `kind`: what the incident's reports say now (the latest
    of each, figures cumulative), who reports (when all of name, post and phone are known);
    times in `zone`, as people read them."""
    merged, figures = _merged(filings)
    found: dict[str, Any] = {k: merged[k] for k in _STATED if k in merged}
    if figures:
        found["casualties"] = {k: figures.get(k, 0) for k in FIGURES}
    if incident.severity:
        found["severity"] = incident.severity
    if reporter and all(reporter.get(k) for k in ("name", "post", "phone")):
        found["reporter"] = {k: reporter[k] for k in ("name", "post", "phone")}
    if kind == "first":
        learned = max(incident.created_at, incident.occurred_at)
        found |= {
            "title": incident.title,
            "occurred_at": incident.occurred_at.astimezone(zone).isoformat(),
            "learned_at": learned.astimezone(zone).isoformat(),
            "category": incident.category,
            "sensitive": incident.sensitive,
            "classified": incident.classified,
            "already_reported_to": [],  # nobody above the parent has had it from us
        }
    return {k: v for k, v in found.items() if k in FIELDS[kind]}


def _merged(filings: Iterable[m.Filing]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The latest value of each field over the units' reports and the office's registrations
    (not its own upward reports), and the cumulative figures."""
    merged: dict[str, Any] = {}
    figures: dict[str, Any] = {}
    for filing in sorted(filings, key=lambda f: (f.received_at, f.id)):
        if filing.party == "office" and filing.kind != "register":
            continue
        payload = filing.payload
        merged |= {k: payload[k] for k in _STATED if payload.get(k) is not None}
        figures |= {k: v for k, v in (payload.get("casualties") or {}).items() if v is not None}
    return merged, figures


def checked(
    kind: str,
    fields: Mapping[str, Any],
    *,
    now: datetime,
    skew: timedelta,
    figures_before: Mapping[str, Any],
) -> dict[str, Any]:
    """The fields as the parent's filing of `kind` takes them (normalised: grades as I–IV,
    times RFC 3339); Invalid naming every field that is wrong, missing, not of this kind, in
    the future, a figure that fell without a correction, or unknown in a 终报."""
    strange = [FieldProblem(k, "not_allowed_here") for k in fields if k not in FIELDS[kind]]
    if strange:
        raise Invalid(*strange)
    body = {"kind": PARENT_KIND[kind], **fields}
    if kind != "first":
        body["incident_id"] = 1  # the parent's id is filled in when it is sent
    report = read_report(body)
    check_complete(report)
    problems = [
        FieldProblem(path, "in_future") for path, at in report.times().items() if at > now + skew
    ]
    stated = report.stated_figures()
    if not report.casualty_correction:
        problems += [
            FieldProblem(f"casualties.{name}", "decrease_unexplained")
            for name, value in stated.items()
            if isinstance(value, int)
            and isinstance(before := figures_before.get(name), int)
            and value < before
        ]
    if kind == "final":
        merged = {**figures_before, **stated}
        problems += [
            FieldProblem(f"casualties.{name}", "unknown_in_final")
            for name in FIGURES
            if merged.get(name) == r.UNKNOWN
        ]
        if report.direct_loss_wan_yuan == r.UNKNOWN:
            problems.append(FieldProblem("direct_loss_wan_yuan", "unknown_in_final"))
    if problems:
        raise Invalid(*problems)
    normalised = report.payload()
    return {k: v for k, v in normalised.items() if k in FIELDS[kind]}


def parent_body(
    report: m.UpwardReport, *, parent_incident_id: int | None, external_ref: str
) -> dict[str, Any]:
    """What is filed at the parent: the fields, signed by the approver (签发人)."""
    body: dict[str, Any] = {"kind": PARENT_KIND[report.kind]}
    if report.kind == "first":
        body["external_ref"] = external_ref
    else:
        body["incident_id"] = parent_incident_id
    body |= report.fields
    if report.decided_by:
        body["signed_by"] = report.decided_by
    return body
