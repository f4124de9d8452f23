"""Provider faults through the real notifiers, counted on the stand-ins: temporary failures are
retried with back-off and delivered once, an unknown outcome is never re-sent, a permanent
failure is shown with its history and left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from alerts.storage import models as m
from alerts.storage.database import make_engine
from tests.builders import at, phone_of
from tests.engine.harness import Scene, one_rung, scene, the_row
from tests.notifiers.smtp_server import SmtpServer
from tests.notifiers.twilio_standin import TwilioStandIn

SECTION_HEAD_EMAIL = "13900000023@example.gov.cn"
SECOND = timedelta(seconds=1)


def _one_message(database_url: str, *, channel: str, **options: Any) -> Scene:
    """One incident filed, on an office ladder that tells the section head once, on `channel`,
    when K4 falls due at 12:00."""
    return scene(database_url, escalation__office=one_rung(channel), **options)


def _shown(filed: Scene) -> Any:
    """The one notification, as the incident API shows it."""
    [notification] = filed.notifications()
    return notification


def _states(notification: Any) -> list[str]:
    return [event["state"] for event in notification["history"]]


def test_smtp_down_for_a_while_is_retried_with_backoff_and_delivered_once(
    database_url: str, smtp: SmtpServer
) -> None:
    smtp.stop()
    filed = _one_message(database_url, channel="email", smtp=smtp)
    filed.app.at_tick(at(12))
    first = the_row(database_url)
    assert (first.state, first.attempts) == ("queued", 1)
    assert first.next_attempt_at is not None
    assert 8 * SECOND <= first.next_attempt_at - at(12) <= 12 * SECOND  # 10 s ± jitter
    filed.app.at_tick(first.next_attempt_at - SECOND)
    assert the_row(database_url).attempts == 1, "retried before its back-off ended"
    filed.app.at_tick(first.next_attempt_at)  # still down: the second wait is twice as long
    second = the_row(database_url)
    assert (second.state, second.attempts) == ("queued", 2)
    assert second.next_attempt_at is not None
    assert 16 * SECOND <= second.next_attempt_at - first.next_attempt_at <= 24 * SECOND
    smtp.start()  # back, on the same port
    filed.app.at_tick(second.next_attempt_at - SECOND)
    assert smtp.received == []
    filed.app.at_tick(second.next_attempt_at)
    filed.app.at_tick(at(12, 10))
    [received] = smtp.received
    assert received.rcpt_tos == (SECTION_HEAD_EMAIL,)
    notification = _shown(filed)
    assert received.message["Message-ID"].startswith(f"<jibao-{notification['id']}@")
    assert (notification["state"], notification["attempts"]) == ("sent", 3)
    assert _states(notification) == ["queued", "queued", "sent"]


def test_twilio_500_then_201_is_retried_and_sent_once(
    database_url: str, twilio: TwilioStandIn
) -> None:
    twilio.callback_outcome.enabled = False
    filed = _one_message(database_url, channel="sms", twilio=twilio)
    twilio.fail_next(500)
    filed.app.at_tick(at(12))
    row = the_row(database_url)
    assert (row.state, row.attempts, len(twilio.requests)) == ("queued", 1, 1)
    assert row.next_attempt_at is not None
    filed.app.at_tick(row.next_attempt_at - SECOND)
    assert len(twilio.requests) == 1
    filed.app.at_tick(row.next_attempt_at)
    filed.app.at_tick(at(12, 10))
    assert [r.status for r in twilio.requests] == [500, 201]
    [message] = twilio.messages
    assert message.to == phone_of("county", "section_head")
    stored = the_row(database_url)
    assert (stored.state, stored.attempts, stored.provider_id) == ("sent", 2, message.sid)
    assert _states(_shown(filed)) == ["queued", "sent"]


def test_twilio_429_waits_for_retry_after_then_sends_once(
    database_url: str, twilio: TwilioStandIn
) -> None:
    twilio.callback_outcome.enabled = False
    filed = _one_message(database_url, channel="sms", twilio=twilio)
    twilio.fail_next(429, retry_after=120)
    filed.app.at_tick(at(12))
    assert the_row(database_url).next_attempt_at == at(12, 2)  # Retry-After beats the back-off
    filed.app.at_tick(at(12, 2) - SECOND)
    assert len(twilio.requests) == 1
    filed.app.at_tick(at(12, 2))
    filed.app.at_tick(at(12, 10))
    assert [r.status for r in twilio.requests] == [429, 201]
    assert len(twilio.messages) == 1
    assert the_row(database_url).state == "sent"


@pytest.mark.parametrize("fault", ["hang", "drop"])
def test_twilio_without_an_answer_is_unknown_and_never_sent_again(
    database_url: str, twilio: TwilioStandIn, fault: str
) -> None:
    twilio.callback_outcome.enabled = False
    filed = _one_message(database_url, channel="sms", twilio=twilio, send_timeout=0.5)
    if fault == "hang":
        twilio.hang_next(seconds=3)  # past the send timeout
    else:
        twilio.drop_next()
    filed.app.at_tick(at(12))
    for moment in (at(12, 1), at(12, 10), at(12, 30)):
        filed.app.at_tick(moment)
    assert len(twilio.requests) == 1, "an unknown outcome was sent again"
    notification = _shown(filed)
    assert (notification["state"], notification["attempts"]) == ("unknown", 1)
    assert _states(notification) == ["unknown"]
    assert notification["last_error"].startswith("no answer")


def test_an_invalid_number_fails_for_good_shows_its_history_and_is_not_retried(
    database_url: str, twilio: TwilioStandIn
) -> None:
    twilio.callback_outcome.enabled = False
    filed = _one_message(database_url, channel="sms", twilio=twilio)
    _set_phone(database_url, "郑科长", "+15005550001")  # Twilio: not a valid phone number
    filed.app.at_tick(at(12))
    for moment in (at(12, 1), at(12, 10), at(12, 30)):
        filed.app.at_tick(moment)
    assert [r.status for r in twilio.requests] == [400]
    assert twilio.messages == []
    notification = _shown(filed)
    assert (notification["state"], notification["attempts"]) == ("failed_perm", 1)
    assert notification["to"] == "+15005550001"
    assert "21211" in notification["last_error"]
    [event] = notification["history"]
    assert event["state"] == "failed_perm" and "21211" in event["detail"]


def test_max_attempts_reached_is_a_permanent_failure(
    database_url: str, twilio: TwilioStandIn
) -> None:
    twilio.callback_outcome.enabled = False
    filed = _one_message(database_url, channel="sms", twilio=twilio, notifications__max_attempts=3)
    twilio.fail_next(503, count=10)
    filed.app.at_tick(at(12))
    for _ in range(5):
        row = the_row(database_url)
        if row.state != "queued":
            break
        assert row.next_attempt_at is not None
        filed.app.at_tick(row.next_attempt_at)
    filed.app.at_tick(at(12, 30))
    assert [r.status for r in twilio.requests] == [503, 503, 503]
    notification = _shown(filed)
    assert (notification["state"], notification["attempts"]) == ("failed_perm", 3)
    assert _states(notification) == ["queued", "queued", "failed_perm"]
    assert "503" in notification["last_error"]


def _set_phone(database_url: str, name: str, phone: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(update(m.Person).where(m.Person.name == name).values(phone=phone))
    engine.dispose()
