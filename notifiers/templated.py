"""What the template providers (Aliyun SMS and voice, Tencent SMS) share: the template a message
names, parameters kept within a provider's length rules, and the guard against a third identical
SMS to one number within 24 hours (carriers block it; docs/decisions/0020).

A message for them carries `data["template"] = {"kind": ..., "params": {...}}`, filled by the
service; a provider without a template for that kind refuses it permanently (the next provider
of the route may have one)."""

from __future__ import annotations

import json
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from notifiers.base import DeliveryState, Message, SendResult

IDENTICAL_WINDOW = 24 * 3600.0  # seconds
IDENTICAL_MAX = 2  # identical messages one number may get within the window


@dataclass(frozen=True)
class Template:
    """An approved template: its code and its parameter names in the template's order."""

    code: str
    params: tuple[str, ...]


def fit(value: str, limit: int) -> str:
    """`value` within `limit` characters: whole when it fits, else cut with an ellipsis; no
    line breaks (a provider refuses them in variables)."""
    value = " ".join(str(value).split())
    if len(value) <= limit:
        return value
    return value[: max(limit - 1, 0)] + "…" if limit > 1 else value[:limit]


def template_of(
    message: Message, templates: Mapping[str, Template], limit: int
) -> tuple[Template, dict[str, str]] | SendResult:
    """The template and the filled, shortened parameters for `message`, or why not."""
    raw = message.data.get("template")
    if not isinstance(raw, Mapping) or not isinstance(raw.get("kind"), str):
        return SendResult(DeliveryState.FAILED_PERM, error="the message names no template")
    kind = str(raw["kind"])
    template = templates.get(kind)
    alone = raw.get("alone")  # a bundle, for a provider without a bundle template: its first
    if template is None and isinstance(alone, Mapping) and alone.get("kind") in templates:
        time = (
            raw.get("params", {}).get("time", "") if isinstance(raw.get("params"), Mapping) else ""
        )
        raw = {"kind": alone["kind"], "params": {**alone.get("params", {}), "time": time}}
        kind = str(raw["kind"])
        template = templates.get(kind)
    if template is None:
        return SendResult(DeliveryState.FAILED_PERM, error=f"no template for {kind}")
    given = raw.get("params")
    values = given if isinstance(given, Mapping) else {}
    params = {name: fit(str(values.get(name, "")), limit) or "-" for name in template.params}
    return template, params


def local_number(e164: str) -> str:
    """A number as Aliyun takes it: mainland numbers without +86, others without the plus."""
    return e164[3:] if e164.startswith("+86") else e164.lstrip("+")


class IdenticalGuard:
    """Remembers what went to each number, so a third identical message within 24 hours is
    refused before it reaches the provider (in memory: per process, like the breaker)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._sent: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    @staticmethod
    def _key(to: str, code: str, params: Sequence[str] | Mapping[str, str]) -> tuple[str, str]:
        body = json.dumps([code, params], ensure_ascii=False, sort_keys=True)
        return to, body

    def refused(self, to: str, code: str, params: Sequence[str] | Mapping[str, str]) -> bool:
        """True if two identical messages went to `to` within the window."""
        now = self.clock()
        sent = self._sent[self._key(to, code, params)]
        while sent and now - sent[0] > IDENTICAL_WINDOW:
            sent.popleft()
        return len(sent) >= IDENTICAL_MAX

    def note(self, to: str, code: str, params: Sequence[str] | Mapping[str, str]) -> None:
        """Remember one accepted message."""
        self._sent[self._key(to, code, params)].append(self.clock())


IDENTICAL_REFUSED = SendResult(
    DeliveryState.FAILED_PERM, error="a third identical message to this number within 24 hours"
)
_LOCAL = ("the message names no template", "no template for ", IDENTICAL_REFUSED.error or "")


def local_refusal(result: SendResult) -> bool:
    """Whether `result` is an adapter's own refusal, made before any request was sent."""
    return result.state is DeliveryState.FAILED_PERM and (result.error or "").startswith(_LOCAL)


def unreachable(text: str) -> bool:
    """Whether an SDK's transport error says nothing left this host (so it is safe to retry)."""
    return (
        "Cannot connect to host" in text or "ConnectError" in text or "Connection refused" in text
    )
