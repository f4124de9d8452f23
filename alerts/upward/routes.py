"""What an approved upward report looks like on each route to its parent (config.toml's
`[[upward.parents]]` `route`):

- `jibao`: the filing the parent's Jibao takes (alerts/upward/fields.py parent_body), posted by
  notifiers/jibao.py; the parent's 201 is the receipt.
- `email`: the report as plain text (the body) and as a printable page (the PDF attachment,
  rendered by notifiers/upward_email.py with WeasyPrint and the CJK fonts), to the duty room's
  address; SMTP acceptance is no receipt: the office records the parent's confirmation.
- `webhook`: one signed JSON document (`jibao.upward_report`, version 1), posted by
  notifiers/upward_webhook.py; the parent's 2xx is the receipt.

The route is fixed when the report is queued and kept in its delivery key's prefix, so a
config changed later does not change how a sent report reads."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from alerts.i18n import Translator
from alerts.storage import models as m
from alerts.upward.fields import FIELDS, PARENT_KIND

ROUTES = ("jibao", "email", "webhook")
WEBHOOK_EVENT = "jibao.upward_report"
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
_FIGURES = ("dead", "missing", "seriously_injured", "injured", "trapped")


def route_of(report: m.UpwardReport) -> str:
    """The route a queued report went by (its delivery key's prefix); `jibao` before."""
    key = report.delivery_key or ""
    for route in ROUTES:
        if key.startswith(f"{route}-upward-"):
            return route
    return "jibao"


def lines(
    report: m.UpwardReport,
    *,
    incident: m.Incident,
    office: m.Unit,
    parent_title: str,
    translate: Translator,
    zone: ZoneInfo,
) -> tuple[str, list[tuple[str, str]]]:
    """The report's heading and its (label, value) lines, in the office's language."""
    kind = translate(f"upward.kind_{report.kind}") + (
        str(report.number) if report.kind == "followup" and report.number else ""
    )
    title = str(report.fields.get("title") or incident.title)
    heading = translate("upward_doc.heading", office=office.name, title=title, kind=kind)
    rows: list[tuple[str, str]] = []
    for name in FIELDS[report.kind]:
        value = report.fields.get(name)
        if value is None or value == [] or value == "":
            continue
        rows.append((translate(f"upward_doc.{name}"), _shown(name, value, translate, zone)))
    return heading, rows


def email_text(
    report: m.UpwardReport,
    *,
    incident: m.Incident,
    office: m.Unit,
    parent_title: str,
    translate: Translator,
    zone: ZoneInfo,
) -> str:
    """The email's plain-text body: the report as the leader approved it."""
    heading, rows = lines(
        report,
        incident=incident,
        office=office,
        parent_title=parent_title,
        translate=translate,
        zone=zone,
    )
    out = [heading, "", translate("upward_doc.to", parent=parent_title)]
    out.append(translate("upward_doc.from", office=office.name))
    out += [f"{label}：{value}" for label, value in rows]
    out.append(translate("upward_doc.signed", who=report.decided_by or "-"))
    if report.decided_at:
        at = f"{report.decided_at.astimezone(zone):%Y-%m-%d %H:%M}"
        out.append(translate("upward_doc.approved_at", at=at))
    out.append(translate("upward_doc.key", ref=report.delivery_key or ""))
    out += ["", translate("upward_doc.confirm", ref=report.delivery_key or "")]
    out.append(translate("upward_doc.footer"))
    return "\n".join(out) + "\n"


def print_html(
    report: m.UpwardReport,
    *,
    incident: m.Incident,
    office: m.Unit,
    parent_title: str,
    translate: Translator,
    zone: ZoneInfo,
) -> str:
    """The page the PDF attachment is printed from."""
    heading, rows = lines(
        report,
        incident=incident,
        office=office,
        parent_title=parent_title,
        translate=translate,
        zone=zone,
    )
    at = f"{report.decided_at.astimezone(zone):%Y-%m-%d %H:%M}" if report.decided_at else ""
    return _TEMPLATES.get_template("upward_print.html").render(
        lang=translate.language,
        t=translate,
        heading=heading,
        rows=rows,
        parent=parent_title,
        office=office.name,
        signed=report.decided_by or "-",
        approved_at=at,
        key=report.delivery_key or "",
    )


def webhook_body(
    report: m.UpwardReport,
    *,
    incident: m.Incident,
    office: m.Unit,
    parent_incident_id: int | None,
    now: datetime,
) -> str:
    """The JSON document posted to a parent's webhook: who reports what, the fields as a
    parent's Jibao would take them, and the key the parent drops repeats by."""
    body: dict[str, Any] = {
        "event": WEBHOOK_EVENT,
        "version": 1,
        "key": report.delivery_key,
        "office": {"code": office.code, "name": office.name},
        "incident_ref": f"{office.code}-{incident.id}",
        "kind": report.kind,
        "filing_kind": PARENT_KIND[report.kind],
        "number": report.number,
        "signed_by": report.decided_by,
        "approved_at": report.decided_at.isoformat() if report.decided_at else None,
        "sent_at": now.isoformat(),
        "fields": report.fields,
    }
    if parent_incident_id is not None:
        body["parent_incident_id"] = parent_incident_id
    return json.dumps(body, ensure_ascii=False)


def _shown(name: str, value: Any, translate: Translator, zone: ZoneInfo) -> str:
    if isinstance(value, bool):
        return translate("upward_doc.yes" if value else "upward_doc.no")
    if name in ("occurred_at", "learned_at") and isinstance(value, str):
        try:
            return f"{datetime.fromisoformat(value).astimezone(zone):%Y-%m-%d %H:%M}"
        except ValueError:
            return value
    if name == "casualties" and isinstance(value, dict):
        return "，".join(
            f"{translate(f'ui_incident.figure_{k}')} {value[k]}"
            for k in _FIGURES
            if value.get(k) is not None
        )
    if name == "reporter" and isinstance(value, dict):
        return " ".join(str(value.get(k, "")) for k in ("name", "post", "phone")).strip()
    if name == "location" and isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v)
    if name == "already_reported_to" and isinstance(value, list):
        return "；".join(str(x.get("to", x)) if isinstance(x, dict) else str(x) for x in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
