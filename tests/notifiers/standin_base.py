"""A local HTTP stand-in's plumbing: an aiohttp.web app served on 127.0.0.1 and an ephemeral
port from a thread with its own event loop, so sync tests and a service served in yet another
thread can both reach it. Subclasses add routes and what they record; `push` posts a provider's
callback (JSON) to the service, as the provider would."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web


@dataclass(frozen=True)
class Pushed:
    """A callback posted to the service, and its answer."""

    url: str
    body: Any
    status: int
    answer: Any


class ThreadedStandIn:
    """Serves `self.routes(app)` until stopped; use as a context manager."""

    name = "standin"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.down = False  # answer every API request 503, as a provider in an outage
        self.hang = 0.0  # seconds to sit on each API request before answering (a slow provider)
        self.pushed: list[Pushed] = []

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @property
    def endpoint(self) -> str:
        """host:port, as the SDKs take an endpoint."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> ThreadedStandIn:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._open())
            ready.set()
            self._loop.run_forever()
            pending = [t for t in asyncio.all_tasks(self._loop) if not t.done()]
            for task in pending:  # a request still hanging: end it, quietly
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

        self._thread = threading.Thread(target=serve, name=self.name, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"the {self.name} stand-in did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop = self._thread = None

    def __enter__(self) -> ThreadedStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _open(self) -> None:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def push(self, url: str, body: Any) -> Pushed:
        """POST `body` as JSON to `url` (the service), as the provider's callback does."""
        answer = httpx.post(url, json=body, timeout=10)
        try:
            parsed: Any = answer.json()
        except ValueError:
            parsed = answer.text
        pushed = Pushed(url, body, answer.status_code, parsed)
        with self._lock:
            self.pushed.append(pushed)
        return pushed
