"""Publishing a bulletin: only for a period that has ended, once per period; numbered 第 N 期 within
the office's bulletins of its kind and year; its figures frozen; an email to each unit's
principal (一把手) with the unit's own line and the link. The section's K14/K15 duties come from
what is published (rules/bulletins.py). Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.bulletins.content import Bulletin, draft, period_of, published
from alerts.config import Settings
from alerts.errors import Conflict, FieldProblem, Forbidden, Invalid
from alerts.escalation.notices import enqueue_notice
from alerts.i18n import Translator
from alerts.roster.book import RosterBook
from alerts.storage import models as m
from rules.bulletins import Duty, Kind, Period, duties

BY_MAX = 100
TOLD_ROLE = "principal"


def bulletin_period(kind: str, key: str) -> Period:
    """The period named, or Invalid naming what is wrong."""
    if kind not in set(Kind):
        raise Invalid(FieldProblem("kind", "choice", {"choices": "monthly, quarterly"}))
    period = period_of(kind, key)
    if period is None:
        raise Invalid(FieldProblem("period", "bulletin_period", {"kind": kind}))
    return period


def publish(
    session: Session,
    *,
    settings: Settings,
    roster: RosterBook,
    translate: Translator,
    office: m.Unit,
    period: Period,
    by: str,
    now: datetime,
) -> m.Bulletin:
    """Publish `office`'s bulletin for `period` and queue its emails."""
    if not office.is_office:
        raise Forbidden()
    zone = settings.rules.timezone
    if now.astimezone(zone).date() < period.end:
        raise Invalid(FieldProblem("period", "period_not_ended", {"last": period.last.isoformat()}))
    if find(session, office=office, kind=period.kind, key=period.key) is not None:
        raise Conflict("bulletin_exists", period=period.key)
    content = draft(session, office, period, now, zone)
    number = (
        session.scalar(
            select(func.max(m.Bulletin.number)).where(
                m.Bulletin.office_id == office.id,
                m.Bulletin.kind == period.kind.value,
                m.Bulletin.year == period.first.year,
            )
        )
        or 0
    ) + 1
    row = m.Bulletin(
        office_id=office.id,
        kind=period.kind.value,
        period=period.key,
        year=period.first.year,
        number=number,
        published_at=now,
        published_by=by.strip()[:BY_MAX] or office.name,
        rows=content.rows,
    )
    session.add(row)
    session.flush()
    _tell_units(session, settings, roster, translate, published(session, row), now)
    return row


def find(session: Session, *, office: m.Unit, kind: Kind, key: str) -> m.Bulletin | None:
    """The office's published bulletin for a period, if any."""
    return session.scalar(
        select(m.Bulletin).where(
            m.Bulletin.office_id == office.id,
            m.Bulletin.kind == kind.value,
            m.Bulletin.period == key,
        )
    )


def listed(session: Session, *, office: m.Unit) -> list[m.Bulletin]:
    """The office's published bulletins, newest first."""
    return list(
        session.scalars(
            select(m.Bulletin)
            .where(m.Bulletin.office_id == office.id)
            .order_by(m.Bulletin.published_at.desc(), m.Bulletin.id.desc())
        )
    )


def section_duties(
    session: Session, *, settings: Settings, office: m.Unit, now: datetime
) -> list[Duty]:
    """K14 and K15 for the latest ended month and quarter, as published so far."""
    days = {
        Kind.MONTHLY: settings.records.monthly_bulletin_due_day,
        Kind.QUARTERLY: settings.records.quarterly_bulletin_due_day,
    }
    done = {(Kind(b.kind), b.period): b.published_at for b in listed(session, office=office)}
    return duties(now, settings.rules.timezone, days, done)


def title(bulletin: Bulletin, translate: Translator) -> str:
    """县政府总值班室 2026年11月 突发事件信息报送情况通报."""
    period = bulletin.period
    if period.kind is Kind.MONTHLY:
        span = translate("bulletin.month", year=period.first.year, month=period.first.month)
    else:
        quarter = (period.first.month - 1) // 3 + 1
        span = translate(
            "bulletin.quarter",
            year=period.first.year,
            quarter=quarter,
            quarter_cn="一二三四"[quarter - 1],
        )
    return translate("bulletin.title", office=bulletin.office.name, period=span)


def number_text(bulletin: Bulletin, translate: Translator) -> str:
    """2026年第3期 (月报) — or that it is a draft."""
    if bulletin.number is None:
        return translate("bulletin.draft")
    kind = translate(f"bulletin.kind_{bulletin.period.kind.value}")
    return translate("bulletin.number", year=bulletin.year, number=bulletin.number, kind=kind)


def _tell_units(
    session: Session,
    settings: Settings,
    roster: RosterBook,
    translate: Translator,
    bulletin: Bulletin,
    now: datetime,
) -> None:
    subject = f"{title(bulletin, translate)}（{number_text(bulletin, translate)}）"
    link = f"{settings.public_url.rstrip('/')}/bulletins/{bulletin.id}"
    for line in bulletin.rows:
        unit = session.scalar(select(m.Unit).where(m.Unit.code == line["code"]))
        if unit is None or unit.is_office:
            continue
        text = translate(
            "bulletin.email",
            title=subject,
            unit=line["name"],
            score=line["score"],
            on_time=line["on_time"],
            late=line["late"],
            missed=line["missed"],
            after_chasing=line["after_chasing"],
            overdue_feedback=line["overdue_feedback"],
            link=link,
        )
        for person in roster.holders(session, unit_id=unit.id, role=TOLD_ROLE, at=now):
            enqueue_notice(
                session,
                key=f"bulletin:{bulletin.id}:{unit.code}",
                person=person,
                channels=("email",),
                subject=subject,
                text=text,
                now=now,
            )
