"""Outgoing webhooks: one signed JSON POST per message, with aiohttp.

The body is `{"id", "subject", "text", "ack_url", "data"}` as UTF-8 JSON. Headers:
`Content-Type: application/json`, `Idempotency-Key: jibao-notification-{id}` so a receiver
can drop a repeat, and, when a secret is set, `X-Jibao-Signature: sha256=<hex>`, the
HMAC-SHA256 of the exact body bytes.

Outcomes: 2xx → SENT; 408, 429 and 5xx → FAILED_TEMP (with Retry-After when given); any
other status → FAILED_PERM; refused or timed-out connection → FAILED_TEMP; a timeout or
dropped connection once the request is on its way → UNKNOWN."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import aiohttp

from notifiers.base import DeliveryState, Message, SendResult

SIGNATURE_HEADER = "X-Jibao-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# 408 is not in the contract's list, but it says the server gave up waiting for us.
_TEMPORARY_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class WebhookSettings:
    """Where one webhook posts to, and the secret it signs with."""

    name: str
    url: str
    secret: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        """Reject a timeout that could never send."""
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


def encode_body(message: Message) -> bytes:
    """The exact bytes posted (and signed) for a message."""
    payload = {
        "id": message.id,
        "subject": message.subject,
        "text": message.text,
        "ack_url": message.ack_url,
        "data": message.data,
    }
    return json.dumps(payload, ensure_ascii=False, default=_json_default).encode("utf-8")


def _json_default(value: object) -> object:
    """Dates and times as ISO 8601; anything else unknown is an error."""
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def sign(body: bytes, secret: str) -> str:
    """The signature header value: `sha256=` and the hex HMAC-SHA256 of the body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def request_headers(body: bytes, notification_id: int, secret: str | None) -> dict[str, str]:
    """The headers for one POST."""
    headers = {
        "Content-Type": "application/json",
        IDEMPOTENCY_HEADER: f"jibao-notification-{notification_id}",
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    return headers


def retry_after_seconds(value: str | None, date: str | None = None) -> float | None:
    """Seconds asked for by Retry-After: delta-seconds, or an HTTP-date.

    An HTTP-date is measured against the response's own Date header rather than our
    clock, so no clock is read here; without a Date header it is ignored."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    if date is None:
        return None
    try:
        delta = parsedate_to_datetime(value) - parsedate_to_datetime(date)
    except (TypeError, ValueError):  # unparsable, or one naive and one aware
        return None
    return max(0.0, delta.total_seconds())


class WebhookNotifier:
    """POSTs each message to the webhook's URL (or to `message.to` when set)."""

    channel: str = "webhook"

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None

    async def send(self, message: Message) -> SendResult:
        """POST one message; report the outcome as a SendResult, never by raising."""
        try:
            body = encode_body(message)
        except (TypeError, ValueError) as exc:
            return SendResult(DeliveryState.FAILED_PERM, error=f"cannot encode body: {exc}")
        headers = request_headers(body, message.id, self.settings.secret)
        url = message.to or self.settings.url
        try:
            session = self._session_in_loop()
            async with session.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                return result_of(response.status, response.headers, message.id)
        except Exception as exc:  # the Notifier contract: failures are values
            return classify_failure(exc)

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _session_in_loop(self) -> aiohttp.ClientSession:
        """The session, made on first use inside the running event loop."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds),
                # A fresh connection per POST: on a reused keep-alive connection a
                # disconnect could not tell "never arrived" from "arrived, reply lost".
                connector=aiohttp.TCPConnector(force_close=True),
            )
        return self._session


def result_of(status: int, headers: Mapping[str, str], notification_id: int) -> SendResult:
    """Map an HTTP status (and its case-insensitive headers) to a delivery state."""
    if 200 <= status < 300:
        provider_id = headers.get("X-Request-Id") or f"webhook-{notification_id}"
        return SendResult(DeliveryState.SENT, provider_id=provider_id)
    error = f"HTTP {status}"
    if status in _TEMPORARY_STATUSES or 500 <= status < 600:
        retry_after = retry_after_seconds(headers.get("Retry-After"), headers.get("Date"))
        return SendResult(DeliveryState.FAILED_TEMP, error=error, retry_after=retry_after)
    return SendResult(DeliveryState.FAILED_PERM, error=error)


def classify_failure(exc: Exception) -> SendResult:
    """Map an aiohttp error to a delivery state (see the module docstring)."""
    error = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
        return SendResult(DeliveryState.FAILED_TEMP, error=error)  # nothing was sent
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError | ValueError):
        return SendResult(DeliveryState.FAILED_PERM, error=error)
    # A read timeout, a dropped connection, a garbled reply: the request may have landed.
    return SendResult(DeliveryState.UNKNOWN, error=error)
