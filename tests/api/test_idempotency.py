"""Idempotency-Key: the same key and body answer the first answer again and file nothing new."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest

from alerts.app import create_app
from tests.builders import at, county, initial, row_counts
from tests.serving import serve, stop


def test_same_key_same_body_replays_the_first_answer(database_url: str) -> None:
    c = county(database_url, start=at(10))
    first = c.post(initial(), **{"Idempotency-Key": "QH-0117-initial"})
    counts = row_counts(database_url)
    c.clock.set(at(11))
    again = c.post(initial(), **{"Idempotency-Key": "QH-0117-initial"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert row_counts(database_url) == counts


def test_same_key_other_body_is_409(database_url: str) -> None:
    c = county(database_url, start=at(10))
    c.post(initial(), **{"Idempotency-Key": "k1"})
    counts = row_counts(database_url)
    response = c.post(initial(title="别的事件"), **{"Idempotency-Key": "k1"})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "conflict_idempotency")
    assert row_counts(database_url) == counts


def test_keys_are_per_unit_and_bounded(database_url: str) -> None:
    c = county(database_url, start=at(10))
    assert c.post(initial(), **{"Idempotency-Key": "same"}).status_code == 201
    assert (
        c.post(initial(), token=c.tokens["wsh"], **{"Idempotency-Key": "same"}).status_code == 201
    )
    assert c.post(initial(), **{"Idempotency-Key": "x" * 201}).status_code == 422


@pytest.fixture
def two_instances(database_url: str) -> Iterator[tuple[list[str], str]]:
    """Two app instances on one database under real uvicorn servers: (base URLs, qdh token)."""
    c = county(database_url, start=at(10))
    running = [serve(create_app(c.settings, clock=c.clock, run_scheduler=False)) for _ in range(2)]
    yield [base for _, _, base in running], c.tokens["qdh"]
    for server, thread, _ in running:
        stop(server, thread)


def test_identical_requests_at_once_on_two_instances_make_one_filing(
    database_url: str, two_instances: tuple[list[str], str]
) -> None:
    bases, token = two_instances
    body = json.dumps(initial()).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": "race-1",
        "Content-Type": "application/json",
    }

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=20) as client:
            return list(
                await asyncio.gather(
                    *[
                        client.post(f"{bases[i % 2]}/api/v1/filings", content=body, headers=headers)
                        for i in range(8)
                    ]
                )
            )

    responses = asyncio.run(race())
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    assert row_counts(database_url)["filings"] == 1
