"""GET /api/v1/roster/notices: the messages the roster itself sent (a handover not accepted in
time, a gap ahead, a duty check asked or unanswered), so a script or another system reads what
the duty room was told without the dashboard. The office's token reads every unit's below it; a
unit's token the messages to its own people. Newest first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import or_, select

from alerts.api.bounds import WireTime
from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import error_responses
from alerts.api.roster_access import units_below
from alerts.api.schemas import Moment, Out
from alerts.services import SessionDep
from alerts.storage import models as m

router = APIRouter(tags=["roster"])
Kind = Literal["handover", "gap", "duty_check", "duty_check_missed"]
PREFIX = {"handover": "handover:", "gap": "gap:", "duty_check": "check:"}  # the dedupe keys
MAX_ROWS = 500


class RosterNoticeOut(Out):
    """One message the roster sent to one person on one channel."""

    id: int
    kind: Kind
    unit: str
    person_id: int | None
    person: str
    channel: str
    subject: str
    text: str
    state: str  # queued, sent, dry, failed, … (docs/api.md)
    created_at: Moment
    sent_at: Moment | None


class RosterNoticesOut(Out):
    """The roster's messages, newest first."""

    notices: list[RosterNoticeOut]


@router.get("/api/v1/roster/notices", responses=error_responses(401, 422))
async def list_roster_notices(
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    kind: Annotated[Kind | None, Query()] = None,
    since: Annotated[WireTime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 100,
) -> RosterNoticesOut:
    """Handover, gap and duty-check messages to the caller's units' people (`kind` narrows it;
    `since`: created at or after)."""
    units = {u.id: u for u in units_below(session, caller)}
    wanted = "duty_check" if kind == "duty_check_missed" else kind
    prefixes = [PREFIX[wanted]] if wanted else list(PREFIX.values())
    query = (
        select(m.Notification, m.Person)
        .join(m.Person, m.Person.id == m.Notification.person_id)
        .where(
            m.Person.unit_id.in_(units),
            m.Notification.obligation_id.is_(None),
            or_(*(m.Notification.dedupe_key.startswith(p) for p in prefixes)),
        )
        .order_by(m.Notification.created_at.desc(), m.Notification.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(m.Notification.created_at >= since)
    found = []
    for row, person in session.execute(query):
        what = _kind(row.dedupe_key)
        if kind is not None and what != kind:
            continue
        found.append(
            RosterNoticeOut(
                id=row.id,
                kind=what,
                unit=units[person.unit_id].code,
                person_id=person.id,
                person=person.name,
                channel=row.channel,
                subject=row.subject,
                text=row.body,
                state=row.state,
                created_at=wire.moment(row.created_at),
                sent_at=wire.moment(row.sent_at) if row.sent_at else None,
            )
        )
    return RosterNoticesOut(notices=found)


def _kind(key: str) -> Kind:
    """`handover:7:…`, `gap:…`, `check:3:…` (asked) or `check:3:missed:…`."""
    if key.startswith(PREFIX["handover"]):
        return "handover"
    if key.startswith(PREFIX["gap"]):
        return "gap"
    return "duty_check_missed" if ":missed:" in key else "duty_check"
