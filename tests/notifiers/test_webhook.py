"""The webhook notifier against a tiny aiohttp receiver in the test's own event loop."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from aiohttp import web

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.webhook import WebhookNotifier, WebhookSettings, encode_body, retry_after_seconds

T = TypeVar("T")
SECRET = "共享密钥-shared-secret"
DEAD_URL = "http://127.0.0.1:9/never"  # the discard port: nothing listens there


@dataclass
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records each POST and answers with the configured status and headers."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        """Record the request; hang until released if asked to."""
        self.requests.append(Received(dict(request.headers), await request.read()))
        if self.hang:
            await self.release.wait()
        return web.Response(status=self.status, headers=self.headers)


@asynccontextmanager
async def receiver(**options: Any) -> AsyncIterator[Receiver]:
    """A webhook receiver on an ephemeral port of 127.0.0.1, shut down on exit."""
    hook = Receiver(**options)
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{site.port}/hook"
    try:
        yield hook
    finally:
        hook.release.set()
        await runner.cleanup()


def a_message(**overrides: Any) -> Message:
    """An overdue-report webhook message; `to` empty so the settings' URL is used."""
    fields: dict[str, Any] = {
        "id": 42,
        "channel": "webhook",
        "to": "",
        "subject": "【急报】城关镇化工厂火灾：续报已逾期",
        "text": "续报已逾期 15 分钟，请立即报送。",
        "ack_url": "https://jibao.test/ack/42?sig=abc",
        "data": {"incident_id": 7, "unit": "城关镇", "due_at": "2026-11-21T10:00:00+08:00"},
    }
    return Message(**(fields | overrides))


async def post(url: str, message: Message | None = None, **settings: Any) -> SendResult:
    """Send one message with a fresh notifier, closing it afterwards."""
    options: dict[str, Any] = {"name": "县应急局", "url": url, "timeout_seconds": 2.0} | settings
    notifier = WebhookNotifier(WebhookSettings(**options))
    try:
        return await notifier.send(message or a_message())
    finally:
        await notifier.close()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Drive a coroutine from a sync test."""
    return asyncio.run(coroutine)


def test_posts_the_json_body_with_idempotency_key_and_a_verifiable_signature() -> None:
    async def scenario() -> tuple[SendResult, Receiver]:
        async with receiver(headers={"X-Request-Id": "req-7"}) as hook:
            return await post(hook.url, secret=SECRET), hook

    result, hook = run(scenario())
    [request] = hook.requests

    assert result == SendResult(DeliveryState.SENT, provider_id="req-7")
    assert json.loads(request.body) == {
        "id": 42,
        "subject": "【急报】城关镇化工厂火灾：续报已逾期",
        "text": "续报已逾期 15 分钟，请立即报送。",
        "ack_url": "https://jibao.test/ack/42?sig=abc",
        "data": {"incident_id": 7, "unit": "城关镇", "due_at": "2026-11-21T10:00:00+08:00"},
    }
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == "jibao-notification-42"
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Jibao-Signature"], f"sha256={expected}")


def test_without_a_secret_there_is_no_signature_and_the_id_falls_back() -> None:
    async def scenario() -> tuple[SendResult, Receiver]:
        async with receiver(status=204) as hook:
            return await post(hook.url), hook

    result, hook = run(scenario())

    assert result == SendResult(DeliveryState.SENT, provider_id="webhook-42")
    assert "X-Jibao-Signature" not in hook.requests[0].headers


def test_the_message_address_overrides_the_configured_url() -> None:
    async def scenario() -> tuple[SendResult, Receiver]:
        async with receiver() as hook:
            return await post(DEAD_URL, a_message(to=hook.url)), hook

    result, hook = run(scenario())

    assert result.state is DeliveryState.SENT
    assert len(hook.requests) == 1


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (500, DeliveryState.FAILED_TEMP),
        (503, DeliveryState.FAILED_TEMP),
        (408, DeliveryState.FAILED_TEMP),
        (400, DeliveryState.FAILED_PERM),
        (404, DeliveryState.FAILED_PERM),
        (302, DeliveryState.FAILED_PERM),  # a webhook is not followed elsewhere
    ],
)
def test_status_codes_map_to_delivery_states(status: int, state: DeliveryState) -> None:
    async def scenario() -> SendResult:
        async with receiver(status=status) as hook:
            return await post(hook.url)

    result = run(scenario())

    assert result.state is state
    assert result.error == f"HTTP {status}"


def test_too_many_requests_is_temporary_with_the_wait_asked_for() -> None:
    async def scenario() -> SendResult:
        async with receiver(status=429, headers={"Retry-After": "30"}) as hook:
            return await post(hook.url)

    result = run(scenario())

    assert result == SendResult(DeliveryState.FAILED_TEMP, error="HTTP 429", retry_after=30.0)


def test_a_hanging_receiver_leaves_the_outcome_unknown_within_the_timeout() -> None:
    async def scenario() -> tuple[SendResult, float]:
        async with receiver(hang=True) as hook:
            started = time.monotonic()
            result = await post(hook.url, timeout_seconds=0.3)
            return result, time.monotonic() - started

    result, elapsed = run(scenario())

    assert result.state is DeliveryState.UNKNOWN
    assert elapsed < 1.0


def test_no_server_listening_is_a_temporary_failure() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = run(post(f"http://127.0.0.1:{port}/hook"))

    assert result.state is DeliveryState.FAILED_TEMP


@pytest.mark.parametrize("url", ["not a url", "ftp://jibao.test/hook"])
def test_an_unusable_url_is_a_permanent_failure(url: str) -> None:
    result = run(post(url))

    assert result.state is DeliveryState.FAILED_PERM


def test_a_payload_that_cannot_be_encoded_is_a_permanent_failure() -> None:
    result = run(post(DEAD_URL, a_message(data={"unit": object()})))

    assert result.state is DeliveryState.FAILED_PERM


def test_datetimes_in_the_payload_are_iso_8601() -> None:
    when = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)

    body = json.loads(encode_body(a_message(data={"due_at": when})))

    assert body["data"] == {"due_at": "2026-11-21T02:00:00+00:00"}


def test_retry_after_accepts_seconds_or_a_date_measured_against_the_response_date() -> None:
    sent = "Sat, 21 Nov 2026 02:00:00 GMT"

    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Sat, 21 Nov 2026 02:01:30 GMT", sent) == 90.0
    assert retry_after_seconds("Sat, 21 Nov 2026 02:01:30 GMT") is None
    assert retry_after_seconds("soon", sent) is None
    assert retry_after_seconds(None) is None
