"""An upward report to a parent's webhook (route `webhook`): one signed JSON POST per message,
with aiohttp. The message's text is the exact JSON document, written once when the report was
queued, so every retry posts the same bytes.

Headers: `Content-Type: application/json; charset=utf-8`, `Idempotency-Key: <the report's
delivery key>` (also the document's `key`: the same over every retry and resend, so the parent
drops a repeat), and `X-Jibao-Signature: sha256=<hex>`, the HMAC-SHA256 of the exact body with
the secret the parent shares (JIBAO_UPWARD_SECRET_<NAME>), as notifiers/webhook.py signs.

Outcomes: a 2xx is the receipt → SENT; its JSON `received_at` (RFC 3339 with an offset), when
given, is when the parent received it, else the moment of the 2xx counts; 408, 429, 5xx, a
refused, dropped or timed-out connection → FAILED_TEMP (the key makes a repeat safe); any
other status → FAILED_PERM with what the parent said."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.json_post import JsonPoster, refused
from notifiers.webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign


@dataclass(frozen=True)
class UpwardWebhookSettings:
    """One parent's webhook and the secret both sides share."""

    name: str
    url: str
    secret: str = field(repr=False)
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        """Reject settings that could never deliver."""
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if not self.secret:
            raise ValueError("a parent's webhook needs its signing secret")


class UpwardWebhookNotifier:
    """Posts each message's JSON document to one parent's webhook; a 2xx is the receipt."""

    channel: str = "jibao"

    def __init__(self, settings: UpwardWebhookSettings) -> None:
        self.settings = settings
        self._poster = JsonPoster(settings.timeout_seconds)

    async def send(self, message: Message) -> SendResult:
        """POST one report; the outcome as a SendResult, never by raising."""
        body = message.text.encode("utf-8")
        headers = request_headers(body, message, self.settings.secret)
        return await self._poster.post(self.settings.url, body, headers, result_of)

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        await self._poster.close()


def request_headers(body: bytes, message: Message, secret: str) -> dict[str, str]:
    """The headers of one POST to the parent's webhook."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        IDEMPOTENCY_HEADER: str(message.data.get("key") or f"jibao-notification-{message.id}"),
        SIGNATURE_HEADER: sign(body, secret),
    }


def result_of(status: int, headers: Mapping[str, str], text: str) -> SendResult:
    """The parent's answer as a delivery state; a 2xx is the receipt."""
    if 200 <= status < 300:
        receipt: dict[str, Any] = {"status": status}
        received = received_at(text)
        if received is not None:
            receipt["received_at"] = received
        return SendResult(DeliveryState.SENT, provider_id=f"HTTP {status}", receipt=receipt)
    return refused(status, headers, f"HTTP {status}: {text[:300]}")


def received_at(text: str) -> str | None:
    """The parent's `received_at`, when its answer gives one with an offset."""
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    said = answer.get("received_at") if isinstance(answer, dict) else None
    if not isinstance(said, str):
        return None
    try:
        moment = datetime.fromisoformat(said)
    except ValueError:
        return None
    return moment.isoformat() if moment.tzinfo is not None else None
