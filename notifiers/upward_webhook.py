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

import aiohttp

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, retry_after_seconds, sign

ERROR_MAX = 1000


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
        self._session: aiohttp.ClientSession | None = None

    async def send(self, message: Message) -> SendResult:
        """POST one report; the outcome as a SendResult, never by raising."""
        body = message.text.encode("utf-8")
        try:
            session = self._session_in_loop()
            async with session.post(
                self.settings.url,
                data=body,
                headers=request_headers(body, message, self.settings.secret),
                allow_redirects=False,
            ) as response:
                text = await response.text(errors="replace")
                return result_of(response.status, response.headers, text)
        except aiohttp.InvalidURL as exc:
            return SendResult(DeliveryState.FAILED_PERM, error=_error(exc))
        except Exception as exc:  # failures are values; the key makes a repeat safe
            return SendResult(DeliveryState.FAILED_TEMP, error=_error(exc))

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _session_in_loop(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds),
                connector=aiohttp.TCPConnector(force_close=True),
            )
        return self._session


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
    error = f"HTTP {status}: {text[:300]}"[:ERROR_MAX]
    if status in (408, 429) or 500 <= status < 600:
        retry_after = retry_after_seconds(headers.get("Retry-After"), headers.get("Date"))
        return SendResult(DeliveryState.FAILED_TEMP, error=error, retry_after=retry_after)
    return SendResult(DeliveryState.FAILED_PERM, error=error)


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


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
