"""notifiers/upward_webhook.py: a parent webhook's answers as delivery states (a 2xx is the
receipt, with the parent's own time when it gives one with an offset), and the headers."""

from __future__ import annotations

import json

import pytest

from notifiers.base import DeliveryState, Message
from notifiers.upward_webhook import UpwardWebhookSettings, request_headers, result_of
from notifiers.webhook import sign


@pytest.mark.parametrize(
    ("status", "text", "state", "received"),
    [
        (200, json.dumps({"received_at": "2026-11-21T12:09:00+08:00"}), DeliveryState.SENT, True),
        (202, "", DeliveryState.SENT, False),
        (200, json.dumps({"received_at": "2026-11-21T12:09:00"}), DeliveryState.SENT, False),
        (200, json.dumps({"received_at": "noon"}), DeliveryState.SENT, False),
        (200, "[1]", DeliveryState.SENT, False),
        (503, "busy", DeliveryState.FAILED_TEMP, False),
        (429, "", DeliveryState.FAILED_TEMP, False),
        (401, "bad signature", DeliveryState.FAILED_PERM, False),
        (422, "no", DeliveryState.FAILED_PERM, False),
    ],
)
def test_answers_become_states(
    status: int, text: str, state: DeliveryState, received: bool
) -> None:
    result = result_of(status, {"Retry-After": "30"}, text)
    assert result.state is state
    if state is DeliveryState.SENT:
        assert result.receipt is not None
        assert ("received_at" in result.receipt) is received
    else:
        assert result.receipt is None and str(status) in (result.error or "")
    if status in (429, 503):
        assert result.retry_after == 30


def test_every_post_is_signed_and_keyed() -> None:
    message = Message(id=3, channel="jibao", to="city", subject="", text="{}", data={"key": "k"})
    headers = request_headers(b"{}", message, "s3cret")
    assert headers["X-Jibao-Signature"] == sign(b"{}", "s3cret")
    assert headers["Idempotency-Key"] == "k"
    with pytest.raises(ValueError):
        UpwardWebhookSettings(name="city", url="http://h", secret="")
