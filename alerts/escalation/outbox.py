"""The outbox: claim queued notifications, send them through the notifiers, record outcomes.

Every message is a row before it is sent. A claim marks rows `sending` with a lease and commits
before any provider is called; a row still `sending` when its lease ends is marked `unknown` and
never re-sent (the ladder's next rung is the safety net). Temporary failures go back to `queued`
with exponential back-off and jitter until `max_attempts`. Messages to one address and channel
that the throttle or a person's rate limits hold are bundled into one when it may go."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alerts.config import NotificationSettings
from alerts.escalation.messages.render import Messages
from alerts.storage import models as m
from notifiers.base import DeliveryState, Message, Notifier, SendResult
from rules.rate_limits import held_until

SEND_CONCURRENCY = 64


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
        _set_state(session, row, DeliveryState.UNKNOWN, now, "claim lease ended mid-send")
    return len(stale)


def claim(
    session: Session,
    *,
    settings: NotificationSettings,
    messages: Messages,
    now: datetime,
    limit: int,
) -> list[Claimed]:
    """Take due queued rows (SKIP LOCKED on PostgreSQL), bundle per address and channel, mark the
    sent ones `sending`. The caller commits before sending."""
    query = (
        select(m.Notification)
        .where(m.Notification.state == "queued", m.Notification.next_attempt_at <= now)
        .order_by(m.Notification.next_attempt_at, m.Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    groups: dict[tuple[str, str, int], list[m.Notification]] = defaultdict(list)
    bundling = settings.throttle > timedelta(0) or bool(settings.rate_limits)
    for row in session.scalars(query):
        groups[(row.channel, row.address, 0 if bundling else row.id)].append(row)
    claimed = []
    for rows in groups.values():
        window_end = _throttled_until(session, settings, rows, now)
        if window_end is not None:
            for row in rows:
                row.next_attempt_at = window_end
            continue
        claimed.append(_take(session, settings, messages, rows, now))
    return claimed


def _throttled_until(
    session: Session,
    settings: NotificationSettings,
    rows: list[m.Notification],
    now: datetime,
) -> datetime | None:
    """When this address may next get a message on this channel: the throttle (one per window)
    for everyone, and the rate limits for people (a webhook is a group, not a person)."""
    limits = dict(settings.rate_limits) if rows[0].person_id is not None else {}
    if settings.throttle > timedelta(0):
        limits[settings.throttle] = 1
    if not limits:
        return None
    sent = session.scalars(
        select(m.Notification.sent_at).where(
            m.Notification.channel == rows[0].channel,
            m.Notification.address == rows[0].address,
            m.Notification.sent_at > now - max(limits),
        )
    ).all()
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
            _set_state(
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


async def send(claimed: list[Claimed], notifiers: dict[str, Notifier]) -> list[SendResult]:
    """Send claimed messages concurrently; a missing channel is a permanent failure."""
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def one(item: Claimed) -> SendResult:
        notifier = notifiers.get(_channel_key(item))
        if notifier is None:
            return SendResult(DeliveryState.FAILED_PERM, error=f"no channel {item.message.channel}")
        async with gate:
            return await notifier.send(item.message)

    return list(await asyncio.gather(*(one(item) for item in claimed)))


def _channel_key(item: Claimed) -> str:
    return (
        item.message.channel if item.message.channel != "webhook" else f"webhook:{item.message.to}"
    )


def record(
    session: Session,
    *,
    settings: NotificationSettings,
    claimed: list[Claimed],
    results: list[SendResult],
    now: datetime,
) -> None:
    """Write each outcome: sent, dry, retry later, failed for good, or unknown."""
    ids = [item.id for item in claimed]
    rows = {
        row.id: row
        for row in session.scalars(select(m.Notification).where(m.Notification.id.in_(ids)))
    }
    for item, result in zip(claimed, results, strict=True):
        row = rows.get(item.id)
        if row is None or row.state != "sending":
            continue  # the lease ended and another worker marked it unknown
        row.claimed_until = None
        row.provider_id = result.provider_id or row.provider_id
        row.last_error = result.error
        if result.state in (DeliveryState.SENT, DeliveryState.DRY):
            row.sent_at = now
            _set_state(session, row, result.state, now, result.provider_id or "")
        elif result.state is DeliveryState.FAILED_TEMP and row.attempts < settings.max_attempts:
            row.next_attempt_at = now + _backoff(settings, row.attempts, result.retry_after)
            _set_state(session, row, DeliveryState.QUEUED, now, f"retry: {result.error or ''}")
        elif result.state is DeliveryState.UNKNOWN:
            _set_state(session, row, DeliveryState.UNKNOWN, now, result.error or "")
        else:
            _set_state(session, row, DeliveryState.FAILED_PERM, now, result.error or "")


def _backoff(settings: NotificationSettings, attempts: int, retry_after: float | None) -> timedelta:
    delay = settings.backoff.total_seconds() * 2 ** max(attempts - 1, 0)
    delay *= random.uniform(0.8, 1.2)  # jitter: retries from many rows do not arrive together
    return timedelta(seconds=max(delay, retry_after or 0))


def _set_state(
    session: Session, row: m.Notification, state: DeliveryState, now: datetime, detail: str
) -> None:
    row.state = state.value
    session.add(
        m.NotificationEvent(notification_id=row.id, at=now, state=state.value, detail=detail)
    )


def in_flight(session: Session, *, channel: str, address: str) -> bool:
    """Whether a send to `address` on `channel` is claimed and its outcome not yet written."""
    query = select(m.Notification.id).where(
        m.Notification.state == "sending",
        m.Notification.channel == channel,
        m.Notification.address == address,
    )
    return session.scalar(query.limit(1)) is not None


def mark_delivery(
    session: Session, *, provider_id: str, state: DeliveryState, detail: str, now: datetime
) -> bool:
    """A provider's status callback: delivered, or failed after acceptance. False if unknown id."""
    row = session.scalar(select(m.Notification).where(m.Notification.provider_id == provider_id))
    if row is None:
        return False
    if state is DeliveryState.DELIVERED:
        row.delivered_at = now
    if row.state not in ("delivered", "failed_perm") or state is DeliveryState.DELIVERED:
        _set_state(session, row, state, now, detail)
    session.execute(
        update(m.Notification)
        .where(m.Notification.bundled_into_id == row.id)
        .values(delivered_at=row.delivered_at)
    )
    return True
