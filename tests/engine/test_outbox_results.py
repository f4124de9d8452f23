"""Recording send results: each claimed row takes its outcome and one line of history, in a few
statements however many results came together, and a row no longer `sending` is left alone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.escalation.messages.render import Messages
from alerts.escalation.outbox import Claimed, claim, record
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from notifiers.base import DeliveryState, SendResult
from tests.builders import at, initial
from tests.engine.harness import channel_settings, notification_rows, seed, served

NOW = at(12)


@contextmanager
def session_counting(config: Settings) -> Iterator[tuple[Session, list[str]]]:
    """A session on the test database and the statements it runs from here on."""
    engine = make_engine(config.database_url)
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(args[2])

    try:
        with make_session_factory(engine)() as session:
            event.listen(engine, "before_cursor_execute", note)
            yield session, statements
    finally:
        engine.dispose()


def claimed_rows(database_url: str) -> tuple[Settings, list[Claimed]]:
    """Five messages decided at 12:00 (three SMS, two calls), claimed and committed."""
    seeded = seed(database_url, start=at(9, 10))
    config = channel_settings(database_url)
    first = served(config, seeded.clock)
    first.post(initial(), seeded.tokens["qdh"])
    seeded.clock.set(NOW)
    first.engine.decide()
    first.close()
    messages = Messages(
        config.language, config.rules.timezone, ack_pause=config.escalation.ack_pause
    )
    with session_counting(config) as (session, _):
        claimed = claim(
            session, settings=config.notifications, messages=messages, now=NOW, limit=100
        )
        session.commit()
    return config, claimed


def test_results_of_every_kind_are_stored_in_a_few_statements(database_url: str) -> None:
    config, claimed = claimed_rows(database_url)
    assert len(claimed) == 5
    sent, dry, retry, refused, unknown = claimed
    outcomes = [
        (sent, SendResult(DeliveryState.SENT, provider_id="SM1")),
        (dry, SendResult(DeliveryState.DRY)),
        (retry, SendResult(DeliveryState.FAILED_TEMP, error="503", retry_after=120)),
        (refused, SendResult(DeliveryState.FAILED_PERM, error="21211 not a number")),
        (unknown, SendResult(DeliveryState.UNKNOWN, error="no answer")),
    ]

    before = _history(config)
    with session_counting(config) as (session, statements):
        written = record(session, settings=config.notifications, results=outcomes, now=NOW)
        session.commit()

    assert written == ["SM1"]
    # a SELECT, an UPDATE for each set of columns written (sent with and without a provider
    # id, retried, neither), an INSERT
    assert len([s for s in statements if not s.startswith(("BEGIN", "COMMIT"))]) == 6
    rows = {row.id: row for row in notification_rows(database_url)}
    stored = ["sent", "dry", "queued", "failed_perm", "unknown"]
    assert [rows[c.id].state for c, _ in outcomes] == stored
    assert rows[sent.id].provider_id == "SM1"
    assert all(rows[c.id].claimed_until is None for c, _ in outcomes)
    retried = rows[retry.id]
    assert retried.attempts == 1 and retried.next_attempt_at is not None
    assert retried.next_attempt_at >= NOW + timedelta(seconds=120)  # what the provider asked
    history = _history(config)
    assert [history[c.id] for c, _ in outcomes] == [
        before[c.id] + [state] for (c, _), state in zip(outcomes, stored, strict=True)
    ]


def test_many_results_take_no_more_statements_than_one(database_url: str) -> None:
    config, claimed = claimed_rows(database_url)
    sent = [(c, SendResult(DeliveryState.SENT, provider_id=f"SM{c.id}")) for c in claimed]

    with session_counting(config) as (session, statements):
        record(session, settings=config.notifications, results=sent, now=NOW)
        session.commit()

    assert len([s for s in statements if not s.startswith(("BEGIN", "COMMIT"))]) == 3
    assert {row.state for row in notification_rows(database_url)} == {"sent"}


def test_a_row_whose_lease_ended_keeps_its_state(database_url: str) -> None:
    config, claimed = claimed_rows(database_url)
    late, on_time = claimed[0], claimed[1]
    with session_counting(config) as (session, _):  # what expire_stale_claims does
        session.execute(
            update(m.Notification).where(m.Notification.id == late.id).values(state="unknown")
        )
        session.commit()

    with session_counting(config) as (session, _):
        record(
            session,
            settings=config.notifications,
            results=[
                (late, SendResult(DeliveryState.SENT, provider_id="SM-late")),
                (on_time, SendResult(DeliveryState.SENT, provider_id="SM-on-time")),
            ],
            now=NOW,
        )
        session.commit()

    rows = {row.id: row for row in notification_rows(database_url)}
    assert (rows[late.id].state, rows[late.id].provider_id) == ("unknown", None)
    assert (rows[on_time.id].state, rows[on_time.id].provider_id) == ("sent", "SM-on-time")


def _history(config: Settings) -> dict[int, list[str]]:
    """Each notification's recorded states, in order."""
    with session_counting(config) as (session, _):
        query = select(m.NotificationEvent.notification_id, m.NotificationEvent.state)
        history: dict[int, list[str]] = defaultdict(list)
        for notification_id, state in session.execute(query.order_by(m.NotificationEvent.id)):
            history[notification_id].append(state)
    return history
