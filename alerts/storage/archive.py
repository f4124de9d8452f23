"""The records archive: each incident with every row that belongs to it (its filings as received,
obligations, waivers, timeline, ladder steps, messages with their delivery history, and
acknowledgements) as one plain, JSON-ready record, for the office's files.

Rows are written column by column, so a column a later migration adds is archived without a
change here; times are shown in the office's zone with their offset, as the API shows them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from alerts.storage.models import Base, Event, Incident
from alerts.storage.queries.escalation import (
    acknowledgements_of,
    delivery_history,
    escalations_of,
    notifications_of,
)
from alerts.storage.queries.filing import events_of, filings_of, obligations_of, waivers_of

FORMAT = "jibao-archive/1"
LEFT_OUT = {"html"}  # a message's HTML twin of its text body: the text is kept
BATCH = 200


def incidents_between(
    session: Session, *, since: datetime | None, until: datetime | None
) -> Iterator[Incident]:
    """Incidents that occurred in [since, until), oldest first, loaded a batch at a time (the
    session forgets each batch before the next, so years of records fit in memory)."""
    query = select(Incident.id).order_by(Incident.id)
    if since is not None:
        query = query.where(Incident.occurred_at >= since)
    if until is not None:
        query = query.where(Incident.occurred_at < until)
    ids = session.scalars(query).all()
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        yield from session.scalars(
            select(Incident).where(Incident.id.in_(batch)).order_by(Incident.id)
        )
        session.expunge_all()


def incident_record(
    session: Session, *, incident: Incident, zone: ZoneInfo, keep_years: int, codes: dict[int, str]
) -> dict[str, Any]:
    """One incident and everything recorded about it; `keep_until` is the first day it may be
    disposed of under the records period (null while it is not closed)."""
    shown = _Rows(zone)
    events = events_of(session, incident_id=incident.id)
    notifications = notifications_of(session, incident_id=incident.id)
    history: dict[int, list[dict[str, Any]]] = {}
    for row in delivery_history(session, notification_ids=[n.id for n in notifications]):
        history.setdefault(row.notification_id, []).append(shown(row))
    return {
        "format": FORMAT,
        "incident": {
            **shown(incident),
            "unit": codes.get(incident.unit_id),
            "office": codes.get(incident.office_id),
        },
        "keep_until": _keep_until(incident, events, zone, keep_years),
        "filings": [shown(f) for f in filings_of(session, incident_id=incident.id)],
        "obligations": [shown(o) for o in obligations_of(session, incident_id=incident.id)],
        "waivers": [shown(w) for w in waivers_of(session, incident_id=incident.id)],
        "timeline": [shown(e) for e in events],
        "escalations": [shown(e) for e in escalations_of(session, incident_id=incident.id)],
        "notifications": [{**shown(n), "deliveries": history.get(n.id, [])} for n in notifications],
        "acknowledgements": [
            shown(a) for a in acknowledgements_of(session, incident_id=incident.id)
        ],
    }


class _Rows:
    """A stored row as a dict of its columns, times in one zone."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def __call__(self, row: Base) -> dict[str, Any]:
        return {
            column.key: self.value(getattr(row, column.key))
            for column in inspect(row).mapper.column_attrs
            if column.key not in LEFT_OUT
        }

    def value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(self.zone).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return value


def _keep_until(
    incident: Incident, events: Sequence[Event], zone: ZoneInfo, keep_years: int
) -> str | None:
    if incident.state not in ("closed", "archived"):
        return None
    last = max([incident.updated_at, *(e.at for e in events)]).astimezone(zone).date()
    try:
        return last.replace(year=last.year + keep_years).isoformat()
    except ValueError:  # 29 February, in a year that has none
        return last.replace(year=last.year + keep_years, day=28).isoformat()
