"""Drafting a notice: from a source (sources.py) that has none yet, its facts frozen and its
text written (wording.py); its 整改要求 edited while it is a draft; a draft discarded (it was
never published, so nothing of it is kept). Who may: a section head or an admin on the
dashboard and the CLI, the office by its token on the API. Refuses before anything is written
(alerts.errors); never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.errors import Conflict, FieldProblem, Invalid
from alerts.i18n import Translator
from alerts.notices import wording
from alerts.notices.sources import Source, parse, source
from alerts.records.findings import DECIDER_ROLES
from alerts.storage import models as m
from alerts.storage.queries.notices import notice_by_source

DRAFTER_ROLES = DECIDER_ROLES  # dashboard roles that draft and approve: section_head, admin
DRAFT, APPROVED = "draft", "approved"
REQUIREMENTS_MAX = 2000
BY_MAX = 100


def draft(
    session: Session,
    *,
    translate: Translator,
    zone: ZoneInfo,
    office: m.Unit,
    key: str,
    requirements: str | None = None,
    by: str,
    now: datetime,
) -> m.Notice:
    """A draft notice of the source `key` names. Invalid for a malformed key or text; NotFound
    for no such source on the office's incidents; Conflict when it is not late or confirmed, or
    has a notice already."""
    parse(key)
    text = checked_requirements(requirements) if requirements is not None else None
    existing = notice_by_source(session, source=key.strip())
    if existing is not None and existing.office_id == office.id:
        raise Conflict("notice_exists", id=existing.id)
    found = source(session, office=office, key=key)
    unit, incident = found.unit.name, found.incident.title
    row = m.Notice(
        office_id=office.id,
        unit_id=found.unit.id,
        incident_id=found.incident.id,
        kind=found.kind,
        source=found.key,
        obligation_id=found.obligation.id if found.obligation else None,
        finding_id=found.finding.id if found.finding else None,
        decision_id=found.decision.id if found.decision else None,
        report_kind=found.report_kind,
        unit_name=unit,
        incident_title=incident,
        due_at=found.due_at,
        received_at=found.received_at,
        minutes_late=found.minutes_late,
        reason=found.reason,
        title=wording.title(translate, kind=found.kind, unit=unit, incident=incident),
        body=wording.body(translate, zone, found, _addressee(session, translate, found, office)),
        requirements=text or wording.requirements(translate, unit=unit, office=office.name),
        state=DRAFT,
        drafted_at=now,
        drafted_by=by.strip()[:BY_MAX] or office.name,
        updated_at=now,
    )
    try:  # another desk may draft the same source at the same moment
        with session.begin_nested():
            session.add(row)
    except IntegrityError as taken:
        raise Conflict("notice_exists") from taken
    return row


def edit(session: Session, *, notice: m.Notice, requirements: str, now: datetime) -> m.Notice:
    """New 整改要求 for a draft; Invalid for empty or too long, Conflict once approved."""
    text = checked_requirements(requirements)
    changed = session.execute(
        update(m.Notice)
        .where(m.Notice.id == notice.id, m.Notice.state == DRAFT)
        .values(requirements=text, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if cast("CursorResult[Any]", changed).rowcount != 1:
        raise Conflict("notice_already_approved")
    session.refresh(notice)
    return notice


def discard(session: Session, *, notice: m.Notice) -> None:
    """Throw a draft away (its source is a candidate again); Conflict once approved."""
    gone = session.execute(
        delete(m.Notice)
        .where(m.Notice.id == notice.id, m.Notice.state == DRAFT)
        .execution_options(synchronize_session="fetch")
    )
    if cast("CursorResult[Any]", gone).rowcount != 1:
        raise Conflict("notice_already_approved")


def _addressee(session: Session, translate: Translator, found: Source, office: m.Unit) -> str:
    """Whom the report was owed to: the office, or for its upward report the level above."""
    if found.report_kind != "upward":
        return office.name
    above = session.get(m.Unit, office.parent_id) if office.parent_id else None
    return above.name if above else translate("notice.above")


def checked_requirements(text: str | None) -> str:
    """The 整改要求 as given, trimmed; Invalid when empty or longer than REQUIREMENTS_MAX."""
    text = (text or "").strip()
    if not text:
        raise Invalid(FieldProblem("requirements", "required"))
    if len(text) > REQUIREMENTS_MAX:
        raise Invalid(FieldProblem("requirements", "too_long", {"max": REQUIREMENTS_MAX}))
    return text
