"""Waiting for a condition with a deadline, where a test would otherwise sleep a fixed time.

Each returns whether the condition came true, so the caller's assertion says what was awaited."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


def wait_until(condition: Callable[[], bool], *, timeout: float, every: float = 0.005) -> bool:
    """Check `condition` every `every` seconds until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)
    return True


async def wait_until_async(
    condition: Callable[[], bool], *, timeout: float, every: float = 0.005
) -> bool:
    """As `wait_until`, inside an event loop: its other tasks run while this one waits."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)
    return True
