"""Sending claimed messages: concurrently, each on its own, each result handed on as it comes.

Adapters promise to report failure as a value (notifiers/base.py); one that raises anyway costs
its own message only, which becomes `unknown` with the error: the request may have reached the
provider, so it is never re-sent blindly. Results go to `record` as they complete (those that
complete while the last ones are being stored, together), so a quick send is stored while a
slow one is still out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence

from alerts.escalation.outbox import Claimed
from notifiers.base import DeliveryState, Notifier, SendResult

SEND_CONCURRENCY = 64
log = logging.getLogger(__name__)

Outcome = tuple[Claimed, SendResult]


async def send_one(item: Claimed, notifiers: Mapping[str, Notifier]) -> SendResult:
    """One message through its channel; a missing channel is a permanent failure, an adapter
    that raises makes it `unknown`."""
    notifier = notifiers.get(channel_key(item))
    if notifier is None:
        return SendResult(DeliveryState.FAILED_PERM, error=f"no channel {item.message.channel}")
    try:
        return await notifier.send(item.message)
    except Exception as exc:
        log.exception("the %s adapter raised sending notification %d", notifier.channel, item.id)
        error = f"the {notifier.channel} adapter raised {type(exc).__name__}: {exc}"
        return SendResult(DeliveryState.UNKNOWN, error=error[:1000])


def channel_key(item: Claimed) -> str:
    """The notifier a message goes through: its channel, or `webhook:NAME`, `jibao:PARENT`,
    `robot:NAME` (a robot's message keeps its whole channel: `to` is the person's mobile)."""
    channel, to = item.message.channel, item.message.to
    if channel.startswith("robot:"):
        return channel
    return f"{channel}:{to}" if channel in ("webhook", "jibao") else channel


async def send_all(
    claimed: Sequence[Claimed],
    notifiers: Mapping[str, Notifier],
    record: Callable[[list[Outcome]], None],
) -> None:
    """Send every claimed message, at most SEND_CONCURRENCY at once, recording results as they
    complete: each `record` call takes every result that came while the last one ran. It runs
    on the loop, not in a thread: a thread could outlive a shutdown and use the database after
    the engine was disposed. A `record` that fails does not stop the other sends; the first
    failure is raised once all have finished (their rows end `unknown` by lease)."""
    gate = asyncio.Semaphore(SEND_CONCURRENCY)
    waiting: list[Outcome] = []
    arrived = asyncio.Event()

    async def one(item: Claimed) -> None:
        try:
            async with gate:
                waiting.append((item, await send_one(item, notifiers)))
        finally:
            arrived.set()

    sends = [asyncio.ensure_future(one(item)) for item in claimed]
    failure: Exception | None = None
    try:
        while waiting or not all(task.done() for task in sends):
            await arrived.wait()
            arrived.clear()
            batch = waiting[:]
            del waiting[:]
            if not batch:
                continue
            try:
                record(batch)
            except Exception as exc:
                log.exception("recording %d send result(s) failed", len(batch))
                failure = failure or exc
    finally:
        for task in sends:  # cancelled from outside: no send is left running unowned
            task.cancel()
    if failure is not None:
        raise failure
