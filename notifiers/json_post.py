"""One JSON POST per message with aiohttp, for the notifiers that deliver a report to another
office (notifiers/jibao.py, notifiers/upward_webhook.py): the session they share, failures as
values, and what a refusal status means."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import aiohttp

from notifiers.base import DeliveryState, SendResult
from notifiers.webhook import retry_after_seconds

ERROR_MAX = 1000
Answer = Callable[[int, Mapping[str, str], str], SendResult]  # status, headers, body → outcome


class JsonPoster:
    """POSTs bodies over one aiohttp session, opened in the loop that first sends."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], answer: Answer
    ) -> SendResult:
        """POST `body`; the outcome `answer` reads from the reply, never by raising. A repeat is
        safe (the Idempotency-Key), so a failure to get an answer is temporary."""
        try:
            async with self._session_in_loop().post(
                url, data=body, headers=dict(headers), allow_redirects=False
            ) as response:
                text = await response.text(errors="replace")
                return answer(response.status, response.headers, text)
        except aiohttp.InvalidURL as exc:
            return SendResult(DeliveryState.FAILED_PERM, error=error_of(exc))
        except Exception as exc:  # the Notifier contract: failures are values
            return SendResult(DeliveryState.FAILED_TEMP, error=error_of(exc))

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _session_in_loop(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
                connector=aiohttp.TCPConnector(force_close=True),
            )
        return self._session


def refused(status: int, headers: Mapping[str, str], error: str) -> SendResult:
    """A status other than 2xx: 408, 429 and 5xx come back later (after Retry-After), the
    rest are refusals for good."""
    error = error[:ERROR_MAX]
    if status in (408, 429) or 500 <= status < 600:
        retry_after = retry_after_seconds(headers.get("Retry-After"), headers.get("Date"))
        return SendResult(DeliveryState.FAILED_TEMP, error=error, retry_after=retry_after)
    return SendResult(DeliveryState.FAILED_PERM, error=error)


def error_of(exc: Exception) -> str:
    """An exception in a few words, for a message's last error."""
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
