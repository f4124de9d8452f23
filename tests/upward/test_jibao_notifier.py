"""notifiers/jibao.py: the parent's answers as delivery states, its 201 as the receipt, and the
headers a filing at the parent carries."""

from __future__ import annotations

import asyncio
import json

import pytest

from notifiers.base import DeliveryState, Message
from notifiers.jibao import JibaoNotifier, JibaoSettings, request_headers, result_of
from notifiers.webhook import sign
from tests.upward.instances import free_port

RECEIPT = {
    "incident_id": 7,
    "filing_id": 9,
    "received_at": "2026-11-21T12:30:00+08:00",
    "warnings": [],
    "obligations": [{"kind": "initial", "due_at": "2026-11-21T11:10:00+08:00"}],
}
ERROR = {
    "error": {
        "code": "invalid",
        "message": "报送内容有误",
        "fields": [{"field": "title", "problem": "必填"}],
    }
}


@pytest.mark.parametrize(
    ("status", "text", "state", "said"),
    [
        (201, json.dumps(RECEIPT), DeliveryState.SENT, None),
        (201, "<html>proxy</html>", DeliveryState.FAILED_TEMP, "no receipt"),
        (201, json.dumps({**RECEIPT, "received_at": "noon"}), DeliveryState.FAILED_TEMP, None),
        (201, json.dumps({**RECEIPT, "incident_id": True}), DeliveryState.FAILED_TEMP, None),
        (422, json.dumps(ERROR), DeliveryState.FAILED_PERM, "invalid 报送内容有误 (title: 必填)"),
        (401, "{}", DeliveryState.FAILED_PERM, "HTTP 401"),
        (409, "not json", DeliveryState.FAILED_PERM, "not json"),
        (503, "", DeliveryState.FAILED_TEMP, "HTTP 503"),
        (429, "", DeliveryState.FAILED_TEMP, "HTTP 429"),
    ],
)
def test_answers_become_states(
    status: int, text: str, state: DeliveryState, said: str | None
) -> None:
    result = result_of(status, {"Retry-After": "30"}, text)
    assert result.state is state
    if state is DeliveryState.SENT:
        assert result.receipt == RECEIPT and result.provider_id == "7/9"
    else:
        assert result.receipt is None
    if said:
        assert said in (result.error or "")
    if status in (429, 503):
        assert result.retry_after == 30


def test_headers_carry_the_token_the_key_and_the_signature() -> None:
    settings = JibaoSettings(name="city", url="http://city", token="tok", secret="s3cret")
    message = Message(id=5, channel="jibao", to="city", subject="", text="{}", data={"key": "k-1"})
    headers = request_headers(b"{}", message, settings)
    assert headers["Authorization"] == "Bearer tok" and headers["Idempotency-Key"] == "k-1"
    assert headers["X-Jibao-Signature"] == sign(b"{}", "s3cret")
    unsigned = request_headers(b"{}", message, JibaoSettings(name="c", url="http://c", token="t"))
    assert "X-Jibao-Signature" not in unsigned


def test_a_parent_that_is_down_is_a_temporary_failure() -> None:
    notifier = JibaoNotifier(
        JibaoSettings(name="city", url=f"http://127.0.0.1:{free_port()}", token="tok")
    )
    message = Message(id=1, channel="jibao", to="city", subject="", text="{}", data={"key": "k"})

    async def send() -> DeliveryState:
        try:
            return (await notifier.send(message)).state
        finally:
            await notifier.close()

    assert asyncio.run(send()) is DeliveryState.FAILED_TEMP


def test_settings_that_could_never_file_are_refused() -> None:
    with pytest.raises(ValueError):
        JibaoSettings(name="city", url="http://city", token="")
    with pytest.raises(ValueError):
        JibaoSettings(name="city", url="http://city", token="t", timeout_seconds=0)
