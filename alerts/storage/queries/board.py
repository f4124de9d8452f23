"""The Now page's read model: open incidents with each one's most urgent obligation, the last
ladder rung fired for it and its latest acknowledgement, in one statement however many
incidents are open (each looked up by index per incident); and the last message each
incident's people were sent, in one more.
Only the columns a card shows are read, as plain rows: no ORM objects to build or expire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Integer, ScalarSelect, Select, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

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


T = TypeVar("T")
CARD_COLUMNS = (
    Incident.id,
    Incident.title,
    Incident.unit_id,
    Incident.state,
    Incident.clock_severity,
    Incident.classified,
    Incident.sensitive,
)


@dataclass(frozen=True)
class OpenBoard:
    """Every open incident's most urgent due time (None: nothing owed), and the most urgent of
    them in full, in board order."""

    due: Sequence[datetime | None]
    cards: list[OpenIncident]


def open_incidents(
    session: Session,
    *,
    office_ids: Sequence[int] | None = None,
    unit_id: int | None = None,
    cards: int | None = None,
) -> OpenBoard:
    """Incidents not closed, of these offices or of this unit: all their due times, and the
    first `cards` (None: all) in full, most urgent obligation first (overdue ones first of all,
    those with nothing owed last, in order of next due time); two statements."""
    given = {"office_ids": office_ids, "unit_id": unit_id, "cards": cards}
    params = {name: value for name, value in given.items() if value is not None}
    due_times, card_rows = _statements(*(name in params for name in given))
    due = list(session.scalars(due_times, params))
    return OpenBoard(due, [_open_incident(row) for row in session.execute(card_rows, params)])


@cache
def _statements(of_offices: bool, of_unit: bool, limited: bool) -> tuple[Select[Any], Select[Any]]:
    """The two statements for this kind of viewer, built once (building them cost as much as
    running them), with the offices, the unit and the number of cards as parameters."""
    where: list[ColumnElement[bool]] = [Incident.state.not_in(("closed", "archived"))]
    if of_offices:
        where.append(Incident.office_id.in_(bindparam("office_ids", expanding=True)))
    if of_unit:
        where.append(Incident.unit_id == bindparam("unit_id"))
    owed = aliased(Obligation)
    soonest = select(func.min(owed.due_at)).where(owed.incident_id == Incident.id, owed.still_owed)
    due_times = select(soonest.scalar_subquery()).where(*where)
    most_urgent = (
        select(owed.id)
        .where(owed.incident_id == Incident.id, owed.still_owed)
        .order_by(owed.due_at, owed.id)
        .limit(1)
        .scalar_subquery()
    )
    columns = select(*CARD_COLUMNS, Incident.next_due_at, most_urgent.label("owed_id"))
    card = columns.where(*where).subquery("card")
    card_rows = (
        select(
            *(card.c[c.key] for c in CARD_COLUMNS),
            Obligation.id,
            Obligation.owed_by_unit_id,
            Obligation.kind,
            Obligation.number,
            Obligation.due_at,
            _last_rung(Escalation.step_key),
            _last_rung(Escalation.fired_at),
            select(func.max(Acknowledgement.at))
            .where(Acknowledgement.obligation_id == Obligation.id)
            .scalar_subquery(),
        )
        .select_from(card)
        .outerjoin(Obligation, Obligation.id == card.c.owed_id)
        .order_by(
            Obligation.due_at.is_(None),
            Obligation.due_at,
            card.c.next_due_at.is_(None),
            card.c.next_due_at,
            card.c.id,
        )
    )
    if limited:
        card_rows = card_rows.limit(bindparam("cards", type_=Integer))
    return due_times, card_rows


def _last_rung(column: InstrumentedAttribute[T]) -> ScalarSelect[T]:
    """This column of the ladder step fired last for the obligation of the enclosing row (one
    index lookup per row: scalar subqueries, not window functions over a join, which SQLite
    scanned once per incident)."""
    return (
        select(column)
        .where(Escalation.obligation_id == Obligation.id)
        .order_by(Escalation.fired_at.desc(), Escalation.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _open_incident(row: Sequence[Any]) -> OpenIncident:
    incident = CardIncident(*row[:7])
    obligation_id, owed_by, kind, number, due_at, step_key, fired_at, acked_at = row[7:]
    if obligation_id is None:
        return OpenIncident(incident, None, None, None)
    rung = Rung(step_key, fired_at) if step_key is not None else None
    owed = Owed(obligation_id, owed_by, kind, number, due_at)
    return OpenIncident(incident, owed, rung, acked_at)


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
