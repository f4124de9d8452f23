"""APScheduler wiring: the alarm clock that runs engine ticks; the database is the truth.

After every tick the alarm is set for the next moment anything stored becomes due; a periodic
safety tick runs besides. On start a tick runs at once, so whatever fell due while the service
was down fires then (once: the rows say what already fired)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.engine import Engine

log = logging.getLogger(__name__)
WAKE_DELAY = timedelta(milliseconds=250)


class Alarm:
    """Runs `engine.tick` when something is due, and every `every` seconds regardless."""

    def __init__(self, engine: Engine, every_seconds: float) -> None:
        self.engine = engine
        self.every = every_seconds
        self.lock = asyncio.Lock()  # one tick at a time in this process
        # misfire_grace_time=None: a tick that starts late still runs (APScheduler's default of
        # 1 s would drop it silently); coalesce: a backlog of missed runs runs once
        self.scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True}
        )

    @property
    def running(self) -> bool:
        """Whether the scheduler is started."""
        return bool(self.scheduler.running)

    def start(self) -> None:
        """Start ticking: now, at each next due moment, and every `every` seconds."""
        self.scheduler.add_job(
            self._tick, "interval", seconds=self.every, id="safety", max_instances=1
        )
        self.scheduler.start()
        self.wake(datetime.now(UTC))

    def wake(self, at: datetime | None = None) -> None:
        """Tick at `at`, or shortly if None; a wake-up already set sooner stands. The short delay
        lets a burst of filings share one tick instead of one tick each."""
        if not self.scheduler.running:
            return
        when = at or datetime.now(UTC) + WAKE_DELAY
        job = self.scheduler.get_job("wake")
        if job is not None and job.next_run_time is not None and job.next_run_time <= when:
            return
        # max_instances=2: a wake-up set while a tick runs must not be skipped (APScheduler drops
        # a run whose job id is still running); the lock makes it wait for the running tick
        self.scheduler.add_job(
            self._tick, "date", run_date=when, id="wake", replace_existing=True, max_instances=2
        )

    def shutdown(self) -> None:
        """Stop ticking."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def _tick(self) -> None:
        async with self.lock:
            try:
                report = await self.engine.tick()
                upcoming = self.engine.next_wake()
            except Exception:  # a failed tick must not stop the next one
                log.exception("engine tick failed")
                return
        if report.fired or report.sent:
            log.info("tick: %d step(s) fired, %d message(s) sent", report.fired, report.sent)
        if upcoming is not None:
            self.wake(max(upcoming, datetime.now(UTC) + WAKE_DELAY / 5))
