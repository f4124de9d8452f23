"""APScheduler wiring: the alarm clock that runs engine sweeps; the database stays the truth."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.engine import sweep
from alerts.services import Services

log = logging.getLogger(__name__)


def start_scheduler(services: Services) -> AsyncIOScheduler:
    """Start a scheduler that sweeps every `engine.sweep_every`.

    misfire_grace_time=None: a sweep that starts late still runs (APScheduler's default of 1 s
    would silently drop it); coalesce: a backlog of missed sweeps runs once."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        _sweep_job,
        "interval",
        args=[services],
        id="sweep",
        seconds=services.settings.engine.sweep_every.total_seconds(),
        misfire_grace_time=None,
        coalesce=True,
        max_instances=1,
    )
    scheduler.start()
    return scheduler


async def _sweep_job(services: Services) -> None:
    try:
        handled = sweep(services)
    except Exception:  # a failed sweep must not stop the next one
        log.exception("engine sweep failed")
        return
    if handled:
        log.info("engine sweep re-assessed %d incident(s)", handled)
