"""The Now page's read model: open incidents with each one's most urgent obligation, the last
ladder rung fired for it and its latest acknowledgement, in one statement however many
incidents are open; and the last message each incident's people were sent, in one more.
Only the columns a card shows are read, as plain rows: no ORM objects to build or expire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, func, select
from sqlalchemy.orm import Session

from alerts.storage.models import Acknowledgement, Escalation, Incident, Notification, Obligation


@dataclass(frozen=True, slots=True)
class CardIncident:
    """What an incident's card shows of it."""

    id: int
    title: str
    unit_id: int
    state: str
    clock_severity: str
    classified: bool
    sensitive: bool


@dataclass(frozen=True, slots=True)
class Owed:
    """An incident's most urgent still-owed obligation."""

    id: int
    owed_by_unit_id: int
    kind: str
    number: int | None
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Rung:
    """The ladder step fired last for an obligation."""

    step_key: str
    fired_at: datetime


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An open incident at its most urgent obligation (None: nothing owed)."""

    incident: CardIncident
    obligation: Owed | None
    rung: Rung | None
    acknowledged_at: datetime | None


@dataclass(frozen=True, slots=True)
class LastMessage:
    """The latest message to one person about one incident."""

    id: int
    channel: str
    state: str
    created_at: datetime


CARD_COLUMNS = (
    Incident.id,
    Incident.title,
    Incident.unit_id,
    Incident.state,
    Incident.clock_severity,
    Incident.classified,
    Incident.sensitive,
)


def open_incidents(
    session: Session, *, office_ids: Sequence[int] | None = None, unit_id: int | None = None
) -> list[OpenIncident]:
    """Incidents not closed, of these offices or of this unit, most urgent obligation first
    (overdue ones first of all, those with nothing owed last, in order of next due time)."""
    where: list[ColumnElement[bool]] = [Incident.state.not_in(("closed", "archived"))]
    if office_ids is not None:
        where.append(Incident.office_id.in_(office_ids))
    if unit_id is not None:
        where.append(Incident.unit_id == unit_id)
    open_ids = select(Incident.id).where(*where)
    owed = and_(Obligation.incident_id.in_(open_ids), Obligation.still_owed)
    owed_ids = select(Obligation.id).where(owed)
    urgent, rung, acked = _most_urgent(owed), _last_rungs(owed_ids), _acknowledged(owed_ids)
    query = (
        select(
            *CARD_COLUMNS,
            urgent.c.id,
            urgent.c.owed_by_unit_id,
            urgent.c.kind,
            urgent.c.number,
            urgent.c.due_at,
            rung.c.step_key,
            rung.c.fired_at,
            acked.c.at,
        )
        .outerjoin(urgent, and_(urgent.c.incident_id == Incident.id, urgent.c.rank == 1))
        .outerjoin(rung, and_(rung.c.obligation_id == urgent.c.id, rung.c.rank == 1))
        .outerjoin(acked, acked.c.obligation_id == urgent.c.id)
        .where(*where)
        .order_by(
            urgent.c.due_at.is_(None),
            urgent.c.due_at,
            Incident.next_due_at.is_(None),
            Incident.next_due_at,
            Incident.id,
        )
    )
    return [_open_incident(row) for row in session.execute(query)]


def _open_incident(row: Sequence[Any]) -> OpenIncident:
    incident = CardIncident(*row[:7])
    obligation_id, owed_by, kind, number, due_at, step_key, fired_at, acked_at = row[7:]
    if obligation_id is None:
        return OpenIncident(incident, None, None, None)
    rung = Rung(step_key, fired_at) if step_key is not None else None
    owed = Owed(obligation_id, owed_by, kind, number, due_at)
    return OpenIncident(incident, owed, rung, acked_at)


def _most_urgent(owed: ColumnElement[bool]) -> Subquery:
    """The obligations `owed` picks, ranked per incident: the one due soonest (the first made,
    on a tie) ranked 1."""
    rank = func.row_number().over(
        partition_by=Obligation.incident_id, order_by=(Obligation.due_at, Obligation.id)
    )
    query = select(
        Obligation.id,
        Obligation.incident_id,
        Obligation.owed_by_unit_id,
        Obligation.kind,
        Obligation.number,
        Obligation.due_at,
        rank.label("rank"),
    )
    return query.where(owed).subquery()


def _last_rungs(obligation_ids: Select[int]) -> Subquery:
    """The ladder steps fired for these obligations, each one's last ranked 1."""
    rank = func.row_number().over(
        partition_by=Escalation.obligation_id,
        order_by=(Escalation.fired_at.desc(), Escalation.id.desc()),
    )
    query = select(
        Escalation.obligation_id, Escalation.step_key, Escalation.fired_at, rank.label("rank")
    )
    return query.where(Escalation.obligation_id.in_(obligation_ids)).subquery()


def _acknowledged(obligation_ids: Select[int]) -> Subquery:
    """When each of these obligations was last acknowledged."""
    return (
        select(Acknowledgement.obligation_id, func.max(Acknowledgement.at).label("at"))
        .where(Acknowledgement.obligation_id.in_(obligation_ids))
        .group_by(Acknowledgement.obligation_id)
        .subquery()
    )


def last_messages(
    session: Session, *, incident_ids: Sequence[int], person_ids: Sequence[int]
) -> dict[tuple[int, int], LastMessage]:
    """The latest message about each of these incidents to each of these people, by
    (incident id, person id), in one statement."""
    if not incident_ids or not person_ids:
        return {}
    rank = func.row_number().over(
        partition_by=(Notification.incident_id, Notification.person_id),
        order_by=(Notification.created_at.desc(), Notification.id.desc()),
    )
    ranked = (
        select(
            Notification.incident_id,
            Notification.person_id,
            Notification.id,
            Notification.channel,
            Notification.state,
            Notification.created_at,
            rank.label("rank"),
        )
        .where(
            Notification.incident_id.in_(incident_ids),
            Notification.person_id.in_(person_ids),
        )
        .subquery()
    )
    found = session.execute(
        select(
            ranked.c.incident_id,
            ranked.c.person_id,
            ranked.c.id,
            ranked.c.channel,
            ranked.c.state,
            ranked.c.created_at,
        ).where(ranked.c.rank == 1)
    )
    return {(i, p): LastMessage(n, channel, state, at) for i, p, n, channel, state, at in found}
