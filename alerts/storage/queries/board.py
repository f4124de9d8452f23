"""The Now page's read model: open incidents with each one's most urgent obligation, the last
ladder rung fired for it and its latest acknowledgement, in four statements however many
incidents are open; and the last message each incident's people were sent, in one more."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.storage.models import Acknowledgement, Escalation, Incident, Notification, Obligation


@dataclass(frozen=True)
class OpenIncident:
    """An open incident at its most urgent obligation (None: nothing owed)."""

    incident: Incident
    obligation: Obligation | None
    rung: Escalation | None
    acknowledged_at: datetime | None


def open_incidents(
    session: Session, *, office_ids: Sequence[int] | None = None, unit_id: int | None = None
) -> list[OpenIncident]:
    """Incidents not closed, of these offices or of this unit, soonest due first (overdue ones
    first of all, those with nothing due last)."""
    query = select(Incident).where(Incident.state.not_in(("closed", "archived")))
    if office_ids is not None:
        query = query.where(Incident.office_id.in_(office_ids))
    if unit_id is not None:
        query = query.where(Incident.unit_id == unit_id)
    incidents = session.scalars(
        query.order_by(Incident.next_due_at.is_(None), Incident.next_due_at, Incident.id)
    ).all()
    if not incidents:
        return []
    urgent = _most_urgent(session, incident_ids=[i.id for i in incidents])
    owed = [o.id for o in urgent.values()]
    rungs = _last_rungs(session, obligation_ids=owed)
    acks = _last_acknowledgements(session, obligation_ids=owed)
    rows = []
    for incident in incidents:
        obligation = urgent.get(incident.id)
        if obligation is None:
            rows.append(OpenIncident(incident, None, None, None))
        else:
            rung, acked = rungs.get(obligation.id), acks.get(obligation.id)
            rows.append(OpenIncident(incident, obligation, rung, acked))
    return rows


def _most_urgent(session: Session, *, incident_ids: Sequence[int]) -> dict[int, Obligation]:
    """Each incident's still-owed obligation due soonest (the first made, on a tie)."""
    rank = (
        func.row_number()
        .over(
            partition_by=Obligation.incident_id,
            order_by=(Obligation.due_at, Obligation.id),
        )
        .label("rank")
    )
    ranked = (
        select(Obligation.id, rank)
        .where(
            Obligation.incident_id.in_(incident_ids),
            Obligation.still_owed,
        )
        .subquery()
    )
    found = session.scalars(
        select(Obligation).join(ranked, ranked.c.id == Obligation.id).where(ranked.c.rank == 1)
    )
    return {o.incident_id: o for o in found if o.incident_id is not None}


def _last_rungs(session: Session, *, obligation_ids: Sequence[int]) -> dict[int, Escalation]:
    """The ladder step fired last for each obligation."""
    rank = (
        func.row_number()
        .over(
            partition_by=Escalation.obligation_id,
            order_by=(Escalation.fired_at.desc(), Escalation.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(Escalation.id, rank).where(Escalation.obligation_id.in_(obligation_ids)).subquery()
    )
    found = session.scalars(
        select(Escalation).join(ranked, ranked.c.id == Escalation.id).where(ranked.c.rank == 1)
    )
    return {e.obligation_id: e for e in found}


def _last_acknowledgements(
    session: Session, *, obligation_ids: Sequence[int]
) -> dict[int, datetime]:
    """When each obligation was last acknowledged."""
    found = session.execute(
        select(Acknowledgement.obligation_id, func.max(Acknowledgement.at))
        .where(Acknowledgement.obligation_id.in_(obligation_ids))
        .group_by(Acknowledgement.obligation_id)
    )
    return {obligation_id: at for obligation_id, at in found}


def last_messages(
    session: Session, *, incident_ids: Sequence[int], person_ids: Sequence[int]
) -> dict[tuple[int, int], Notification]:
    """The latest message about each of these incidents to each of these people, by
    (incident id, person id), in one statement."""
    if not incident_ids or not person_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=(Notification.incident_id, Notification.person_id),
            order_by=(Notification.created_at.desc(), Notification.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(Notification.id, rank)
        .where(
            Notification.incident_id.in_(incident_ids),
            Notification.person_id.in_(person_ids),
        )
        .subquery()
    )
    found = session.scalars(
        select(Notification).join(ranked, ranked.c.id == Notification.id).where(ranked.c.rank == 1)
    )
    return {
        (n.incident_id, n.person_id): n
        for n in found
        if n.incident_id is not None and n.person_id is not None
    }
