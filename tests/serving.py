"""Serving an app under a real uvicorn server on a free port, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from tests.polling import wait_until


def serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Start `app` on 127.0.0.1 at a free port: (server, its thread, base URL). Stop it with
    `stop`."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_until(lambda: server.started, timeout=10), "uvicorn did not start"
    return server, thread, f"http://127.0.0.1:{port}"


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    """Shut a served app down (its lifespan closes what it opened)."""
    server.should_exit = True
    thread.join(10)


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """`app` under uvicorn while the block runs; its base URL."""
    server, thread, base = serve(app)
    try:
        yield base
    finally:
        stop(server, thread)
