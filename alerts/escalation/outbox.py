"""The outbox: claim queued notifications and record each outcome (sending is alerts/escalation/
sending.py).

Every message is a row before it is sent. A claim marks rows `sending` with a lease and commits
before any provider is called; a row still `sending` when its lease ends is marked `unknown` and
never re-sent (the ladder's next rung is the safety net). A row whose obligation was met or waived
while it waited is marked `stale` at claim time and never sent. Temporary failures go back to
`queued` with exponential back-off and jitter until `max_attempts`. Messages to one address and
channel that the throttle or a person's rate limits hold are bundled into one when it may go, up
to BUNDLE_MAX items, oldest first; an address is claimed by one instance at a time, before its
rows are (alerts/escalation/throttle.py). Reports filed at
a parent's Jibao (channel `jibao`, alerts/upward/) are neither held nor bundled: each row is one
report, sent as stored, with its dedupe key as the parent's Idempotency-Key. Group robots
(`robot:NAME`) are held to their provider's rate instead (alerts/escalation/robot_claims.py); a
stand-down goes alone, never held by a person's limits nor bundled."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session

from alerts.config import NotificationSettings
from alerts.escalation.messages.render import Messages
from alerts.escalation.provider_templates import provider_template
from alerts.escalation.robot_claims import (
    ROBOT_PREFIX,
    STAND_DOWN_PREFIX,
    claim_robots,
)
from alerts.escalation.throttle import Address, free_at, lock_addresses
from alerts.storage import models as m
from notifiers.base import DeliveryState, Message, SendResult

UNBUNDLED = frozenset({"jibao"})  # channels whose rows are sent one by one, as stored
# items one bundled message lists: an SMS stays within Twilio's 1,600 characters, and the rest go
# when the window next opens
BUNDLE_MAX = 10


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
        rows = _fresh(session, _skip_locked(session, _due(now).limit(limit)), now)
        return _claim_unheld(session, settings, messages, rows, now)
    # reports, stand-downs and robots are not held by an address's limits: claimed apart
    unheld = _due(now).where(_UNHELD).limit(limit)
    rows = _fresh(session, _skip_locked(session, unheld), now)
    claimed = _claim_unheld(session, settings, messages, rows, now)
    return claimed + _claim_held_to_limits(session, settings, messages, now, limit)


# a report filed at a parent's Jibao is a document, not an alert: never held or bundled; nor is a
# stand-down (alerts/escalation/stand_down.py): it is no item to do, and there is at most one for
# each message that already went; a group robot is held to its provider's rate instead, across
# everyone it mentions (alerts/escalation/robot_claims.py)
_UNHELD = or_(
    m.Notification.channel.in_(UNBUNDLED),
    m.Notification.channel.startswith(ROBOT_PREFIX),
    m.Notification.dedupe_key.startswith(STAND_DOWN_PREFIX),
)


def _claim_unheld(
    session: Session,
    settings: NotificationSettings,
    messages: Messages,
    rows: list[m.Notification],
    now: datetime,
) -> list[Claimed]:
    """Each row alone, but a robot's rows within its rate."""
    robots = [row for row in rows if row.channel.startswith(ROBOT_PREFIX)]
    alone = [row for row in rows if not row.channel.startswith(ROBOT_PREFIX)]
    claimed = [_take(session, settings, messages, [row], now) for row in alone]
    return claimed + claim_robots(
        session,
        settings,
        robots,
        now,
        take=lambda group: _take(session, settings, messages, group, now),
    )


def _claim_held_to_limits(
    session: Session, settings: NotificationSettings, messages: Messages, now: datetime, limit: int
) -> list[Claimed]:
    """Addresses first, then their rows: an address is claimed by one instance at a time and
    only its holder locks the rows due to it, so what one message bundles never depends on how
    another instance's batches fell. An address another instance holds is left for later."""
    held = lock_addresses(session, _due_addresses(session, now, limit))
    if not held:
        return []
    query = _due(now).where(
        tuple_(m.Notification.channel, m.Notification.address).in_(sorted(held)), ~_UNHELD
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # no other claim locks rows to an address we hold
    groups: dict[Address, list[m.Notification]] = defaultdict(list)
    for row in _fresh(session, list(session.scalars(query.limit(len(held) * BUNDLE_MAX))), now):
        groups[(row.channel, row.address)].append(row)
    claimed = []
    for address, window_end in free_at(session, settings, groups, now).items():
        if window_end is None:  # the rest wait for the window the send now opens
            rows = groups[address][:BUNDLE_MAX]
            claimed.append(_take(session, settings, messages, rows, now))
            continue
        for row in groups[address]:
            row.next_attempt_at = window_end
    return claimed


def _due_addresses(session: Session, now: datetime, limit: int) -> list[Address]:
    """The addresses (channel, address) with rows due, the longest waiting first."""
    query = (
        select(m.Notification.channel, m.Notification.address)
        .where(
            m.Notification.state == "queued",
            m.Notification.next_attempt_at <= now,
            ~_UNHELD,
        )
        .group_by(m.Notification.channel, m.Notification.address)
        .order_by(func.min(m.Notification.next_attempt_at))
        .limit(limit)
    )
    return [(channel, address) for channel, address in session.execute(query)]


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


def _fresh(session: Session, rows: list[m.Notification], now: datetime) -> list[m.Notification]:
    """The rows still worth sending; those whose obligation was met or waived become `stale`."""
    ids = {row.obligation_id for row in rows if row.obligation_id is not None}
    settled = {}
    if ids:
        query = select(m.Obligation.id, m.Obligation.status, m.Obligation.met_at).where(
            m.Obligation.id.in_(ids),
            ~m.Obligation.still_owed,
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
    robot = first.channel.startswith(ROBOT_PREFIX)
    message = Message(
        id=first.id,
        channel=first.channel if robot else first.channel.partition(":")[0],
        to=first.address,
        subject=first.subject,
        text=first.body,
        html=first.html,
        data={
            "incident_id": first.incident_id,
            "obligation_id": first.obligation_id,
            "ack_code": first.ack_code,
            "bundled": [r.id for r in rest],
            **({"key": first.dedupe_key} if first.channel in UNBUNDLED else {}),
            "template": provider_template(messages, first, len(rows), now),
            # everyone a robot's (bundled) message is for, to @-mention by mobile
            **({"mentions": list(dict.fromkeys(r.address for r in rows))} if robot else {}),
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
    written (early status callbacks for them may be waiting: alerts/escalation/statuses.py).
    A few statements however many results: the rows still `sending` read, their changes as a
    bulk UPDATE by id (one for each set of columns changed), their history in one INSERT."""
    ids = [item.id for item, _ in results]
    query = select(m.Notification.id, m.Notification.attempts).where(
        m.Notification.id.in_(ids), m.Notification.state == "sending"
    )
    attempts = {
        id_: tries for id_, tries in session.execute(query)
    }  # a row missing: its lease ended, it is `unknown`
    changes: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    written = []
    for item, result in results:
        if item.id not in attempts:
            continue
        state, detail, moment = _outcome(settings, result, attempts[item.id], now)
        change: dict[str, object] = dict(
            id=item.id, state=state.value, claimed_until=None, last_error=result.error
        )
        if result.provider_id:
            change["provider_id"] = result.provider_id
            written.append(result.provider_id)
        if moment is not None:  # sent_at, or next_attempt_at for a retry
            change["next_attempt_at" if state is DeliveryState.QUEUED else "sent_at"] = moment
        changes.append(change)
        events.append(dict(notification_id=item.id, at=now, state=state.value, detail=detail))
    if changes:
        session.execute(update(m.Notification), changes)
        session.execute(insert(m.NotificationEvent), events)
    return written


def _outcome(
    settings: NotificationSettings, result: SendResult, attempts: int, now: datetime
) -> tuple[DeliveryState, str, datetime | None]:
    """A result's new state, its history line, and when it was sent or is tried again."""
    if result.state in (DeliveryState.SENT, DeliveryState.DRY):
        return result.state, result.provider_id or "", now
    if result.state is DeliveryState.FAILED_TEMP and attempts < settings.max_attempts:
        retry_at = now + _backoff(settings, attempts, result.retry_after)
        return DeliveryState.QUEUED, f"retry: {result.error or ''}", retry_at
    if result.state is DeliveryState.UNKNOWN:
        return DeliveryState.UNKNOWN, result.error or "", None
    return DeliveryState.FAILED_PERM, result.error or "", None


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
