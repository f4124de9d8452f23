"""One channel (sms, voice) over an ordered list of providers, and the circuit breaker that skips
a provider in trouble (docs/decisions/0020).

A message goes to the first provider whose breaker is closed and whose account quota allows;
when that provider refuses it (for now or for good) the next is tried, at once, for the same
message. Once one provider accepts it, no other is tried: the message is sent once. An `unknown`
outcome (the request may have reached the provider) ends the attempt too, for the same reason;
the ladder's next rung is the safety net. A provider that fails `failures` times running is
skipped for `cool_off`; its state is kept in memory, per process."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from notifiers.base import DeliveryState, Message, Notifier, SendResult
from notifiers.templated import local_refusal

log = logging.getLogger(__name__)
_FAILED = (DeliveryState.FAILED_TEMP, DeliveryState.FAILED_PERM)


@dataclass(frozen=True)
class Pause:
    """A provider skipped until `until` (a wall-clock timestamp), and why."""

    channel: str
    provider: str
    until: float
    failures: int
    reason: str


class Breaker:
    """Counts each provider's failures running; opens after `threshold` for `cool_off`."""

    def __init__(
        self,
        threshold: int,
        cool_off: timedelta,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.threshold = threshold
        self.cool_off = cool_off.total_seconds()
        self.clock = clock
        self._failures: dict[str, int] = {}
        self._open_until: dict[str, float] = {}
        self._reason: dict[str, str] = {}

    def is_open(self, name: str) -> bool:
        """True while `name` is being skipped."""
        return self._open_until.get(name, 0.0) > self.clock()

    def succeeded(self, name: str) -> None:
        """A send went: the count starts again."""
        self._failures.pop(name, None)
        self._open_until.pop(name, None)

    def failed(self, name: str, reason: str) -> None:
        """A send failed; the breaker opens at the threshold (again after each cool-off)."""
        count = self._failures.get(name, 0) + 1
        self._failures[name] = count
        self._reason[name] = reason
        if count >= self.threshold:
            self._open_until[name] = self.clock() + self.cool_off
            log.warning("provider %s paused after %d failures: %s", name, count, reason)

    def open_until(self, name: str) -> float | None:
        """When `name` is tried again, if it is being skipped now."""
        until = self._open_until.get(name)
        return until if until is not None and until > self.clock() else None

    def paused(self, channel: str) -> list[Pause]:
        """The providers skipped right now."""
        return [
            Pause(channel, name, until, self._failures.get(name, 0), self._reason.get(name, ""))
            for name, until in sorted(self._open_until.items())
            if until > self.clock()
        ]


class Quota:
    """A provider account's rate limits: at most N sends in each window (in memory)."""

    def __init__(
        self, limits: Mapping[timedelta, int], clock: Callable[[], float] = time.time
    ) -> None:
        self.limits = {window.total_seconds(): count for window, count in limits.items()}
        self.clock = clock
        self._sent: deque[float] = deque()

    def allows(self) -> bool:
        """Whether one more send fits every window."""
        if not self.limits:
            return True
        now = self.clock()
        longest = max(self.limits)
        while self._sent and now - self._sent[0] > longest:
            self._sent.popleft()
        return all(
            sum(1 for at in self._sent if now - at <= window) < count
            for window, count in self.limits.items()
        )

    def note(self) -> None:
        """Count one send."""
        self._sent.append(self.clock())


class FailoverNotifier:
    """`channel` through `providers` in order (name, notifier), each behind the breaker."""

    def __init__(
        self,
        channel: str,
        providers: Sequence[tuple[str, Notifier]],
        breaker: Breaker,
        quotas: Mapping[str, Quota] | None = None,
        *,
        default: Sequence[str] | None = None,
        orders: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.channel = channel
        self.providers = list(providers)
        self.breaker = breaker
        self.quotas = dict(quotas or {})
        # the order for everyone (all providers if not given), and per recipient target
        # (`office.county_leader`, `person:+86…`, as escalation steps name them)
        self.default = list(default) if default is not None else [n for n, _ in self.providers]
        self.orders = {target: list(names) for target, names in (orders or {}).items()}

    def order_for(self, message: Message) -> list[tuple[str, Notifier]]:
        """The providers to try for `message`, in order: its recipient's, else everyone's."""
        template = message.data.get("template")
        target = template.get("target") if isinstance(template, Mapping) else None
        names = self.orders.get(target, self.default) if isinstance(target, str) else self.default
        by_name = dict(self.providers)
        return [(name, by_name[name]) for name in names if name in by_name]

    async def send(self, message: Message) -> SendResult:
        """Try the providers in order until one accepts, or one may have (never two)."""
        errors: list[str] = []
        temporary = False  # a provider was skipped or failed for now: worth trying again
        for name, notifier in self.order_for(message):
            if self.breaker.is_open(name):
                errors.append(f"{name}: paused")
                temporary = True
                continue
            quota = self.quotas.get(name)
            if quota is not None and not quota.allows():
                errors.append(f"{name}: account rate limit")
                temporary = True
                continue
            result = await notifier.send(message)
            if result.state not in _FAILED:
                if quota is not None and result.state is not DeliveryState.DRY:
                    quota.note()
                if result.state is DeliveryState.UNKNOWN:
                    self.breaker.failed(name, result.error or "no answer")
                else:
                    self.breaker.succeeded(name)
                if errors:
                    log.warning("notification %d went via %s after %s", message.id, name, errors)
                return result
            if not local_refusal(result):  # our own refusal says nothing of the provider
                self.breaker.failed(name, result.error or result.state.value)
            errors.append(f"{name}: {result.error or result.state.value}")
            temporary = temporary or result.state is DeliveryState.FAILED_TEMP
        error = "; ".join(errors)[:1000] or "no provider"
        if not temporary:
            return SendResult(DeliveryState.FAILED_PERM, error=error)
        return SendResult(DeliveryState.FAILED_TEMP, error=error, retry_after=self._reopens())

    def _reopens(self) -> float | None:
        times = [self.breaker.open_until(name) for name, _ in self.providers]
        soonest = min((t for t in times if t is not None), default=None)
        return max(soonest - self.breaker.clock(), 0.0) if soonest is not None else None

    def paused(self) -> list[Pause]:
        """The providers of this channel skipped right now."""
        names = {name for name, _ in self.providers}
        return [p for p in self.breaker.paused(self.channel) if p.provider in names]

    async def close(self) -> None:
        """Close every provider."""
        for _, notifier in self.providers:
            await notifier.close()
