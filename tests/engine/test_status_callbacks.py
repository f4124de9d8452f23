"""Twilio's status callbacks, signed by the stand-in and posted to the served app: a delivered
SMS shows as delivered on the incident; a callback without a valid signature changes nothing; a
callback that comes before the send's result is stored is held, answered at once, and applied
when the result lands."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from alerts.storage import models as m
from alerts.storage.database import make_engine
from notifiers.base import Message, Notifier, SendResult
from tests.builders import at
from tests.engine.harness import Scene, one_rung, scene, the_row
from tests.notifiers.twilio_standin import TwilioStandIn

STATUS = "/api/v1/twilio/status"


def _states(notification: Any) -> list[str]:
    return [event["state"] for event in notification["history"]]


def test_the_signed_delivered_callback_marks_the_sms_delivered(
    database_url: str, twilio: TwilioStandIn
) -> None:
    filed = scene(database_url, twilio=twilio, escalation__office=one_rung("sms"))
    filed.app.at_tick(at(12))
    twilio.wait_for_callbacks()
    [message] = twilio.messages
    posted = [
        (c.params["MessageSid"], c.params["MessageStatus"], c.status) for c in twilio.callbacks
    ]
    assert posted == [
        (message.sid, "queued", 204),
        (message.sid, "sent", 204),
        (message.sid, "delivered", 204),
    ]
    [notification] = filed.notifications()
    assert notification["state"] == "delivered"
    assert notification["delivered_at"] == at(12).isoformat()
    assert _states(notification) == ["sent", "delivered"]


def test_a_failed_call_reported_by_callback_is_a_permanent_failure(
    database_url: str, twilio: TwilioStandIn
) -> None:
    twilio.callback_outcome.call = "no-answer"
    filed = scene(database_url, twilio=twilio, escalation__office=one_rung("voice"))
    filed.app.at_tick(at(12))
    twilio.wait_for_callbacks()
    assert all(c.status == 204 for c in twilio.callbacks)
    [notification] = filed.notifications()
    assert (notification["state"], notification["delivered_at"]) == ("failed_perm", None)
    assert notification["history"][-1]["detail"] == "no-answer"


def test_a_callback_with_a_bad_signature_is_refused_and_changes_nothing(
    database_url: str, twilio: TwilioStandIn
) -> None:
    twilio.callback_outcome.enabled = False
    filed = scene(database_url, twilio=twilio, escalation__office=one_rung("sms"))
    filed.app.at_tick(at(12))
    [message] = twilio.messages
    url = filed.app.base_url + STATUS
    signed = {"AccountSid": twilio.account_sid, "MessageSid": message.sid}
    good = twilio.validator.compute_signature(url, signed | {"MessageStatus": "delivered"})
    before = filed.notifications()

    refused = [
        _post(filed, signed | {"MessageStatus": "undelivered"}, good),  # the form was altered
        _post(filed, signed | {"MessageStatus": "delivered"}, "bm90IGEgc2lnbmF0dXJl"),
        _post(filed, signed | {"MessageStatus": "delivered"}, None),
    ]

    assert [r.status_code for r in refused] == [403, 403, 403]
    assert filed.notifications() == before
    assert before[0]["state"] == "sent"
    accepted = _post(filed, signed | {"MessageStatus": "delivered"}, good)
    assert accepted.status_code == 204  # the same callback, signed, is taken
    assert filed.notifications()[0]["state"] == "delivered"


def test_a_callback_that_arrives_before_the_send_is_recorded_is_not_lost(
    database_url: str, twilio: TwilioStandIn
) -> None:
    """Twilio may report delivery while the outbox still waits for a slower send in the same
    batch: the delivered state must not be dropped for want of the provider id."""
    twilio.callback_outcome.delay = 0.01
    filed = scene(
        database_url,
        twilio=twilio,
        escalation__office=one_rung("sms", "office.section_head", "office.leader_on_duty"),
        notifications__throttle="0s",
        notifications__rate_limits={},
    )
    twilio.hang_next(0.3)  # one send answers late, within the send timeout
    filed.app.at_tick(at(12))
    twilio.wait_for_callbacks()
    assert len(twilio.messages) == 2
    assert [n["state"] for n in filed.notifications()] == ["delivered", "delivered"]


def _post(filed: Scene, form: dict[str, str], signature: str | None) -> Any:
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return filed.app.http.post(STATUS, data=form, headers=headers)


class AnswersAfterCallbacks:
    """The real SMS notifier, handing its result back only once Twilio has posted every status
    callback for the send: the callbacks certainly come before the result is stored."""

    channel = "sms"

    def __init__(self, inner: Notifier, twilio: TwilioStandIn) -> None:
        self.inner, self.twilio = inner, twilio

    async def send(self, message: Message) -> SendResult:
        """Send, then wait for the stand-in's callbacks to be answered."""
        result = await self.inner.send(message)
        await self.twilio.wait_for_callbacks_async(timeout=5)
        return result

    async def close(self) -> None:
        """Close the real notifier."""
        await self.inner.close()


def test_callbacks_before_the_result_is_stored_are_held_and_applied_when_it_lands(
    database_url: str, twilio: TwilioStandIn
) -> None:
    filed = scene(database_url, twilio=twilio, escalation__office=one_rung("sms"))
    notifiers = filed.app.engine.notifiers
    notifiers["sms"] = AnswersAfterCallbacks(notifiers["sms"], twilio)
    started = time.monotonic()
    filed.app.at_tick(at(12))

    assert time.monotonic() - started < 4, "a callback waited for the send"
    [message] = twilio.messages
    posted = [(c.params["MessageStatus"], c.status) for c in twilio.callbacks]
    assert posted == [("queued", 204), ("sent", 204), ("delivered", 204)]
    assert the_row(database_url).provider_id == message.sid
    [notification] = filed.notifications()
    assert notification["state"] == "delivered"
    assert notification["delivered_at"] == at(12).isoformat()
    assert _states(notification) == ["sent", "delivered"]
    assert _held(database_url) == 0, "applied, so no longer held"


def test_a_held_callback_no_send_claims_is_dropped_after_a_claim_lease(
    database_url: str, twilio: TwilioStandIn
) -> None:
    filed = scene(database_url, twilio=twilio, escalation__office=one_rung("sms"))
    url = filed.app.base_url + STATUS
    form = {"AccountSid": twilio.account_sid, "MessageSid": "SM" + "0" * 32}
    form["MessageStatus"] = "delivered"
    answer = _post(filed, form, twilio.validator.compute_signature(url, form))
    assert answer.status_code == 204 and _held(database_url) == 1
    lease = filed.app.settings.notifications.claim_lease
    filed.app.at_tick(at(9, 10) + lease)
    assert _held(database_url) == 1, "kept while a send could still land"
    filed.app.at_tick(at(9, 10) + lease + timedelta(seconds=1))
    assert _held(database_url) == 0


def _held(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(m.EarlyStatus)) or 0)
    finally:
        engine.dispose()
