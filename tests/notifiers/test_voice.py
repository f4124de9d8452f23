"""The voice notifier: a call with inline TwiML through the real twilio client and the stand-in,
and a key press posted back to the service."""

from __future__ import annotations

import asyncio
import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.twilio_client import TwilioSettings
from notifiers.voice import VoiceNotifier, call_twiml, gather_reply_twiml
from tests.notifiers.twilio_standin import (
    PlacedCall,
    ReceivedRequest,
    TwilioStandIn,
    WebhookReceiver,
)

FROM = "+15005550006"
TO = "+8613900139000"
TEXT = "这里是急报值班系统。城关镇，化工厂火灾，续报已逾期15分钟，请立即报送。"


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    """A running Twilio stand-in, stopped after the test."""
    with TwilioStandIn() as standin:
        yield standin


def a_message(**overrides: Any) -> Message:
    """An overdue-report call."""
    return dataclasses.replace(Message(42, "voice", TO, "续报逾期", TEXT), **overrides)


def settings_for(twilio: TwilioStandIn, callback_base_url: str, **overrides: Any) -> TwilioSettings:
    """Settings that reach the stand-in, with callbacks to `callback_base_url`."""
    settings = TwilioSettings(
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token,
        from_number=FROM,
        api_base_url=twilio.base_url,
        callback_base_url=callback_base_url,
        timeout_seconds=0.5,
    )
    return dataclasses.replace(settings, **overrides)


async def call(settings: TwilioSettings, message: Message | None = None) -> SendResult:
    """Place one call with a fresh notifier, closing it afterwards."""
    notifier = VoiceNotifier(settings)
    try:
        return await notifier.send(message or a_message())
    finally:
        await notifier.close()


def test_a_call_speaks_the_message_in_mandarin_inside_a_gather(twilio: TwilioStandIn) -> None:
    result = asyncio.run(call(settings_for(twilio, "https://jibao.test")))

    [placed] = twilio.calls
    assert result.state is DeliveryState.SENT and result.provider_id == placed.sid
    assert placed.sid.startswith("CA") and len(placed.sid) == 34
    assert (placed.to, placed.from_) == (TO, FROM)
    assert placed.status_callback == "https://jibao.test/api/v1/twilio/status"
    assert placed.status_callback_events == ("initiated", "ringing", "answered", "completed")
    root = ET.fromstring(placed.twiml)
    gather = root.find("Gather")
    assert gather is not None
    assert gather.attrib == {
        "action": "https://jibao.test/api/v1/twilio/voice/42/gather",
        "method": "POST",
        "numDigits": "1",
        "timeout": "10",
    }
    said = [say.text or "" for say in gather.findall("Say")]
    assert said.count(TEXT) == 2 and sum("按1确认收到" in words for words in said) == 2
    assert {say.get("language") for say in root.iter("Say")} == {"cmn-CN"}
    assert root[-1].tag == "Say"  # said when no key was pressed


def test_call_progress_callbacks_arrive_signed(twilio: TwilioStandIn) -> None:
    received = asyncio.run(_call_and_collect(twilio, callbacks=4))

    assert [r.params["CallStatus"] for r in received] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    validator = RequestValidator(twilio.auth_token)
    assert all(validator.validate(r.url, r.params, r.signature) for r in received)


def test_an_unanswered_call_ends_with_no_answer(twilio: TwilioStandIn) -> None:
    twilio.callback_outcome.call = "no-answer"

    received = asyncio.run(_call_and_collect(twilio, callbacks=3))

    assert [r.params["CallStatus"] for r in received] == ["initiated", "ringing", "no-answer"]


def test_a_key_press_posts_digits_to_the_gather_action(twilio: TwilioStandIn) -> None:
    twilio.callback_outcome.enabled = False

    async def run() -> tuple[Any, list[ReceivedRequest]]:
        async with WebhookReceiver(reply=gather_reply_twiml(True)) as service:
            await call(settings_for(twilio, service.base_url))
            reply = await twilio.press_key_async(twilio.calls[0], "1")
            return reply, service.received

    reply, [press] = asyncio.run(run())

    assert press.url.endswith("/api/v1/twilio/voice/42/gather")
    assert (press.params["Digits"], press.params["CallSid"]) == ("1", twilio.calls[0].sid)
    assert RequestValidator(twilio.auth_token).validate(press.url, press.params, press.signature)
    assert reply.status == 200 and "已确认收到，谢谢" in reply.text


def test_the_gather_reply_thanks_or_says_not_acknowledged() -> None:
    thanks = ET.fromstring(gather_reply_twiml(True))
    not_yet = ET.fromstring(gather_reply_twiml(False))

    assert [(say.text, say.get("language")) for say in thanks.iter("Say")] == [
        ("已确认收到，谢谢", "cmn-CN")
    ]
    assert [say.text for say in not_yet.iter("Say")] == ["未确认"]


def test_a_long_message_is_said_once_to_stay_within_twilio_limit() -> None:
    long_text = "续报逾期。" * 500

    twiml = call_twiml(a_message(text=long_text), "https://jibao.test")

    assert len(twiml) <= 4000
    assert [say.text for say in ET.fromstring(twiml).iter("Say")].count(long_text) == 1


def test_an_invalid_number_is_a_permanent_failure(twilio: TwilioStandIn) -> None:
    result = asyncio.run(call(settings_for(twilio, "https://jibao.test"), a_message(to="139")))

    assert result.state is DeliveryState.FAILED_PERM and "21211" in (result.error or "")
    assert twilio.calls == []


def test_a_server_error_is_a_temporary_failure(twilio: TwilioStandIn) -> None:
    twilio.fail_next(500)

    result = asyncio.run(call(settings_for(twilio, "https://jibao.test")))

    assert result.state is DeliveryState.FAILED_TEMP
    assert len(twilio.requests) == 1


def test_press_key_needs_a_gather_in_the_call() -> None:
    silent = PlacedCall("CA" + "0" * 32, TO, FROM, "<Response><Say>hi</Say></Response>", None, ())

    with pytest.raises(ValueError, match="Gather"):
        silent.gather_action()


async def _call_and_collect(twilio: TwilioStandIn, callbacks: int) -> list[ReceivedRequest]:
    async with WebhookReceiver() as service:
        result = await call(settings_for(twilio, service.base_url))
        received = await service.wait_for(callbacks)
    assert all(r.params["CallSid"] == result.provider_id for r in received)
    return received


def test_sync_helpers_work_from_sync_tests_and_record_an_unreachable_service(
    twilio: TwilioStandIn,
) -> None:
    unreachable = "http://127.0.0.1:9"  # the discard port: nothing listens
    asyncio.run(call(settings_for(twilio, unreachable)))

    twilio.wait_for_callbacks()
    pressed = twilio.press_key(twilio.calls[0].sid, "1")

    assert pressed.status is None and pressed.url == f"{unreachable}/api/v1/twilio/voice/42/gather"
    assert [c.params.get("CallStatus") for c in twilio.callbacks][:4] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]


def test_sync_helpers_refuse_to_block_an_event_loop(twilio: TwilioStandIn) -> None:
    async def run() -> None:
        with pytest.raises(RuntimeError, match="_async"):
            twilio.wait_for_callbacks()

    asyncio.run(run())


def test_an_unknown_callback_outcome_is_refused_at_once(twilio: TwilioStandIn) -> None:
    with pytest.raises(ValueError, match="no-answer"):
        twilio.callback_outcome.call = "no_answer"
