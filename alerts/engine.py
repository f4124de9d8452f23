"""One engine tick: find incidents whose assessment changes by now, re-assess them, commit.

Each incident is re-assessed in its own transaction. On PostgreSQL the row is claimed with
FOR UPDATE SKIP LOCKED, so several instances share the sweep without doing one incident twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.assessments import reassess
from alerts.services import Services
from alerts.storage import models as m


def sweep(services: Services, *, batch: int = 200) -> int:
    """Re-assess every incident due for a change at the clock's now; the number handled."""
    now = services.clock.now()
    handled = 0
    while True:
        with services.session() as session:
            incident = _claim_next(session, now)
            if incident is None:
                return handled
            reassess_stored(session, services, incident, now)
            session.commit()
        handled += 1
        services.metrics.sweeps.inc()
        if handled >= batch:
            return handled


def reassess_stored(
    session: Session, services: Services, incident: m.Incident, now: datetime
) -> None:
    """Re-assess a stored incident (units looked up by id)."""
    owner = session.get(m.Unit, incident.unit_id)
    office = session.get(m.Unit, incident.office_id)
    assert owner is not None and office is not None
    reassess(
        session,
        incident=incident,
        unit_code=owner.code,
        office_code=office.code,
        settings=services.settings,
        now=now,
    )


def _claim_next(session: Session, now: datetime) -> m.Incident | None:
    query = (
        select(m.Incident)
        .where(m.Incident.next_change_at.is_not(None), m.Incident.next_change_at <= now)
        .order_by(m.Incident.next_change_at)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)
