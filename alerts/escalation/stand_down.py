"""Stand-down (催报解除): when the report that meets an obligation arrives, everyone whose
message about it went out gets one short message on the channel that reached them:
“已收到报告，催报解除” (the `stand_down` template, in the configured language).

Decided in the engine's tick, after the sends it recorded: the messages about met obligations
that went out (sent, delivered, or recorded by a dry channel; a bundled one when the message it
went in did) in the last `LOOKBACK`, less those whose stand-down is already stored. A message
still in flight when the report came is found once its result is in; one that never went out
(stale, failed, unknown, still queued) brings none. The dedupe key (obligation, person, channel)
stores it once, across restarts and instances (inserted in a savepoint, as digests are); the
outbox sends it like any notice. A stand-down has no obligation of its own (the met obligation
would make it `stale`): its key names the obligation, `incident_id` the incident."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from alerts.escalation.ladder import Escalator, about_obligation
from alerts.escalation.messages.render import About
from alerts.escalation.notices import queued_notification
from alerts.escalation.robot_claims import STAND_DOWN_PREFIX
from alerts.escalation.subjects import subject_of
from alerts.storage import models as m

WENT = ("sent", "delivered", "dry")
LOOKBACK = timedelta(hours=24)  # a page older than this is not worth standing down


def stand_down_key(obligation_id: int, person_id: int, channel: str) -> str:
    """The dedupe key: one stand-down per obligation, person and channel."""
    return f"{STAND_DOWN_PREFIX}{obligation_id}:{person_id}:{channel}"


def queue_stand_downs(session: Session, escalator: Escalator, now: datetime) -> int:
    """Queue the stand-downs now owed; how many were new."""
    owed: dict[str, tuple[int, int, str, str]] = {}
    for obligation_id, person_id, channel, address in _reached(session, since=now - LOOKBACK):
        key = stand_down_key(obligation_id, person_id, channel)
        owed.setdefault(key, (obligation_id, person_id, channel, address))
    if not owed:
        return 0
    stored = set(
        session.scalars(
            select(m.Notification.dedupe_key).where(m.Notification.dedupe_key.in_(owed))
        )
    )
    queued = 0
    for key, (obligation_id, person_id, channel, address) in sorted(owed.items()):
        if key in stored:
            continue
        obligation = session.get(m.Obligation, obligation_id)
        assert obligation is not None
        incident = subject_of(session, obligation)
        owner = session.get(m.Unit, obligation.owed_by_unit_id)
        about = about_obligation(escalator, incident, obligation, owner, person_id, now)
        text = escalator.messages.notice("stand_down", a=about)
        row = queued_notification(
            dedupe_key=key,
            person_id=person_id,
            channel=channel,
            address=address,
            subject=text,
            text=text,
            now=now,
        )
        row.incident_id = obligation.incident_id
        row.template = _template(about)
        queued += _add_once(session, row)
    return queued


def _template(about: About) -> dict[str, Any]:
    """The parameters of the `stand_down` template, for providers that send only registered
    templates (alerts/escalation/messages/params.py; the outbox fills in `time`)."""
    title = "" if about.classified else about.incident_title
    unit = "" if about.classified else about.unit_name
    return {"kind": "stand_down", "params": {"unit": unit, "title": title}}


def _reached(session: Session, *, since: datetime) -> list[tuple[int, int, str, str]]:
    """(obligation, person, channel, address) of each message about a met obligation that went
    out after `since`, itself or within another."""
    n, went = m.Notification, aliased(m.Notification)
    base = (
        select(n.obligation_id, n.person_id, n.channel, n.address)
        .join(m.Obligation, m.Obligation.id == n.obligation_id)
        .where(m.Obligation.met_at.is_not(None), n.person_id.is_not(None))
    )
    alone = base.where(n.state.in_(WENT), n.sent_at > since)
    bundled = base.join(went, went.id == n.bundled_into_id).where(
        n.state == "bundled", went.state.in_(WENT), went.sent_at > since
    )
    found = []
    for query in (alone, bundled):
        for obligation_id, person_id, channel, address in session.execute(query):
            if obligation_id is not None and person_id is not None:
                found.append((obligation_id, person_id, channel, address))
    return found


def _add_once(session: Session, row: m.Notification) -> int:
    """Insert in a savepoint: another instance may have queued the same stand-down meanwhile."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return 0
    return 1
