"""create_app: the composition root. Tests pass their own clock; the rest comes from Settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from alerts.api import filings, health, incidents
from alerts.api.auth import CallerCache
from alerts.api.errors import install_error_handlers
from alerts.clock import Clock, SystemClock
from alerts.config import Settings
from alerts.i18n import Translator
from alerts.metrics import Metrics
from alerts.scheduler import start_scheduler
from alerts.services import Services
from alerts.storage.database import make_engine, make_session_factory


def create_app(
    settings: Settings, *, clock: Clock | None = None, run_scheduler: bool = True
) -> FastAPI:
    """The Jibao web app over an already migrated database."""
    engine = make_engine(settings.database_url)
    services = Services(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        clock=clock or SystemClock(),
        translate=Translator(settings.language),
        metrics=Metrics(),
        callers=CallerCache(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.scheduler = start_scheduler(services) if run_scheduler else None
        try:
            yield
        finally:
            if app.state.scheduler is not None:
                app.state.scheduler.shutdown(wait=False)
            engine.dispose()

    app = FastAPI(title="Jibao 急报", version="0.1.0", lifespan=lifespan)
    app.state.services = services
    app.state.scheduler = None
    install_error_handlers(app, services.translate)
    for module in (filings, incidents, health):
        app.include_router(module.router)
    return app
