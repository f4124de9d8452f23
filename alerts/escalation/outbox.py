"""The outbox: claim queued notifications and record each outcome (sending is alerts/escalation/
sending.py).

Every message is a row before it is sent. A claim marks rows `sending` with a lease and commits
before any provider is called; a row still `sending` when its lease ends is marked `unknown` and
never re-sent (the ladder's next rung is the safety net). A row whose obligation was met or waived
while it waited is marked `stale` at claim time and never sent. Temporary failures go back to
`queued` with exponential back-off and jitter until `max_attempts`. Messages to one address and
channel that the throttle or a person's rate limits hold are bundled into one when it may go; on
PostgreSQL an address is claimed by one instance at a time (docs/decisions/0010)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from alerts.config import NotificationSettings
from alerts.escalation.messages.render import Messages
from alerts.storage import models as m
from notifiers.base import DeliveryState, Message, SendResult
from rules.rate_limits import held_until

STILL_OWED = ("pending", "missed")  # with no report yet (met_at unset): the ladder goes on


@dataclass(frozen=True)
class Claimed:
    """A notification to send now: its id and the message, bundled if several were queued."""

    id: int
    message: Message


def expire_stale_claims(session: Session, *, now: datetime) -> int:
    """Rows left `sending` past their lease (a crash mid-send) become `unknown`, never re-sent."""
    stale = session.scalars(
        select(m.Notification).where(
            m.Notification.state == "sending", m.Notification.claimed_until < now
        )
    ).all()
    for row in stale:
        set_state(session, row, DeliveryState.UNKNOWN, now, "claim lease ended mid-send")
    return len(stale)


def claim(
    session: Session,
    *,
    settings: NotificationSettings,
    messages: Messages,
    now: datetime,
    limit: int,
) -> list[Claimed]:
    """Take due queued rows, set aside the stale ones, bundle per address and channel, and mark
    the ones to send `sending`. The caller commits before sending."""
    if settings.throttle <= timedelta(0) and not settings.rate_limits:
        # nothing to bundle or hold: rows are claimed one by one (SKIP LOCKED on PostgreSQL)
        rows = _fresh(session, _skip_locked(session, _due(now).limit(limit)), now)
        return [_take(session, settings, messages, [row], now) for row in rows]
    claimed, looked_at = [], 0
    for channel, address in _due_addresses(session, now=now, limit=limit):
        if looked_at >= limit:
            break
        if not _lock_address(session, channel, address):
            continue  # another instance is claiming for this address right now
        query = _due(now).where(
            m.Notification.channel == channel, m.Notification.address == address
        )
        rows = _fresh(session, _skip_locked(session, query.limit(limit)), now)
        looked_at += len(rows)
        window_end = _throttled_until(session, settings, rows, now) if rows else None
        if window_end is not None:
            for row in rows:
                row.next_attempt_at = window_end
        elif rows:
            claimed.append(_take(session, settings, messages, rows, now))
    return claimed


def _due(now: datetime) -> Select[m.Notification]:
    return (
        select(m.Notification)
        .where(m.Notification.state == "queued", m.Notification.next_attempt_at <= now)
        .order_by(m.Notification.next_attempt_at, m.Notification.id)
    )


def _skip_locked(session: Session, query: Select[m.Notification]) -> list[m.Notification]:
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _due_addresses(session: Session, *, now: datetime, limit: int) -> list[tuple[str, str]]:
    """The addresses with something due, the longest waiting first (no lock taken here)."""
    query = (
        select(m.Notification.channel, m.Notification.address)
        .where(m.Notification.state == "queued", m.Notification.next_attempt_at <= now)
        .group_by(m.Notification.channel, m.Notification.address)
        .order_by(func.min(m.Notification.next_attempt_at), func.min(m.Notification.id))
        .limit(limit)
    )
    return [(channel, address) for channel, address in session.execute(query)]


def _lock_address(session: Session, channel: str, address: str) -> bool:
    """Hold the address until this transaction ends, or False if another instance holds it.

    A lock on the address, not on its rows: it also covers rows queued after our select, and
    the throttle is read under it, after the holder before us has committed what it claimed.
    SQLite has one writer at a time (docs/decisions/0002), so there it always succeeds."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    digest = hashlib.blake2b(f"jibao-outbox\n{channel}\n{address}".encode(), digest_size=8)
    key = int.from_bytes(digest.digest(), "big", signed=True)
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def _fresh(session: Session, rows: list[m.Notification], now: datetime) -> list[m.Notification]:
    """The rows still worth sending; those whose obligation was met or waived become `stale`."""
    ids = {row.obligation_id for row in rows if row.obligation_id is not None}
    settled = {}
    if ids:
        query = select(m.Obligation.id, m.Obligation.status, m.Obligation.met_at).where(
            m.Obligation.id.in_(ids),
            or_(m.Obligation.met_at.is_not(None), m.Obligation.status.not_in(STILL_OWED)),
        )
        settled = {
            id_: "met" if met_at is not None else status
            for id_, status, met_at in session.execute(query)
        }
    fresh = []
    for row in rows:
        outcome = settled.get(row.obligation_id) if row.obligation_id is not None else None
        if outcome is None:
            fresh.append(row)
        else:
            set_state(session, row, DeliveryState.STALE, now, f"obligation {outcome}")
    return fresh


def _throttled_until(
    session: Session,
    settings: NotificationSettings,
    rows: list[m.Notification],
    now: datetime,
) -> datetime | None:
    """When this address may next get a message on this channel: the throttle (one per window)
    for everyone, and the rate limits for people (a webhook is a group, not a person). A send
    still in flight (claimed, its outcome not yet written) counts as sent now."""
    limits = dict(settings.rate_limits) if rows[0].person_id is not None else {}
    if settings.throttle > timedelta(0):
        limits[settings.throttle] = 1
    if not limits:
        return None
    query = select(m.Notification.sent_at, m.Notification.state).where(
        m.Notification.channel == rows[0].channel,
        m.Notification.address == rows[0].address,
        or_(m.Notification.sent_at > now - max(limits), m.Notification.state == "sending"),
    )
    sent = [now if state == "sending" else at for at, state in session.execute(query)]
    return held_until([t for t in sent if t is not None], limits, now)


def _take(
    session: Session,
    settings: NotificationSettings,
    messages: Messages,
    rows: list[m.Notification],
    now: datetime,
) -> Claimed:
    first, rest = rows[0], rows[1:]
    if rest:
        first.body = messages.bundle([r.summary for r in rows], link=None)
        first.subject = first.body[:300]
        first.html = None
        for row in rest:
            row.bundled_into_id = first.id
            set_state(
                session, row, DeliveryState.BUNDLED, now, f"sent within notification {first.id}"
            )
    first.state, first.attempts = "sending", first.attempts + 1
    first.claimed_until = now + settings.claim_lease
    message = Message(
        id=first.id,
        channel=first.channel.partition(":")[0],
        to=first.address,
        subject=first.subject,
        text=first.body,
        html=first.html,
        data={
            "incident_id": first.incident_id,
            "obligation_id": first.obligation_id,
            "ack_code": first.ack_code,
            "bundled": [r.id for r in rest],
        },
    )
    return Claimed(first.id, message)


def record(
    session: Session,
    *,
    settings: NotificationSettings,
    results: Sequence[tuple[Claimed, SendResult]],
    now: datetime,
) -> list[str]:
    """Write each outcome: sent, dry, retry later, failed for good, or unknown; the provider ids
    written (early status callbacks for them may be waiting: alerts/escalation/statuses.py)."""
    ids = [item.id for item, _ in results]
    rows = {
        row.id: row
        for row in session.scalars(select(m.Notification).where(m.Notification.id.in_(ids)))
    }
    written = []
    for item, result in results:
        row = rows.get(item.id)
        if row is None or row.state != "sending":
            continue  # the lease ended and another worker marked it unknown
        row.claimed_until = None
        row.provider_id = result.provider_id or row.provider_id
        row.last_error = result.error
        if result.provider_id:
            written.append(result.provider_id)
        if result.state in (DeliveryState.SENT, DeliveryState.DRY):
            row.sent_at = now
            set_state(session, row, result.state, now, result.provider_id or "")
        elif result.state is DeliveryState.FAILED_TEMP and row.attempts < settings.max_attempts:
            row.next_attempt_at = now + _backoff(settings, row.attempts, result.retry_after)
            set_state(session, row, DeliveryState.QUEUED, now, f"retry: {result.error or ''}")
        elif result.state is DeliveryState.UNKNOWN:
            set_state(session, row, DeliveryState.UNKNOWN, now, result.error or "")
        else:
            set_state(session, row, DeliveryState.FAILED_PERM, now, result.error or "")
    return written


def _backoff(settings: NotificationSettings, attempts: int, retry_after: float | None) -> timedelta:
    delay = settings.backoff.total_seconds() * 2 ** max(attempts - 1, 0)
    delay *= random.uniform(0.8, 1.2)  # jitter: retries from many rows do not arrive together
    return timedelta(seconds=max(delay, retry_after or 0))


def set_state(
    session: Session, row: m.Notification, state: DeliveryState, now: datetime, detail: str
) -> None:
    """Move a notification to `state` and add the step to its delivery history."""
    row.state = state.value
    session.add(
        m.NotificationEvent(notification_id=row.id, at=now, state=state.value, detail=detail)
    )
