"""Twilio's REST client on aiohttp, aimed at a configurable base URL, and what its answers mean.

`create_client` builds the official `twilio.rest.Client` on `RebasedHttpClient`, which sends
every request to `api_base_url` (Twilio, a proxy or a local stand-in) within a time limit and
never retries. `outcome_of` turns one create call into a `SendResult` for the SMS and voice
channels: an answer is a value, whatever happened on the wire."""

from __future__ import annotations

import asyncio
import base64
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from notifiers.base import DeliveryState, SendResult

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
STATUS_CALLBACK_PATH = "/api/v1/twilio/status"
POOL_SIZE = 64  # connections at once per client: as many as the outbox sends at once
KEEPALIVE_SECONDS = 10.0  # an idle connection is closed after this


@dataclass(frozen=True, kw_only=True)
class TwilioSettings:
    """Credentials, the sending number and the two base URLs of the Twilio channels."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str  # E.164, a number of this Twilio account
    api_base_url: str = DEFAULT_API_BASE_URL  # Twilio, a proxy, or a local stand-in
    callback_base_url: str  # our public URL, where Twilio posts status callbacks
    timeout_seconds: float = 10.0  # per request, connecting included

    def __post_init__(self) -> None:
        for name in ("api_base_url", "callback_base_url"):
            parts = urlsplit(getattr(self, name))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{name} must be an absolute http(s) URL")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")

    @property
    def status_callback_url(self) -> str:
        """Where Twilio posts message and call status changes."""
        return f"{self.callback_base_url.rstrip('/')}{STATUS_CALLBACK_PATH}"


@dataclass
class _Exchange:
    """What the HTTP client saw during one create call (read back by `outcome_of`)."""

    started: bool = False
    headers: Mapping[str, str] | None = None


# Twilio's exceptions drop the response headers (Retry-After); the HTTP client leaves them here.
# A ContextVar, not an attribute, because concurrent sends share one client.
_exchange: ContextVar[_Exchange | None] = ContextVar("twilio_exchange", default=None)


class RebasedHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """Twilio's async HTTP client, sending every Twilio URL to `api_base_url`, with a time limit.

    One aiohttp session for the notifier's life, made lazily inside the running loop and closed
    by `close()`: its keep-alive connections carry one message after another, up to POOL_SIZE
    at once. It never retries, and neither does aiohttp for a POST: a POST on a pooled
    connection the server closed at that very moment fails as "disconnected", which reads as
    "maybe sent" (UNKNOWN, never re-sent). Idle connections are closed after
    KEEPALIVE_SECONDS, well before servers drop idle clients, which keeps that race rare."""

    def __init__(self, api_base_url: str, timeout_seconds: float) -> None:
        super().__init__(pool_connections=False, timeout=timeout_seconds, max_retries=None)
        self.api_base_url = api_base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None

    def rebase(self, url: str) -> str:
        """`url` with a twilio.com host replaced by `api_base_url`; other URLs unchanged."""
        if self.api_base_url == DEFAULT_API_BASE_URL:
            return url  # leave messaging.twilio.com and the others to themselves
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host != "twilio.com" and not host.endswith(".twilio.com"):
            return url
        base = urlsplit(self.api_base_url)
        path = base.path.rstrip("/") + parts.path
        return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Send one request to the rebased URL and read the whole answer."""
        session = await self._session_in_running_loop()
        headers = dict(headers or {})
        if auth is not None:  # aiohttp 3.14 deprecates BasicAuth; the header is all it made
            headers["Authorization"] = basic_authorization(*auth)
        body = None
        if data is not None:  # what aiohttp's FormData would send, without its multipart writer
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        kwargs: dict[str, Any] = {
            "method": method.upper(),
            "url": self.rebase(url),
            "params": params,
            "data": body,
            "headers": headers,
            "allow_redirects": allow_redirects,
        }
        logging_on = self.logger.isEnabledFor(logging.INFO)  # it formats each line even when off
        if logging_on:
            self.log_request(kwargs)
        if timeout is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout)
        exchange = _exchange.get()
        if exchange is not None:
            exchange.started = True
        async with session.request(**kwargs) as answer:
            text = await answer.text()
        if logging_on:
            self.log_response(answer.status, answer)
        if exchange is not None:
            exchange.headers = answer.headers
        return Response(answer.status, text, answer.headers)

    async def close(self) -> None:
        """Close the aiohttp session, if one was made."""
        session, self._session, self._session_loop = self._session, None, None
        if session is not None:
            await session.close()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _session_in_running_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is not None and self._session_loop is not loop:
            # made in an earlier loop (asyncio.run per call), unusable in this one
            stale, self._session, self._session_loop = self._session, None, None
            await stale.close()
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=POOL_SIZE, keepalive_timeout=KEEPALIVE_SECONDS
                ),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
            self._session_loop = loop
        return self._session


def basic_authorization(login: str, password: str) -> str:
    """An HTTP Basic `Authorization` header value."""
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode("ascii")


def create_client(settings: TwilioSettings) -> Client:
    """A twilio `Client` whose async requests go to `settings.api_base_url`."""
    http_client = RebasedHttpClient(settings.api_base_url, settings.timeout_seconds)
    return Client(settings.account_sid, settings.auth_token, http_client=http_client)


async def close_client(client: Client) -> None:
    """Release the client's HTTP session."""
    await client.http_client.close()


async def outcome_of(create: Callable[[], Awaitable[Any]]) -> SendResult:
    """Run one Twilio create call and say what came of it, never raising.

    SENT with the new resource's SID; FAILED_TEMP when Twilio asked us to come back (429, 5xx)
    or nothing left this host; FAILED_PERM when Twilio refused (4xx); UNKNOWN when the request
    may have reached Twilio but no readable answer came back (timeout, dropped connection)."""
    exchange = _Exchange()
    token = _exchange.set(exchange)
    try:
        instance = await create()
    except (TwilioRestException, TwilioServiceException) as exc:
        return _refused(exc, exchange.headers or {})
    except (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError) as exc:
        return _logged(SendResult(DeliveryState.FAILED_TEMP, error=f"not sent: {_describe(exc)}"))
    except (TimeoutError, aiohttp.ClientError) as exc:
        return _logged(SendResult(DeliveryState.UNKNOWN, error=f"no answer: {_describe(exc)}"))
    except Exception as exc:  # a bug or an unreadable answer: still a value, never a raise
        log.exception("Twilio create call failed unexpectedly")
        state = DeliveryState.UNKNOWN if exchange.started else DeliveryState.FAILED_PERM
        return SendResult(state, error=f"unexpected: {_describe(exc)}")
    finally:
        _exchange.reset(token)
    sid = getattr(instance, "sid", None)
    if not isinstance(sid, str) or not sid:
        return _logged(SendResult(DeliveryState.UNKNOWN, error="Twilio's answer has no SID"))
    return SendResult(DeliveryState.SENT, provider_id=sid)


def _refused(
    exc: TwilioRestException | TwilioServiceException, headers: Mapping[str, str]
) -> SendResult:
    status = int(exc.status)
    message = exc.msg if isinstance(exc, TwilioRestException) else (exc.detail or exc.title)
    error = f"HTTP {status}, Twilio error {exc.code}: {message}"
    if status == 429:
        retry_after = retry_after_seconds(headers.get("Retry-After"))
        return _logged(SendResult(DeliveryState.FAILED_TEMP, error=error, retry_after=retry_after))
    if status >= 500:
        return _logged(SendResult(DeliveryState.FAILED_TEMP, error=error))
    return _logged(SendResult(DeliveryState.FAILED_PERM, error=error))


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds; None if absent or a date."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: reading it would take a clock; the outbox backs off anyway
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _logged(result: SendResult) -> SendResult:
    log.warning("Twilio send %s: %s", result.state.value, result.error)
    return result
