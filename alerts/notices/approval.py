"""Approving a notice: only a draft, only while its source still stands as it was drafted (the
late report still late; the finding still confirmed by the same decision, so the reason given
is the section's last word), numbered 〔year〕第 N 号 within the office and the year of approval,
put on the incident's timeline (`notice_published`) and emailed to the unit's principal and its
duty officer on duty now. Refuses before anything is written; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Conflict, Refused
from alerts.escalation.notices import enqueue_notice
from alerts.i18n import Translator
from alerts.notices import wording
from alerts.notices.drafting import APPROVED, BY_MAX, DRAFT
from alerts.notices.sources import source
from alerts.roster.book import RosterBook
from alerts.storage import models as m
from alerts.storage.queries.notices import next_number
from alerts.timeline import Timeline

TOLD_ROLES = ("principal", "duty_officer")  # the unit's 一把手 and whoever is on duty


def approve(
    session: Session,
    *,
    settings: Settings,
    roster: RosterBook,
    translate: Translator,
    notice: m.Notice,
    by: str,
    user_id: int | None = None,
    now: datetime,
) -> m.Notice:
    """Approve, number, record and email a draft. Conflict when it is approved already, when
    its source has changed since it was drafted, or when another approval took its number."""
    if notice.state != DRAFT:
        raise Conflict("notice_already_approved")
    office = session.get(m.Unit, notice.office_id)
    assert office is not None
    _still_stands(session, office, notice)
    year = now.astimezone(settings.rules.timezone).year
    number = next_number(session, office_id=office.id, year=year)
    who = by.strip()[:BY_MAX] or office.name
    try:
        with session.begin_nested():
            moved = session.execute(
                update(m.Notice)
                .where(m.Notice.id == notice.id, m.Notice.state == DRAFT)
                .values(
                    state=APPROVED,
                    year=year,
                    number=number,
                    approved_at=now,
                    approved_by=who,
                    approved_user_id=user_id,
                    updated_at=now,
                )
                .execution_options(synchronize_session="fetch")
            )
            if cast("CursorResult[Any]", moved).rowcount != 1:
                raise Conflict("notice_already_approved")
    except IntegrityError as taken:  # two approvals at once: the second tries again
        raise Conflict("notice_number_taken") from taken
    session.refresh(notice)
    timeline = Timeline(notice.incident_id, now)
    timeline.add(
        "notice_published",
        {
            "notice_id": notice.id,
            "kind": notice.kind,
            "number": wording.number_text(translate, notice),
            "unit": notice.unit_name,
            "by": who,
        },
    )
    timeline.write(session)
    _email(session, settings, roster, translate, notice, office, now)
    session.flush()
    return notice


def _still_stands(session: Session, office: m.Unit, notice: m.Notice) -> None:
    """Conflict unless the source is still one, and a finding's confirming decision is the one
    the draft quotes."""
    try:
        found = source(session, office=office, key=notice.source)
    except Refused as gone:
        raise Conflict("notice_source_changed") from gone
    if notice.decision_id is not None and (
        found.decision is None or found.decision.id != notice.decision_id
    ):
        raise Conflict("notice_source_changed")


def _email(
    session: Session,
    settings: Settings,
    roster: RosterBook,
    translate: Translator,
    notice: m.Notice,
    office: m.Unit,
    now: datetime,
) -> int:
    link = f"{settings.public_url.rstrip('/')}/notices/{notice.id}"
    subject = wording.heading(translate, notice)
    text = wording.email(translate, notice, office, link)
    queued = 0
    for person in told(session, roster, notice, now):
        queued += enqueue_notice(
            session,
            key=f"notice:{notice.id}",
            person=person,
            channels=("email",),
            subject=subject,
            text=text,
            now=now,
        )
    return queued


def told(
    session: Session, roster: RosterBook, notice: m.Notice, now: datetime
) -> Sequence[m.Person]:
    """Who of the unit is told of a notice approved at `now`, each once."""
    people: dict[int, m.Person] = {}
    for role in TOLD_ROLES:
        for person in roster.holders(session, unit_id=notice.unit_id, role=role, at=now):
            people.setdefault(person.id, person)
    return list(people.values())
