"""Filings that arrive together share one commit: each is answered after it, a refusal or a
replay in the batch touches only itself, and a failed commit answers no 201."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.builders import County, county, followup, initial, row_counts


class CommitGate:
    """Holds the commit thread's commits (an SQLAlchemy engine hook) until released, and can
    make them fail: the tests queue filings behind a commit in progress."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()
        self.failing = False

    def __call__(self, _connection: Any) -> None:
        if not threading.current_thread().name.startswith("jibao-commit"):
            return
        self.entered.set()
        assert self.released.wait(20), "the test never released the commit"
        if self.failing:
            raise OSError("disk full")


@pytest.fixture
def gated(database_url: str) -> Iterator[tuple[County, CommitGate]]:
    c = county(database_url)
    gate = CommitGate()
    engine = c.client.app.state.services.database  # type: ignore[attr-defined]
    event.listen(engine, "commit", gate)
    yield c, gate
    event.remove(engine, "commit", gate)


def _post_while_first_commit_waits(
    c: County, gate: CommitGate, first: dict[str, Any], rest: list[tuple[dict[str, Any], str]]
) -> list[httpx.Response]:
    """POST `first`; while its commit waits, POST `rest` (body, idempotency key or "") so they
    queue as one batch; then let the commits go. The answers, first's first."""
    services = c.client.app.state.services  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {c.tokens['qdh']}"}
    transport = httpx.ASGITransport(c.client.app, raise_app_exceptions=False)

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=transport, base_url="http://jibao") as client:
            leading = asyncio.create_task(
                client.post("/api/v1/filings", json=first, headers=headers)
            )
            while not gate.entered.is_set():
                await asyncio.sleep(0.01)
            queued = [
                asyncio.create_task(
                    client.post(
                        "/api/v1/filings",
                        json=body,
                        headers={**headers, **({"Idempotency-Key": key} if key else {})},
                    )
                )
                for body, key in rest
            ]
            while services.writes.waiting < len(rest):
                await asyncio.sleep(0.01)
            gate.released.set()
            return [await leading, *[await task for task in queued]]

    responses: list[httpx.Response] = c.client.portal.call(race)  # type: ignore[union-attr]
    return responses


def test_a_refusal_and_replays_in_a_batch_touch_only_themselves(
    database_url: str, gated: tuple[County, CommitGate]
) -> None:
    c, gate = gated
    services = c.client.app.state.services  # type: ignore[attr-defined]
    keyed = initial(title="带键的报告")
    answers = _post_while_first_commit_waits(
        c,
        gate,
        initial(title="第一份"),
        [
            (initial(title="第二份"), ""),
            (followup(999_999), ""),  # no such incident: refused inside the batch
            (keyed, "k-1"),
            (keyed, "k-1"),  # the same key in the same batch replays the first answer
            (initial(title="别的内容"), "k-1"),  # the same key, another body: 409
            (initial(title="第三份"), ""),
        ],
    )
    assert [a.status_code for a in answers] == [201, 201, 404, 201, 201, 409, 201], [
        a.text for a in answers
    ]
    assert answers[2].json()["error"]["code"] == "incident_not_found"
    assert answers[4].content == answers[3].content
    assert services.writes.commits == 2  # the first alone, then the six queued behind it
    assert row_counts(database_url)["filings"] == 4
    ids = {a.json()["filing_id"] for a in answers if a.status_code == 201}
    assert len(ids) == 4


def test_a_failed_commit_answers_no_201(
    database_url: str, gated: tuple[County, CommitGate]
) -> None:
    c, gate = gated
    gate.failing = True
    answers = _post_while_first_commit_waits(
        c, gate, initial(title="一"), [(initial(title="二"), "k-2"), (initial(title="三"), "")]
    )
    assert [a.status_code for a in answers] == [500, 500, 500]
    assert row_counts(database_url)["filings"] == 0
    assert row_counts(database_url)["idempotency_records"] == 0
    gate.failing = False
    again = c.post(initial(title="二"), **{"Idempotency-Key": "k-2"})
    assert again.status_code == 201, again.text  # the key was not taken by the failed batch
    assert row_counts(database_url)["filings"] == 1
