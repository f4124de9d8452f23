"""GroupCommit on both backends: one commit per batch, savepoints that really undo one item
(the pysqlite quirk: its first SAVEPOINT must not start, and its RELEASE commit, the batch)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from alerts.errors import Conflict
from alerts.filing.group_commit import GroupCommit
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.models import Unit
from alerts.storage.queries import add_unit

NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _adds(code: str, then: Callable[[], Any] = lambda: None) -> Callable[[Session], str]:
    def work(session: Session) -> str:
        add_unit(session, code=code, name=code, parent=None, is_office=True, now=NOW)
        session.flush()
        then()
        return code

    return work


def _refuse() -> None:
    raise Conflict("taken")


def _codes(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(select(Unit.code)))


def test_one_commit_a_savepoint_each(engine: Engine) -> None:
    writes = GroupCommit(make_session_factory(engine))

    async def batch() -> list[Any]:
        return await asyncio.gather(
            writes.run(_adds("a")),
            writes.run(_adds("b", then=_refuse)),  # written, then refused: undone alone
            writes.run(_adds("c")),
            writes.run(_adds("a"), recover=lambda _s, error: type(error).__name__),
            writes.run(_adds("d")),
            return_exceptions=True,
        )

    results = asyncio.run(batch())
    assert results[0] == "a" and results[2] == "c" and results[4] == "d"
    assert isinstance(results[1], Conflict)
    assert results[3] == "IntegrityError"  # the duplicate code, answered by its recovery
    assert writes.commits == 1
    assert _codes(engine) == {"a", "c", "d"}


def test_a_failed_commit_keeps_nothing_of_the_batch(engine: Engine) -> None:
    writes = GroupCommit(make_session_factory(engine))

    def fail(_connection: Any) -> None:
        raise OSError("disk full")

    event.listen(engine, "commit", fail)

    async def batch() -> list[Any]:
        return await asyncio.gather(
            writes.run(_adds("a")), writes.run(_adds("b")), return_exceptions=True
        )

    try:
        results = asyncio.run(batch())
    finally:
        event.remove(engine, "commit", fail)
    assert [type(r) for r in results] == [OSError, OSError]
    assert writes.commits == 0
    assert _codes(engine) == set()  # the first RELEASE did not commit "a" on its own
