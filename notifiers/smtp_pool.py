"""SMTP connections kept open between emails: a few at once, each carrying one mail at a time.

An SMTP session carries one mail transaction at a time, so concurrent sends take separate
connections, at most `size`; the rest wait for one. A connection goes back to the pool only
after an accepted message. It is not lent again once it has been idle `idle_seconds` (servers
hang up on idle clients: RFC 5321 lets them after 5 minutes, many do sooner) or has carried
`messages_per_connection` (some servers cap a session's messages); it is closed instead."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

POOL_SIZE = 4
IDLE_SECONDS = 30.0
MESSAGES_PER_CONNECTION = 100
QUIT_SECONDS = 2.0  # how long a polite QUIT may take when the pool closes


class Client(Protocol):
    """What the pool needs of an SMTP client (aiosmtplib.SMTP has it)."""

    @property
    def is_connected(self) -> bool: ...

    async def quit(self) -> object: ...

    def close(self) -> None: ...


C = TypeVar("C", bound=Client)


@dataclass
class Pooled(Generic[C]):
    """An open connection and what it has carried."""

    client: C
    messages: int = 0
    idle_since: float = 0.0


class SmtpPool(Generic[C]):
    """Open connections to one SMTP server, lent one send at a time."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[C]],
        *,
        size: int = POOL_SIZE,
        idle_seconds: float = IDLE_SECONDS,
        messages_per_connection: int = MESSAGES_PER_CONNECTION,
    ) -> None:
        self.connect = connect
        self.size, self.idle_seconds = size, idle_seconds
        self.messages_per_connection = messages_per_connection
        self._idle: list[Pooled[C]] = []
        self._gate: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def gate(self) -> asyncio.Semaphore:
        """The semaphore holding sends to `size` at once, for the running loop."""
        loop = asyncio.get_running_loop()
        if self._gate is None or self._loop is not loop:
            # made in an earlier loop (asyncio.run per call): its connections are unusable here
            self._drop_idle()
            self._gate, self._loop = asyncio.Semaphore(self.size), loop
        return self._gate

    def take_idle(self) -> Pooled[C] | None:
        """An open connection still fit to lend, or None; the unfit ones are closed."""
        now = time.monotonic()
        while self._idle:
            pooled = self._idle.pop()  # the most recently used: the likeliest to be alive
            if (
                pooled.client.is_connected
                and now - pooled.idle_since < self.idle_seconds
                and pooled.messages < self.messages_per_connection
            ):
                return pooled
            pooled.client.close()
        return None

    def give_back(self, pooled: Pooled[C]) -> None:
        """A connection whose message was accepted: kept for the next send."""
        pooled.messages += 1
        pooled.idle_since = time.monotonic()
        self._idle.append(pooled)

    async def close(self) -> None:
        """Say QUIT on every idle connection (briefly) and close it."""
        idle, self._idle = self._idle, []
        for pooled in idle:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pooled.client.quit(), QUIT_SECONDS)
            pooled.client.close()

    def _drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for pooled in idle:
            with contextlib.suppress(Exception):  # its loop may be closed already
                pooled.client.close()
