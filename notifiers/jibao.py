"""Filing at a parent's Jibao: one `POST {url}/api/v1/filings` per message, with aiohttp.

The message's text is the exact JSON body, stored once when the report was approved, so every
retry sends the same bytes and the parent's idempotency check answers a repeat with its first
answer instead of filing twice. Headers: `Authorization: Bearer <the token the parent issued>`,
`Idempotency-Key: <message.data["key"]>` (stable over every retry and resend),
`X-Jibao-Signature: sha256=<hex>` when a signing secret is set.

Outcomes: a 2xx whose body is the parent's answer (`incident_id`, `filing_id`, `received_at`)
→ SENT with that answer as the receipt; 408, 429, 5xx, a refused or timed-out connection, a
dropped reply, or a 2xx that is no receipt → FAILED_TEMP: unlike a webhook's, a repeat here is
safe, the key makes the parent answer it as before; any other status (401 token, 403, 404,
409, 422 the parent refused the report) → FAILED_PERM with the parent's error code and words."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.json_post import JsonPoster, refused
from notifiers.webhook import sign

FILINGS_PATH = "/api/v1/filings"


@dataclass(frozen=True)
class JibaoSettings:
    """One parent's Jibao: its address and the credentials it issued to this office."""

    name: str
    url: str  # the parent's public_url, without the path
    token: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        """Reject settings that could never file."""
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if not self.token:
            raise ValueError("a parent's Jibao needs the token it issued")


class JibaoNotifier:
    """Files each message's body at one parent's Jibao; the parent's answer is the receipt."""

    channel: str = "jibao"

    def __init__(self, settings: JibaoSettings) -> None:
        self.settings = settings
        self._poster = JsonPoster(settings.timeout_seconds)

    async def send(self, message: Message) -> SendResult:
        """POST one report; the outcome as a SendResult, never by raising."""
        body = message.text.encode("utf-8")
        url = self.settings.url.rstrip("/") + FILINGS_PATH
        return await self._poster.post(
            url, body, request_headers(body, message, self.settings), result_of
        )

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        await self._poster.close()


def request_headers(body: bytes, message: Message, settings: JibaoSettings) -> dict[str, str]:
    """The headers of one filing at the parent."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Authorization": f"Bearer {settings.token}",
        "Idempotency-Key": str(message.data.get("key") or f"jibao-notification-{message.id}"),
    }
    if settings.secret:
        headers["X-Jibao-Signature"] = sign(body, settings.secret)
    return headers


def result_of(status: int, headers: Mapping[str, str], text: str) -> SendResult:
    """The parent's answer as a delivery state, its 201 body as the receipt."""
    if 200 <= status < 300:
        receipt = read_receipt(text)
        if receipt is None:
            return SendResult(DeliveryState.FAILED_TEMP, error=f"HTTP {status}: no receipt")
        provider_id = f"{receipt['incident_id']}/{receipt['filing_id']}"
        return SendResult(DeliveryState.SENT, provider_id=provider_id, receipt=receipt)
    return refused(status, headers, f"HTTP {status}: {_refusal(text)}")


def read_receipt(text: str) -> dict[str, Any] | None:
    """The parent's 201 answer when it says what it stored and when; else None."""
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    ids = [answer.get("incident_id"), answer.get("filing_id")]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return None
    try:
        received = datetime.fromisoformat(str(answer.get("received_at")))
    except ValueError:
        return None
    if received.tzinfo is None:
        return None
    return answer


def _refusal(text: str) -> str:
    """The parent's error code and message, from its error body."""
    try:
        error = json.loads(text).get("error") or {}
        fields = "; ".join(f"{f['field']}: {f['problem']}" for f in error.get("fields") or [])
        said = f"{error.get('code', '')} {error.get('message', '')}".strip()
        return f"{said} ({fields})" if fields else said
    except (ValueError, AttributeError, KeyError, TypeError):
        return text[:200]
