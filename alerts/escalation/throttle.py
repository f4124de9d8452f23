"""Per-address limits for the outbox: the throttle (one message per address and channel per
window) and a person's rate limits, kept across instances by claiming per address.

On PostgreSQL a claim holds a transaction-scoped advisory lock on each address it may send to;
an address another instance holds is left for later. The recent sends are read under the lock,
after whoever held it before has committed, and a send still in flight counts as sent now, so
two instances never both send to one address within its limits (docs/decisions/0010). SQLite
has one writer at a time (docs/decisions/0002), so there every address is ours."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.orm import Session

from alerts.config import NotificationSettings
from alerts.storage import models as m
from rules.rate_limits import held_until

Address = tuple[str, str]  # (channel, address)
_TRY_LOCKS = text(
    "SELECT key, pg_try_advisory_xact_lock(key) FROM unnest(:keys) AS key"
).bindparams(bindparam("keys", type_=ARRAY(BIGINT)))


def lock_addresses(session: Session, addresses: Iterable[Address]) -> set[Address]:
    """The addresses this transaction now holds until it ends (one round trip for all)."""
    wanted = set(addresses)
    if session.get_bind().dialect.name != "postgresql" or not wanted:
        return wanted
    by_key = {_lock_key(address): address for address in wanted}
    rows = session.execute(_TRY_LOCKS, {"keys": list(by_key)})
    return {by_key[key] for key, taken in rows if taken}


def _lock_key(address: Address) -> int:
    """A stable 64-bit key (Python's hash() differs between processes)."""
    channel, to = address
    digest = hashlib.blake2b(f"jibao-outbox\n{channel}\n{to}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def limits_for(settings: NotificationSettings, *, person: bool) -> dict[timedelta, int]:
    """The windows an address is held to: the throttle for everyone, rate limits for people
    (a webhook is a group, not a person)."""
    limits = dict(settings.rate_limits) if person else {}
    if settings.throttle > timedelta(0):
        limits[settings.throttle] = 1
    return limits


def recent_sends(
    session: Session, addresses: Iterable[Address], *, since: datetime, now: datetime
) -> dict[Address, list[datetime]]:
    """When each address was last sent to after `since`; a send in flight counts as `now`."""
    wanted = set(addresses)
    found: dict[Address, list[datetime]] = defaultdict(list)
    if not wanted:
        return found
    query = select(
        m.Notification.channel, m.Notification.address, m.Notification.sent_at
    ).add_columns(m.Notification.state)
    query = query.where(
        m.Notification.address.in_({to for _, to in wanted}),
        or_(m.Notification.sent_at > since, m.Notification.state == "sending"),
    )
    for channel, to, sent_at, state in session.execute(query):
        if (channel, to) in wanted:
            found[(channel, to)].append(now if state == "sending" else sent_at)
    return found


def free_at(
    session: Session,
    settings: NotificationSettings,
    groups: dict[Address, list[m.Notification]],
    now: datetime,
) -> dict[Address, datetime | None]:
    """For each address (held by this transaction) and the rows due to it: None if a message
    may go now, else the moment it may."""
    limits = {
        address: limits_for(settings, person=rows[0].person_id is not None)
        for address, rows in groups.items()
    }
    longest = max((max(windows) for windows in limits.values() if windows), default=None)
    if longest is None:
        return dict.fromkeys(groups)
    sent = recent_sends(session, groups, since=now - longest, now=now)
    return {
        address: held_until(sent.get(address, []), windows, now) if windows else None
        for address, windows in limits.items()
    }
