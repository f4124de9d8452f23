"""Aliyun's OpenAPI clients (SMS and voice share one account): built from settings aimed at a
configurable endpoint, and what their answers and exceptions mean as a `SendResult`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from alibabacloud_tea_openapi.models import Config
from darabonba.exceptions import ResponseException

from notifiers.base import DeliveryState, SendResult
from notifiers.templated import Template, unreachable

log = logging.getLogger(__name__)
# codes in a 200 answer that mean "not now" rather than "never": flow control, Aliyun's side
_TEMPORARY = ("isp.", "Throttling", "isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable")


@dataclass(frozen=True, kw_only=True)
class AliyunSettings:
    """One Aliyun service of one account: credentials, endpoint and templates."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    endpoint: str  # host[:port]
    protocol: str = "https"
    timeout_seconds: float = 10.0
    templates: Mapping[str, Template] = field(default_factory=dict)
    max_param_chars: int = 35
    sign_name: str = ""  # SMS
    called_show_number: str = ""  # voice
    play_times: int = 2  # voice


def client_config(settings: AliyunSettings) -> Config:
    """The OpenAPI config: the endpoint and protocol given, the time limit on both halves."""
    milliseconds = int(settings.timeout_seconds * 1000)
    return Config(
        access_key_id=settings.access_key_id,
        access_key_secret=settings.access_key_secret,
        endpoint=settings.endpoint,
        protocol=settings.protocol,
        connect_timeout=milliseconds,
        read_timeout=milliseconds,
    )


def answer_code(code: str | None, message: str | None, provider_id: str | None) -> SendResult:
    """A 200 answer: `OK` with an id is sent; otherwise refused, for now or for good."""
    if code == "OK" and provider_id:
        return SendResult(DeliveryState.SENT, provider_id=provider_id)
    if code == "OK":
        return logged(SendResult(DeliveryState.UNKNOWN, error="Aliyun answered OK without an id"))
    error = f"Aliyun {code}: {message or ''}"
    temporary = any(str(code or "").startswith(prefix) for prefix in _TEMPORARY)
    state = DeliveryState.FAILED_TEMP if temporary else DeliveryState.FAILED_PERM
    return logged(SendResult(state, error=error))


async def outcome_of(
    call: Callable[[], Awaitable[Any]], read: Callable[[Any], SendResult]
) -> SendResult:
    """Run one SDK call, never raising: HTTP refusals by status, transport errors by whether
    the request may have reached Aliyun."""
    try:
        answer = await call()
    except ResponseException as exc:
        status = int(getattr(exc, "status_code", 0) or 0)
        error = f"HTTP {status}, Aliyun {getattr(exc, 'code', '')}: {getattr(exc, 'message', '')}"
        temporary = status == 429 or status >= 500
        state = DeliveryState.FAILED_TEMP if temporary else DeliveryState.FAILED_PERM
        return logged(SendResult(state, error=error[:1000]))
    except Exception as exc:  # the SDK wraps transport errors in its own exceptions
        text = f"{type(exc).__name__}: {getattr(exc, 'message', '') or exc}"
        state = DeliveryState.FAILED_TEMP if unreachable(text) else DeliveryState.UNKNOWN
        return logged(SendResult(state, error=f"Aliyun: {text}"[:1000]))
    return read(answer)


def logged(result: SendResult) -> SendResult:
    log.warning("Aliyun send %s: %s", result.state.value, result.error)
    return result
