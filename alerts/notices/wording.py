"""What a notice says: its title (关于{unit}{迟报/漏报/瞒报}“{incident}”的通报), the body drawn
from the facts frozen when it was drafted, the default 整改要求, its number (〔2026〕第 N 号) and
the email, in the configured language (zh_CN first, en second: alerts/i18n)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.i18n import Translator
from alerts.notices.sources import Source
from alerts.storage import models as m


def title(translate: Translator, *, kind: str, unit: str, incident: str) -> str:
    """关于千岛湖镇迟报“某村民房火灾”的通报."""
    what = translate(f"notice.kind_{kind}")
    return translate("notice.title", unit=unit, what=what, incident=incident)


def body(translate: Translator, zone: ZoneInfo, found: Source, to: str) -> str:
    """The facts in words: the incident, the report owed (to `to`: the office, or above it for
    the county's upward report), when it was due and came, how late, and for a finding the
    section's reason."""
    report = translate(f"ui.kind_{found.report_kind}") if found.report_kind else ""
    facts = {
        "unit": found.unit.name,
        "office": to,
        "incident": found.incident.title,
        "occurred": moment(translate, zone, found.incident.occurred_at),
        "report": report,
        "due": moment(translate, zone, found.due_at),
        "received": moment(translate, zone, found.received_at),
        "minutes": found.minutes_late or 0,
        "reason": found.reason,
    }
    if found.kind == "late":
        key = "notice.body_late"
    elif found.obligation is None:
        key = f"notice.body_{found.kind}_plain"
    elif found.received_at is None:
        key = f"notice.body_{found.kind}_never"
    else:
        key = f"notice.body_{found.kind}"
    return "\n".join((translate(key, **facts), translate("notice.closing")))


def requirements(translate: Translator, *, unit: str, office: str) -> str:
    """The default 整改要求, for the head to edit."""
    return translate("notice.requirements", unit=unit, office=office)


def number_text(translate: Translator, notice: m.Notice) -> str:
    """〔2026〕第3号, or that it is a draft."""
    if notice.number is None or notice.year is None:
        return translate("notice.draft")
    return translate("notice.number", year=notice.year, number=notice.number)


def heading(translate: Translator, notice: m.Notice) -> str:
    """The title with the number: what the page, the list and the email's subject show."""
    return f"{notice.title}（{number_text(translate, notice)}）"


def email(translate: Translator, notice: m.Notice, office: m.Unit, link: str) -> str:
    """The email to the unit: the whole notice and where to read it."""
    return translate(
        "notice.email",
        heading=heading(translate, notice),
        unit=notice.unit_name,
        body=notice.body,
        requirements=notice.requirements,
        office=office.name,
        link=link,
    )


def moment(translate: Translator, zone: ZoneInfo, at: datetime | None) -> str:
    """A time as the notice writes it (2026年11月21日 10:00), or a dash."""
    if at is None:
        return "—"
    local = at.astimezone(zone)
    return translate(
        "notice.moment",
        year=local.year,
        month=local.month,
        day=local.day,
        time=f"{local:%H:%M}",
    )
