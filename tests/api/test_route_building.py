"""Every route is built by create_app: first requests build nothing, so servers in threads of one
process cannot break each other's warning filters (FastAPI builds route contexts inside
`warnings.catch_warnings`, which is process-global and not thread-safe)."""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from alerts.app import create_app
from tests.builders import at, settings
from tests.builders import county as seeded_county

_PARAM = re.compile(r"\{[^}]+\}")


def _every_route(database_url: str) -> list[tuple[str, str]]:
    """(method, path) of every route, read from an app of its own (reading them builds them)."""
    app = create_app(settings(database_url), run_scheduler=False)
    found = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.path:
            for method in context.methods or ():
                found.add((method, _PARAM.sub("1", context.path)))
    assert len(found) > 50, found
    return sorted(found)


def _first_requests(client: TestClient, routes: list[tuple[str, str]]) -> list[tuple[str, int]]:
    return [
        (f"{method} {path}", client.request(method, path, follow_redirects=False).status_code)
        for method, path in routes
    ]


def _crashes(answers: list[tuple[str, int]]) -> list[tuple[str, int]]:
    # /readyz answers 503 by design here: these apps run without a scheduler
    return [a for a in answers if a[1] >= 500 and a != ("GET /readyz", 503)]


@pytest.fixture
def entered() -> Iterator[list[str]]:
    """Counts every `warnings.catch_warnings` entered while the test runs."""
    entries: list[str] = []
    original = warnings.catch_warnings

    class Counting(original):  # type: ignore[valid-type,misc]
        def __enter__(self) -> Any:
            entries.append(threading.current_thread().name)
            return super().__enter__()

    warnings.catch_warnings = Counting  # type: ignore[misc]
    try:
        yield entries
    finally:
        warnings.catch_warnings = original  # type: ignore[misc]


def test_first_requests_enter_no_catch_warnings(database_url: str, entered: list[str]) -> None:
    routes = _every_route(database_url)
    c = seeded_county(database_url, start=at(10))
    entered.clear()  # building the app may enter it; only the requests must not
    answers = _first_requests(c.client, routes)
    assert entered == [], f"{len(entered)} catch_warnings entered during first requests"
    assert _crashes(answers) == [], answers


def _fresh(database_url: str) -> TestClient:
    client = TestClient(create_app(settings(database_url), run_scheduler=False))
    client.__enter__()
    return client


def test_concurrent_first_requests_to_fresh_apps_never_5xx(database_url: str) -> None:
    routes = _every_route(database_url)
    apps = [_fresh(database_url) for _ in range(4)]
    start = threading.Barrier(len(apps) * 4)

    def fire(client: TestClient, share: list[tuple[str, str]]) -> list[tuple[str, int]]:
        start.wait()
        return _first_requests(client, share)

    try:
        with futures.ThreadPoolExecutor(len(apps) * 4) as pool:
            jobs = [
                pool.submit(fire, client, routes[offset::4])
                for client in apps
                for offset in range(4)
            ]
            answers = [a for job in jobs for a in job.result()]
    finally:
        for client in apps:
            client.__exit__(None, None, None)
    assert _crashes(answers) == [], answers
