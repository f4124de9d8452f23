"""create_app: the composition root. Tests pass their own clock; the rest comes from Settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from alerts.api import (
    acks,
    duty_checks,
    filings,
    handovers,
    health,
    incidents,
    roster,
    roster_files,
    swaps,
    twilio_hooks,
    waivers,
)
from alerts.api.auth import CallerCache
from alerts.api.bounds import path_ids_exist
from alerts.api.errors import install_error_handlers
from alerts.api.json_guard import JsonGuard
from alerts.clock import Clock, SystemClock
from alerts.config import Settings
from alerts.dashboard.site import install_dashboard
from alerts.escalation.channels import build_notifiers
from alerts.escalation.engine import Engine
from alerts.escalation.scheduler import Alarm
from alerts.i18n import Translator
from alerts.metrics import Metrics
from alerts.services import Services
from alerts.storage.database import make_engine, make_session_factory
from notifiers.base import Notifier


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    notifiers: dict[str, Notifier] | None = None,
    run_scheduler: bool = True,
) -> FastAPI:
    """The Jibao web app over an already migrated database.

    `notifiers` replaces the channels built from settings (tests pass dry or stand-in ones);
    `run_scheduler=False` leaves ticking to the caller (tests call `app.state.engine.tick()`)."""
    database = make_engine(settings.database_url)
    services = Services(
        settings=settings,
        engine=database,
        sessions=make_session_factory(database),
        clock=clock or SystemClock(),
        translate=Translator(settings.language),
        metrics=Metrics(),
        callers=CallerCache(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        channels = (
            notifiers
            if notifiers is not None
            else build_notifiers(settings.notifications, settings.public_url)
        )
        app.state.engine = Engine(services, channels)
        if run_scheduler:
            app.state.scheduler = Alarm(
                app.state.engine, settings.engine.sweep_every.total_seconds()
            )
            app.state.scheduler.start()
            services.wake = app.state.scheduler.wake
        try:
            yield
        finally:
            if app.state.scheduler is not None:
                app.state.scheduler.shutdown()
            await app.state.engine.close()
            database.dispose()

    app = FastAPI(
        title="Jibao 急报",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(path_ids_exist)],
    )
    app.add_middleware(JsonGuard, limit=settings.api.max_body_bytes, translate=services.translate)
    app.state.services = services
    app.state.scheduler = None
    install_error_handlers(app, services.translate)
    install_dashboard(app, settings)
    for module in (
        filings,
        incidents,
        acks,
        waivers,
        twilio_hooks,
        roster,
        roster_files,
        swaps,
        handovers,
        duty_checks,
        health,
    ):
        app.include_router(module.router)
    _build_routes(app)
    return app


def _build_routes(app: FastAPI) -> None:
    """Build every included route now, before any server thread takes a request.

    FastAPI builds an included router's routes on its first request, inside
    `warnings.catch_warnings()`, which is process-global and not thread-safe: two servers in one
    process taking their first requests at once undo each other's filters (a 500 under
    `filterwarnings = error`). Building the OpenAPI schema walks and builds every included route,
    in schema or not; the schema is complete by now, so caching it costs nothing. No router
    uses `frontend()`, the only kind of low-priority route, so nothing else is left to build."""
    app.openapi()
