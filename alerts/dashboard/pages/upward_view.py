"""What the upward report page shows and reads: a report's fields as form inputs and back, and
who reports when a draft is started (the signed-in user, else the office's duty officer on the
roster now). The routes are upward.py's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from alerts.dashboard.pages import incident_forms as forms
from alerts.dashboard.pages.common import PageContext
from alerts.filing.assessments import FIGURES
from alerts.storage import models as m
from alerts.upward.fields import FIELDS

# the report form's macro (_incident_fields.html) that shows a kind's fields
MACRO_KIND = {"first": "phone", "followup": "followup", "final": "final"}
_TEXTS = (
    *("title", "category", "severity", "subtype", "external_ref", "description", "extent"),
    *("measures", "leaders_informed", "casualty_correction"),
)
_SWITCHES = ("sensitive", "classified", "material_change", "handling_finished")


def form_values(fields: Mapping[str, Any], zone: ZoneInfo) -> dict[str, str]:
    """A report's fields as the form's inputs hold them."""
    values = {n: str(fields[n]) for n in _TEXTS if fields.get(n) is not None}
    values |= {n: "on" for n in _SWITCHES if fields.get(n)}
    for name in ("occurred_at", "learned_at"):
        if fields.get(name):
            moment = datetime.fromisoformat(str(fields[name])).astimezone(zone)
            values[name] = moment.strftime("%Y-%m-%dT%H:%M")
    for group in ("location", "reporter"):
        values |= {f"{group}.{k}": str(v) for k, v in (fields.get(group) or {}).items()}
    values |= {f"casualties.{k}": str(v) for k, v in (fields.get("casualties") or {}).items()}
    if fields.get("direct_loss_wan_yuan") is not None:
        values["direct_loss_wan_yuan"] = str(fields["direct_loss_wan_yuan"])
    reported = fields.get("already_reported_to")
    if reported == []:
        values["already_reported_none"] = "on"
    for index, row in enumerate(reported or []):
        at = datetime.fromisoformat(str(row["at"])).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
        values |= {f"already_reported_to.{index}.to": row["to"]}
        values |= {f"already_reported_to.{index}.at": at}
        if row.get("level"):
            values[f"already_reported_to.{index}.level"] = row["level"]
    return values


def form_fields(form: dict[str, str], kind: str, zone: ZoneInfo) -> dict[str, Any]:
    """The fields a posted form states, every field of the kind named (an empty input clears
    it); FormRefused for an input the page reads wrong (a time that is not one)."""
    macro = "followup" if kind == "final" else MACRO_KIND[kind]
    body = forms.report_body(form, macro, zone)
    return {name: body.get(name) for name in FIELDS[kind]}


def reporter_of(ctx: PageContext, office_id: int, now: datetime) -> dict[str, str] | None:
    """Who reports: the signed-in user's person, else the office's duty officer now."""
    user = ctx.viewer.user
    person = ctx.session.get(m.Person, user.person_id) if user.person_id else None
    if person is None:
        holders = ctx.roster.holders(ctx.session, unit_id=office_id, role="duty_officer", at=now)
        person = holders[0] if holders else None
    if person is None:
        return None
    return {"name": person.name, "post": person.post, "phone": person.phone or ""}


def casualties_line(fields: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The figures a report states, in their order."""
    stated = fields.get("casualties") or {}
    return [(name, stated[name]) for name in FIGURES if name in stated]
