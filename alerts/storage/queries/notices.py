"""Notices (一事一通报): an office's notices, a unit's approved ones, one incident's, the sources
that have a notice already, the next number of a year, and what a notice may be drafted from
(late reports, findings in a state). Reads only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.storage.models import Finding, Incident, Notice, Notification, Obligation, Person

APPROVED = "approved"


def notices_listed(
    session: Session,
    *,
    office_id: int,
    unit_id: int | None = None,
    incident_id: int | None = None,
    state: str | None = None,
    limit: int = 500,
) -> Sequence[Notice]:
    """An office's notices, newest first: drafts before approved ones, approved by number."""
    query = select(Notice).where(Notice.office_id == office_id)
    if unit_id is not None:
        query = query.where(Notice.unit_id == unit_id)
    if incident_id is not None:
        query = query.where(Notice.incident_id == incident_id)
    if state is not None:
        query = query.where(Notice.state == state)
    order = (Notice.state != "draft", Notice.year.desc(), Notice.number.desc(), Notice.id.desc())
    return session.scalars(query.order_by(*order).limit(limit)).all()


def noticed_sources(session: Session, *, office_id: int) -> set[str]:
    """The sources (`obligation:<id>`, `finding:<id>`) an office has a notice of, draft or not."""
    return set(session.scalars(select(Notice.source).where(Notice.office_id == office_id)))


def notice_by_source(session: Session, *, source: str) -> Notice | None:
    """The notice of one source, if there is one."""
    return session.scalar(select(Notice).where(Notice.source == source))


def next_number(session: Session, *, office_id: int, year: int) -> int:
    """The number the office's next approved notice of `year` takes."""
    found = session.scalar(
        select(func.max(Notice.number)).where(Notice.office_id == office_id, Notice.year == year)
    )
    return int(found or 0) + 1


def late_obligations(
    session: Session, *, office_id: int, kinds: Sequence[str], limit: int = 500
) -> Sequence[Obligation]:
    """The late obligations of these kinds on the office's incidents, latest due first."""
    return session.scalars(
        select(Obligation)
        .join(Incident, Incident.id == Obligation.incident_id)
        .where(
            Incident.office_id == office_id,
            Obligation.kind.in_(kinds),
            Obligation.status == "late",
        )
        .order_by(Obligation.due_at.desc(), Obligation.id.desc())
        .limit(limit)
    ).all()


def findings_in_state(
    session: Session, *, office_id: int, kinds: Sequence[str], state: str, limit: int = 500
) -> Sequence[Finding]:
    """The findings of these kinds in `state` on the office's incidents, newest first."""
    return session.scalars(
        select(Finding)
        .join(Incident, Incident.id == Finding.incident_id)
        .where(Incident.office_id == office_id, Finding.kind.in_(kinds), Finding.state == state)
        .order_by(Finding.updated_at.desc(), Finding.id.desc())
        .limit(limit)
    ).all()


def notice_emails(session: Session, *, notice_id: int) -> Sequence[tuple[Notification, str]]:
    """The emails a notice's approval queued, each with its addressee's name, oldest first."""
    rows = session.execute(
        select(Notification, Person.name)
        .outerjoin(Person, Person.id == Notification.person_id)
        .where(Notification.dedupe_key.like(f"notice:{notice_id}:%"))
        .order_by(Notification.id)
    )
    return [(n, name or n.address) for n, name in rows]
