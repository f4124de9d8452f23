"""APScheduler wiring: the alarm clock that runs engine ticks; the database is the truth.

After every tick the alarm is set for the next moment anything stored becomes due; a periodic
safety tick runs besides. On start a tick runs at once, so whatever fell due while the service
was down fires then (once: the rows say what already fired)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.escalation.channels import dry_channels
from alerts.escalation.engine import Engine

log = logging.getLogger(__name__)
WAKE_DELAY = timedelta(milliseconds=250)


class Alarm:
    """Runs `engine.tick` when something is due, and every `every` seconds regardless.

    APScheduler only rings: its jobs set an event, and one worker task runs the ticks. A ring
    during a tick makes the worker go round once more, so no wake-up is ever dropped (APScheduler
    skips a job whose previous run has not finished; a ring finishes at once)."""

    def __init__(self, engine: Engine, every_seconds: float) -> None:
        self.engine = engine
        self.every = every_seconds
        self.rung = asyncio.Event()
        self.worker: asyncio.Task[None] | None = None
        # misfire_grace_time=None: a ring that starts late still runs (APScheduler's default of
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
        self.worker = asyncio.get_running_loop().create_task(self._work())
        self.scheduler.add_job(self._ring, "interval", seconds=self.every, id="safety")
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
        self.scheduler.add_job(self._ring, "date", run_date=when, id="wake", replace_existing=True)

    def shutdown(self) -> None:
        """Stop ticking."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.worker is not None:
            self.worker.cancel()

    def _delivered(self, count: int) -> str:
        """What became of the messages, honestly: a dry channel records, it does not send."""
        channels = self.engine.notifiers
        dry = dry_channels(channels)
        if dry and len(dry) == len(channels):
            return f"{count} message(s) recorded (dry run)"
        if dry:
            return f"{count} message(s) sent or recorded (dry run on {', '.join(dry)})"
        return f"{count} message(s) sent"

    async def _ring(self) -> None:
        self.rung.set()

    async def _work(self) -> None:
        while True:
            await self.rung.wait()
            self.rung.clear()  # a ring from here on means one more tick
            await self._tick()

    async def _tick(self) -> None:
        try:
            report = await self.engine.tick()
            upcoming = self.engine.next_wake()
        except Exception:  # a failed tick must not stop the next one
            log.exception("engine tick failed")
            return
        if report.fired or report.sent:
            log.info("tick: %d step(s) fired, %s", report.fired, self._delivered(report.sent))
        if upcoming is not None:
            self.wake(max(upcoming, datetime.now(UTC) + WAKE_DELAY / 5))
