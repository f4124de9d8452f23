"""The SMS notifier: the real twilio client against the local Twilio stand-in."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from twilio.request_validator import RequestValidator

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.sms import SmsNotifier
from notifiers.twilio_client import RebasedHttpClient, TwilioSettings
from tests.notifiers.twilio_standin import TwilioStandIn, WebhookReceiver

T = TypeVar("T")
FROM = "+15005550006"
TO = "+8613800138000"
TEXT = "【急报】城关镇化工厂火灾续报已逾期15分钟，回“收到K7”确认 https://jibao.test/a/7"


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    """A running Twilio stand-in, stopped after the test."""
    with TwilioStandIn() as standin:
        yield standin


def a_message(**overrides: Any) -> Message:
    """An overdue-report SMS."""
    return dataclasses.replace(Message(7, "sms", TO, "续报逾期", TEXT), **overrides)


def settings_for(
    twilio: TwilioStandIn, callback_base_url: str = "http://127.0.0.1:9", **overrides: Any
) -> TwilioSettings:
    """Settings that reach the stand-in with its credentials and a short timeout."""
    settings = TwilioSettings(
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token,
        from_number=FROM,
        api_base_url=twilio.base_url,
        callback_base_url=callback_base_url,
        timeout_seconds=0.5,
    )
    return dataclasses.replace(settings, **overrides)


def with_sms(settings: TwilioSettings, use: Callable[[SmsNotifier], Awaitable[T]]) -> T:
    """Run `use` with a fresh notifier in a fresh event loop, closing the notifier after."""

    async def run() -> T:
        notifier = SmsNotifier(settings)
        try:
            return await use(notifier)
        finally:
            await notifier.close()

    return asyncio.run(run())


def send(settings: TwilioSettings, message: Message | None = None) -> SendResult:
    """Send one SMS with a fresh notifier."""
    return with_sms(settings, lambda notifier: notifier.send(message or a_message()))


def test_a_sent_sms_carries_the_sid_twilio_returned(twilio: TwilioStandIn) -> None:
    result = send(settings_for(twilio, "https://jibao.test/"))

    assert result.state is DeliveryState.SENT
    [sent] = twilio.messages
    assert result.provider_id == sent.sid
    assert sent.sid.startswith("SM") and len(sent.sid) == 34
    assert (sent.to, sent.from_, sent.body) == (TO, FROM, TEXT)
    assert sent.status_callback == "https://jibao.test/api/v1/twilio/status"


def test_status_callbacks_arrive_signed_and_a_tampered_one_fails_validation(
    twilio: TwilioStandIn,
) -> None:
    async def run() -> list[Any]:
        async with WebhookReceiver() as service:
            notifier = SmsNotifier(settings_for(twilio, service.base_url))
            try:
                result = await notifier.send(a_message())
            finally:
                await notifier.close()
            await twilio.wait_for_callbacks_async()
            assert all(call.params["MessageSid"] == result.provider_id for call in service.received)
            return service.received

    received = asyncio.run(run())

    assert [r.params["MessageStatus"] for r in received] == ["queued", "sent", "delivered"]
    validator = RequestValidator(twilio.auth_token)
    for request in received:
        assert request.url.endswith("/api/v1/twilio/status")
        assert validator.validate(request.url, request.params, request.signature)
    forged = received[-1].params | {"MessageStatus": "failed"}
    assert not validator.validate(received[-1].url, forged, received[-1].signature)
    assert not RequestValidator("another-token").validate(
        received[-1].url, received[-1].params, received[-1].signature
    )


def test_an_undelivered_sms_is_reported_with_twilio_error_code(twilio: TwilioStandIn) -> None:
    twilio.callback_outcome.sms = "undelivered"

    async def run() -> list[Any]:
        async with WebhookReceiver() as service:
            await _send_and_close(SmsNotifier(settings_for(twilio, service.base_url)))
            return await service.wait_for(3)

    last = asyncio.run(run())[-1].params
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "30003")


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_a_temporary_failure_and_not_retried_inside_the_client(
    twilio: TwilioStandIn, status: int
) -> None:
    twilio.fail_next(status)

    result = send(settings_for(twilio))

    assert result.state is DeliveryState.FAILED_TEMP
    assert str(status) in (result.error or "")
    assert len(twilio.requests) == 1 and twilio.messages == []


def test_too_many_requests_is_temporary_and_carries_retry_after(twilio: TwilioStandIn) -> None:
    twilio.fail_next(429, retry_after=7)
    twilio.fail_next(429)

    first, second = with_sms(
        settings_for(twilio),
        lambda sms: asyncio.gather(sms.send(a_message()), sms.send(a_message())),
    )

    assert {first.state, second.state} == {DeliveryState.FAILED_TEMP}
    assert sorted([first.retry_after or 0, second.retry_after or 0]) == [0, 7.0]


def test_retry_after_of_one_send_does_not_leak_into_concurrent_sends(
    twilio: TwilioStandIn,
) -> None:
    twilio.fail_next(429, retry_after=3)
    numbers = [f"+861380013800{n}" for n in range(5)]

    results = with_sms(
        settings_for(twilio),
        lambda sms: asyncio.gather(*(sms.send(a_message(to=number)) for number in numbers)),
    )

    assert sorted(r.state.value for r in results) == ["failed_temp"] + ["sent"] * 4
    assert [r.retry_after for r in results if r.retry_after is not None] == [3.0]
    assert len({r.provider_id for r in results if r.provider_id}) == 4


@pytest.mark.parametrize("to", ["13800138000", "+15005550001"])
def test_an_invalid_number_is_a_permanent_failure_with_twilio_code(
    twilio: TwilioStandIn, to: str
) -> None:
    result = send(settings_for(twilio), a_message(to=to))

    assert result.state is DeliveryState.FAILED_PERM
    assert "21211" in (result.error or "")
    assert twilio.messages == []


def test_a_wrong_auth_token_is_a_permanent_failure(twilio: TwilioStandIn) -> None:
    result = send(settings_for(twilio, auth_token="not-the-token"))

    assert result.state is DeliveryState.FAILED_PERM
    assert "401" in (result.error or "") and "20003" in (result.error or "")


def test_a_hanging_twilio_is_unknown_within_the_timeout(twilio: TwilioStandIn) -> None:
    twilio.hang_next(5)

    started = time.monotonic()
    result = send(settings_for(twilio, timeout_seconds=0.3))

    assert time.monotonic() - started < 1.0
    assert result.state is DeliveryState.UNKNOWN
    assert [m.fault for m in twilio.messages] == ["hang"]  # Twilio got it: never re-send blindly


def test_a_connection_dropped_after_sending_is_unknown(twilio: TwilioStandIn) -> None:
    twilio.drop_next()

    result = send(settings_for(twilio))

    assert result.state is DeliveryState.UNKNOWN
    assert [m.fault for m in twilio.messages] == ["drop"]


def test_a_refused_connection_is_a_temporary_failure() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = TwilioSettings(
        account_sid="AC" + "0" * 32,
        auth_token="token",
        from_number=FROM,
        api_base_url=f"http://127.0.0.1:{port}",
        callback_base_url="http://127.0.0.1:9",
        timeout_seconds=0.5,
    )

    result = send(settings)

    assert result.state is DeliveryState.FAILED_TEMP
    assert "not sent" in (result.error or "")


def test_faults_are_used_up_in_order_and_then_sms_go_through(twilio: TwilioStandIn) -> None:
    twilio.fail_next(500, count=2)

    results = with_sms(
        settings_for(twilio), lambda sms: _in_turn(sms, [a_message(id=n) for n in range(3)])
    )

    assert [r.state for r in results] == [
        DeliveryState.FAILED_TEMP,
        DeliveryState.FAILED_TEMP,
        DeliveryState.SENT,
    ]
    assert [r.fault for r in twilio.requests] == ["500", "500", None]
    assert len(twilio.messages_to(TO)) == 1


def test_successive_sms_go_on_one_connection(twilio: TwilioStandIn) -> None:
    results = with_sms(
        settings_for(twilio), lambda sms: _in_turn(sms, [a_message(id=n) for n in range(5)])
    )

    assert [r.state for r in results] == [DeliveryState.SENT] * 5
    assert len(twilio.messages) == 5
    assert twilio.connections == 1


def test_concurrent_sms_open_connections_that_later_sms_reuse(twilio: TwilioStandIn) -> None:
    async def two_rounds(sms: SmsNotifier) -> list[SendResult]:
        first = await asyncio.gather(*(sms.send(a_message(id=n)) for n in range(8)))
        return [*first, *await _in_turn(sms, [a_message(id=n) for n in range(8, 16)])]

    results = with_sms(settings_for(twilio), two_rounds)

    assert [r.state for r in results] == [DeliveryState.SENT] * 16
    assert len(twilio.messages) == 16
    assert twilio.connections <= 8  # the second round opened none


def test_after_a_dropped_connection_the_next_sms_goes_once_on_a_new_one(
    twilio: TwilioStandIn,
) -> None:
    twilio.drop_next()

    results = with_sms(
        settings_for(twilio), lambda sms: _in_turn(sms, [a_message(id=1), a_message(id=2)])
    )

    assert [r.state for r in results] == [DeliveryState.UNKNOWN, DeliveryState.SENT]
    assert [m.fault for m in twilio.messages] == ["drop", None]  # each once: none re-sent
    assert twilio.connections == 2


def test_one_notifier_serves_successive_event_loops(twilio: TwilioStandIn) -> None:
    notifier = SmsNotifier(settings_for(twilio))  # made outside any loop

    # closed in each loop: the connections it keeps belong to the loop that opened them
    first = asyncio.run(_send_and_close(notifier))
    second = asyncio.run(_send_and_close(notifier))

    assert (first.state, second.state) == (DeliveryState.SENT, DeliveryState.SENT)
    assert len(twilio.messages) == 2


def test_an_inbound_sms_reaches_the_service_signed(twilio: TwilioStandIn) -> None:
    async def run() -> Any:
        async with WebhookReceiver() as service:
            await twilio.send_inbound_sms_async(
                f"{service.base_url}/api/v1/twilio/sms", TO, "收到K7"
            )
            return service.received

    [inbound] = asyncio.run(run())

    assert (inbound.params["From"], inbound.params["Body"]) == (TO, "收到K7")
    assert inbound.params["MessageSid"].startswith("SM")
    assert RequestValidator(twilio.auth_token).validate(
        inbound.url, inbound.params, inbound.signature
    )


def test_urls_of_twilio_hosts_are_rebased_and_others_left_alone() -> None:
    rebased = RebasedHttpClient("http://127.0.0.1:8080/proxy/", 1.0)
    default = RebasedHttpClient("https://api.twilio.com", 1.0)
    path = "/2010-04-01/Accounts/AC1/Messages.json"

    assert rebased.rebase(f"https://api.twilio.com{path}") == f"http://127.0.0.1:8080/proxy{path}"
    assert rebased.rebase("https://messaging.twilio.com/v1/Services?x=1") == (
        "http://127.0.0.1:8080/proxy/v1/Services?x=1"
    )
    assert rebased.rebase("https://example.com/twilio.com") == "https://example.com/twilio.com"
    assert default.rebase("https://messaging.twilio.com/v1") == "https://messaging.twilio.com/v1"


def test_settings_refuse_relative_urls_and_hide_the_token() -> None:
    fine: dict[str, Any] = {"account_sid": "AC1", "auth_token": "secret", "from_number": FROM}

    with pytest.raises(ValueError, match="api_base_url"):
        TwilioSettings(**fine, api_base_url="api.twilio.com", callback_base_url="http://x")
    with pytest.raises(ValueError, match="timeout"):
        TwilioSettings(**fine, callback_base_url="http://x", timeout_seconds=0)
    assert "secret" not in repr(TwilioSettings(**fine, callback_base_url="http://x"))


async def _in_turn(sms: SmsNotifier, messages: list[Message]) -> list[SendResult]:
    return [await sms.send(message) for message in messages]


async def _send_and_close(sms: SmsNotifier) -> SendResult:
    try:
        return await sms.send(a_message())
    finally:
        await sms.close()
