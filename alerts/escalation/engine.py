"""The engine: one tick decides (rules, under row locks), commits, then sends (the outbox).

decide: re-assess incidents whose clocks moved with time alone, then fire the ladder steps
that are due, writing escalations and queued notifications in the same transaction.
deliver: claim queued notifications, commit the claim, send, record each outcome as it comes.
A crash between the two loses nothing and sends nothing twice (docs/decisions/0005, 0010)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.escalation.digests import digest_moment, queue_digests
from alerts.escalation.ladder import claim_due_obligations, escalate_all
from alerts.escalation.outbox import claim, expire_stale_claims, record
from alerts.escalation.sending import Outcome, send_all
from alerts.escalation.stand_down import queue_stand_downs
from alerts.escalation.statuses import apply_early, drop_early
from alerts.filing.assessments import reassess_stored
from alerts.services import Services
from alerts.storage import models as m
from alerts.upward.receipts import apply_receipts

BATCH = 500
FIRST_BATCH = 20  # a burst's first messages leave after a small batch, the rest in larger ones
ROSTER_EVERY = timedelta(minutes=1)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    reassessed: int
    fired: int
    sent: int


class Engine:
    """Decides and delivers for one service instance; several may share one PostgreSQL."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # collaborators come ready-made from the composition root (create_app)
        self.notifiers = services.channels
        self.messages = services.messages
        self.escalator = services.escalator
        self.roster = services.roster
        self.roster_watch = services.roster_watch
        self._roster_checked: datetime | None = None
        self._digested_on: date | None = None

    async def tick(self) -> TickReport:
        """Decide a batch, send what it queued, and again while more is due; then the roster."""
        now = self.services.clock.now()
        reassessed = fired = sent = 0
        for limit in self._batch_sizes(now):  # sending after each batch: a burst's first go at once
            batch_reassessed, batch_fired, more = self.decide_batch(now, limit)
            reassessed, fired = reassessed + batch_reassessed, fired + batch_fired
            while batch := await self.deliver():
                sent += batch
            if not more:
                break
        self.watch_roster(now)
        self.queue_digest(now)
        self.stand_down(now)
        while batch := await self.deliver():  # what the roster watch and the digest queued
            sent += batch
        self.services.metrics.steps_fired.inc(fired)
        self.services.metrics.messages_sent.inc(sent)
        return TickReport(reassessed, fired, sent)

    def decide(self) -> tuple[int, int]:
        """Re-assess incidents and fire due ladder steps until nothing more is due at now."""
        now = self.services.clock.now()
        reassessed = fired = 0
        for limit in self._batch_sizes(now):
            batch_reassessed, batch_fired, more = self.decide_batch(now, limit)
            reassessed, fired = reassessed + batch_reassessed, fired + batch_fired
            if not more:
                break
        self.watch_roster(now)
        self.queue_digest(now)
        return reassessed, fired

    def decide_batch(self, now: datetime, limit: int = BATCH) -> tuple[int, int, bool]:
        """One batch of at most `limit` re-assessments and one of ladder steps, each committed;
        whether more may be due."""
        with self.services.session() as session:
            incidents = _claim_changed_incidents(session, now, limit)
            for incident in incidents:
                reassess_stored(
                    session, settings=self.services.settings, incident=incident, now=now
                )
            # committed alone: re-assessing waits for obligations another instance is
            # escalating, so holding our own claimed obligations meanwhile could deadlock
            session.commit()
        with self.services.session() as session:
            obligations = claim_due_obligations(session, now=now, limit=limit)
            fired = escalate_all(session, self.escalator, obligations, now)
            session.commit()
        return len(incidents), fired, len(incidents) == limit or len(obligations) == limit

    def _batch_sizes(self, now: datetime) -> Iterator[int]:
        """Batch sizes for one tick: what is due in one batch when it fits, as a robot's rate
        bundles it (docs/decisions/0021); a larger burst small first, doubling up to BATCH."""
        with self.services.session() as session:
            burst = _more_steps_due(session, now, BATCH)
        size = min(FIRST_BATCH, BATCH) if burst else BATCH
        while True:
            yield size
            size = min(size * 2, BATCH)

    def watch_roster(self, now: datetime) -> None:
        """Handovers, gaps and duty checks, at most once a minute of the engine's clock."""
        if self._roster_checked is not None and now - self._roster_checked < ROSTER_EVERY:
            return
        with self.services.session() as session:
            self.roster_watch.run(session, now)
            session.commit()
        self._roster_checked = now

    def queue_digest(self, now: datetime) -> None:
        """Today's digest of spent ladders, once a local day, from its configured time."""
        day = now.astimezone(self.roster.zone).date()
        if self._digested_on == day or now < digest_moment(self.escalator, now):
            return
        with self.services.session() as session:
            queue_digests(session, self.escalator, now)
            session.commit()
        self._digested_on = day

    def stand_down(self, now: datetime) -> None:
        """Stand-downs (催报解除) for the met obligations' messages that went (on by config)."""
        if not self.services.settings.notifications.stand_down:
            return
        with self.services.session() as session:
            queue_stand_downs(session, self.escalator, now)
            session.commit()

    async def deliver(self) -> int:
        """Send one batch of due notifications, recording each result as it completes; how
        many were sent (0: nothing was due)."""
        settings = self.services.settings.notifications
        now = self.services.clock.now()
        with self.services.session() as session:
            expire_stale_claims(session, now=now)
            drop_early(session, before=now - settings.claim_lease)
            claimed = claim(
                session, settings=settings, messages=self.messages, now=now, limit=BATCH
            )
            session.commit()
        if not claimed:
            return 0
        await send_all(claimed, self.notifiers, self._record)
        return len(claimed)

    def _record(self, results: list[Outcome]) -> None:
        """Store a group of send results in its own transaction, with the parents' receipts of
        upward reports among them, then apply status callbacks that came before them (only
        after the commit: docs/decisions/0010)."""
        now = self.services.clock.now()
        with self.services.session() as session:
            provider_ids = record(
                session,
                settings=self.services.settings.notifications,
                results=results,
                now=now,
            )
            # a parent's receipt of an upward report meets the office's obligation: stored
            # with the send's result, so a receipt is never recorded without its effect
            apply_receipts(session, settings=self.services.settings, results=results, now=now)
            session.commit()
        if provider_ids:
            with self.services.session() as session:
                apply_early(session, provider_ids=provider_ids)
                session.commit()

    def next_wake(self) -> datetime | None:
        """The earliest moment anything stored becomes due."""
        with self.services.session() as session:
            moments = [
                session.scalar(select(func.min(m.Incident.next_change_at))),
                session.scalar(select(func.min(m.Obligation.next_escalation_at))),
                session.scalar(
                    select(func.min(m.Notification.next_attempt_at)).where(
                        m.Notification.state == "queued"
                    )
                ),
            ]
        return min((t for t in moments if t is not None), default=None)

    async def close(self) -> None:
        """Release the notifiers' connections."""
        for notifier in self.notifiers.values():
            await notifier.close()


def _more_steps_due(session: Session, now: datetime, count: int) -> bool:
    """Whether more than `count` obligations have ladder steps due (reads at most count + 1)."""
    beyond = (
        select(m.Obligation.id)
        .where(m.Obligation.next_escalation_at <= now)
        .order_by(m.Obligation.next_escalation_at)
        .offset(count)
        .limit(1)
    )
    return session.scalar(beyond) is not None


def _claim_changed_incidents(session: Session, now: datetime, limit: int) -> list[m.Incident]:
    query = (
        select(m.Incident)
        .where(m.Incident.next_change_at.is_not(None), m.Incident.next_change_at <= now)
        .order_by(m.Incident.next_change_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: escalating instances insert rows that reference the incident (a KEY
        # SHARE lock), which FOR UPDATE would block while we wait on their obligations
        query = query.with_for_update(skip_locked=True, key_share=True)
    return list(session.scalars(query))
