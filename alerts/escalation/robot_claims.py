"""A group robot's rate in the outbox: each robot may post only as often as its provider allows
(notifiers/provider_ids.py `ROBOT_RATE_LIMITS`: DingTalk and WeCom 20 a minute, Feishu 100 a
minute and 5 a second), counted over everything it posted, whoever it mentioned.

What exceeds the rate is bundled, never dropped: with room for k more posts now and n > k rows
due, k - 1 go alone and the rest as one bundled post (mentioning all of them); with no room,
every row waits for the moment the fullest window frees a place, and is claimed the same way
then. A stand-down goes first and alone, never in a bundle. Across instances a robot is claimed
by one at a time, with the advisory lock the throttle takes per address
(alerts/escalation/throttle.py), under which its recent posts, in-flight ones as now, are
read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alerts.config import NotificationSettings
from alerts.escalation.throttle import lock_addresses
from alerts.storage import models as m
from notifiers.provider_ids import ROBOT_RATE_LIMITS
from rules.rate_limits import held_until

ROBOT_PREFIX = "robot:"
STAND_DOWN_PREFIX = "stand_down:"
T = TypeVar("T")
_WHOLE_ROBOT = "*"  # the lock's address: the robot itself, not one person


def is_stand_down(row: m.Notification) -> bool:
    """A stand-down (alerts/escalation/stand_down.py `stand_down_key`): it goes alone."""
    return row.dedupe_key.startswith(STAND_DOWN_PREFIX)


def robot_limits(settings: NotificationSettings, channel: str) -> dict[timedelta, int]:
    """The windows a robot is held to, by its configured kind (none for an unknown robot:
    its rows fail at sending, `no channel`)."""
    name = channel.removeprefix(ROBOT_PREFIX)
    kind = next((r.kind for r in settings.robots if r.name == name), None)
    return {timedelta(seconds=s): n for s, n in ROBOT_RATE_LIMITS.get(kind or "", ())}


def claim_robots(
    session: Session,
    settings: NotificationSettings,
    rows: list[m.Notification],
    now: datetime,
    *,
    take: Callable[[list[m.Notification]], T],
) -> list[T]:
    """Claim what each robot may post now (`take` marks a group `sending`, bundled if several);
    hold the rest to the moment its robot frees a place."""
    groups: dict[str, list[m.Notification]] = defaultdict(list)
    for row in rows:
        groups[row.channel].append(row)
    held = lock_addresses(session, [(channel, _WHOLE_ROBOT) for channel in groups])
    claimed: list[T] = []
    for channel, group in groups.items():
        if (channel, _WHOLE_ROBOT) not in held:
            continue  # another instance is claiming for this robot: the next claim takes them
        limits = robot_limits(settings, channel)
        if not limits:
            claimed += [take([row]) for row in group]
            continue
        sent = _recent_posts(session, channel, since=now - max(limits), now=now)
        room = min(n - sum(1 for t in sent if t > now - w) for w, n in limits.items())
        alone, bundle, waiting = split_posts(group, max(room, 0))
        claimed += [take([row]) for row in alone]
        if bundle:
            claimed.append(take(bundle))
        if waiting:
            free = held_until([*sent, *[now] * len(alone)], limits, now) or now
            for row in waiting:
                row.next_attempt_at = free
    return claimed


def split_posts(
    group: list[m.Notification], room: int
) -> tuple[list[m.Notification], list[m.Notification], list[m.Notification]]:
    """With room for `room` posts: what goes alone, what goes as one bundle, what waits.
    Stand-downs go first and alone (no item to do, so never in a bundle)."""
    downs = [row for row in group if is_stand_down(row)]
    items = [row for row in group if not is_stand_down(row)]
    alone = downs[:room]
    room -= len(alone)
    if room <= 0:
        return alone, [], downs[len(alone) :] + items
    if len(items) <= room:
        return alone + items, [], []
    return alone + items[: room - 1], items[room - 1 :], []


def _recent_posts(
    session: Session, channel: str, *, since: datetime, now: datetime
) -> list[datetime]:
    """When the robot posted after `since`; a post in flight counts as `now`."""
    query = select(m.Notification.sent_at, m.Notification.state).where(
        m.Notification.channel == channel,
        or_(m.Notification.sent_at > since, m.Notification.state == "sending"),
    )
    return [
        now if state == "sending" or sent_at is None else sent_at
        for sent_at, state in session.execute(query)
    ]
