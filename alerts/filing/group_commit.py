"""GroupCommit: writes that arrive together share one transaction and one commit (one fsync),
each in a savepoint of its own so a refusal undoes only itself
(docs/decisions/0023-group-commit.md).

Callers await `run(work)`; the first one in starts a drain on the event loop, which runs what is
waiting (up to `cap`) and hands the commit to a thread of its own; the requests the loop takes
while the disk syncs make the next batch. A caller's result is given only after the commit
that holds its work succeeded; when that commit fails every caller in the batch gets its error."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

Work = Callable[[Session], T]
# after the work's savepoint was rolled back: an answer anyway (a replay), or raise
Recovery = Callable[[Session, Exception], T]


@dataclass
class _Item(Generic[T]):
    work: Work[T]
    recover: Recovery[T] | None
    future: asyncio.Future[T]


@dataclass(frozen=True)
class _Outcome:
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    """One writer per service: runs queued work in batches, one commit per batch."""

    def __init__(self, sessions: sessionmaker[Session], *, cap: int = 64) -> None:
        self.cap = cap
        self._sessions = sessions
        self._waiting: list[_Item[Any]] = []
        self._draining = False
        self._drainer: asyncio.Task[None] | None = None  # held: the loop keeps only weak ones
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jibao-commit")
        self.commits = 0  # batches committed, for the bench and the tests

    @property
    def waiting(self) -> int:
        """Work queued for the next batch."""
        return len(self._waiting)

    async def run(self, work: Work[T], recover: Recovery[T] | None = None) -> T:
        """`work(session)` in a savepoint of the next batch; its result once that batch is
        committed. What it raises is raised here (its savepoint rolled back, the rest of the
        batch unharmed), unless `recover` answers instead."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._waiting.append(_Item(work, recover, future))
        if not self._draining:
            self._draining = True
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            await asyncio.sleep(0)  # let requests already under way join the first batch
            while self._waiting:
                batch, self._waiting = self._waiting[: self.cap], self._waiting[self.cap :]
                try:
                    outcomes = await self._write(batch)
                except Exception as error:  # even the rollback failed: nobody was committed
                    outcomes = [_Outcome(error=error)] * len(batch)
                for item, outcome in zip(batch, outcomes, strict=True):
                    if item.future.done():  # the caller went away (cancelled)
                        continue
                    if outcome.error is not None:
                        item.future.set_exception(outcome.error)
                    else:
                        item.future.set_result(outcome.result)
        finally:
            self._draining = False

    async def _write(self, batch: list[_Item[Any]]) -> list[_Outcome]:
        """Each item in its savepoint, here on the loop (a thread of its own would fight the loop
        for the GIL at every statement), then one commit on the commit thread, so the loop takes
        requests while the disk syncs."""
        loop = asyncio.get_running_loop()
        with self._sessions() as session:
            try:
                _begin(session)
                outcomes = [_in_savepoint(session, item) for item in batch]
                await loop.run_in_executor(self._committer, session.commit)
            except Exception as error:
                session.rollback()
                return [_Outcome(error=error)] * len(batch)
        self.commits += 1
        return outcomes


def _begin(session: Session) -> None:
    """Open the transaction before the first SAVEPOINT. pysqlite begins one only before DML, so
    the first SAVEPOINT would start it and its RELEASE would commit it (SQLAlchemy's pysqlite
    notes); an explicit BEGIN IMMEDIATE also takes SQLite's write lock once, with the busy
    timeout, instead of upgrading a read later."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _in_savepoint(session: Session, item: _Item[Any]) -> _Outcome:
    savepoint = session.begin_nested()
    try:
        result = item.work(session)
        session.flush()  # constraint errors surface here, inside the savepoint
        savepoint.commit()
    except Exception as error:
        savepoint.rollback()
        if item.recover is None:
            return _Outcome(error=error)
        try:
            return _Outcome(result=item.recover(session, error))
        except Exception as recovery_error:
            return _Outcome(error=recovery_error)
    return _Outcome(result=result)
