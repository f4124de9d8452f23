"""create_app: the composition root. Every collaborator is built here, once, into Services; the
lifespan only starts the alarm and closes things. Tests pass their own clock and channels."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from alerts.api import (
    acks,
    bulletins,
    calendar,
    duty_checks,
    filings,
    findings,
    handovers,
    health,
    incidents,
    instructions,
    notices,
    people,
    provider_hooks,
    roster,
    roster_files,
    roster_notices,
    sources,
    swaps,
    twilio_hooks,
    upward,
    upward_instructions,
    waivers,
)
from alerts.api.bounds import path_ids_exist
from alerts.api.errors import install_error_handlers
from alerts.api.json_guard import JsonGuard
from alerts.api.openapi import install_openapi, operation_id
from alerts.callers import CallerCache
from alerts.clock import Clock, SystemClock
from alerts.config import Settings
from alerts.dashboard.rendering import Pages
from alerts.dashboard.site import install_dashboard
from alerts.escalation.channels import build_notifiers, parent_notifiers
from alerts.escalation.engine import Engine
from alerts.escalation.ladder import Escalator
from alerts.escalation.links import AckLinks
from alerts.escalation.messages.render import Messages
from alerts.escalation.scheduler import Alarm
from alerts.filing.group_commit import GroupCommit
from alerts.i18n import Translator
from alerts.metrics import Metrics
from alerts.roster.book import RosterBook
from alerts.roster.calendar import CalendarLinks
from alerts.roster.watch import RosterWatch
from alerts.services import Services
from alerts.storage.database import make_engine, make_session_factory
from notifiers.base import Notifier

log = logging.getLogger(__name__)
ROUTERS = (
    filings,
    incidents,
    acks,
    waivers,
    instructions,
    findings,
    twilio_hooks,
    provider_hooks,
    people,
    roster,
    roster_files,
    calendar,
    swaps,
    handovers,
    duty_checks,
    roster_notices,
    bulletins,
    notices,
    sources,
    upward,
    upward_instructions,
    health,
)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    notifiers: dict[str, Notifier] | None = None,
    run_scheduler: bool = True,
) -> FastAPI:
    """The Jibao web app over an already migrated database.

    `notifiers` replaces the channels built from settings (tests pass dry or stand-in ones),
    all but the parents' Jibao routes of `[upward]`, which it may replace by name;
    `run_scheduler=False` leaves ticking to the caller: tests call
    `app.state.services.engine.tick()`."""
    services = build_services(settings, clock=clock, notifiers=notifiers)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_scheduler:  # built here: the alarm lives in the event loop that serves
            services.alarm = Alarm(services.engine, settings.engine.sweep_every.total_seconds())
            services.alarm.start()
        try:
            yield
        finally:
            if services.alarm is not None:
                services.alarm.shutdown()
                services.alarm = None
            await services.engine.close()
            services.database.dispose()

    app = FastAPI(
        title="Jibao 急报",
        version="0.1.0",
        description="Urgent-incident reporting: filings, what is owed by when, escalation.",
        lifespan=lifespan,
        dependencies=[Depends(path_ids_exist)],
        generate_unique_id_function=operation_id,
    )
    app.add_middleware(JsonGuard, limit=settings.api.max_body_bytes, translate=services.translate)
    app.state.services = services
    install_error_handlers(app, services.translate)
    install_dashboard(
        app, Pages(settings.language, settings.rules.timezone, policy=settings.escalation)
    )
    for module in ROUTERS:
        app.include_router(module.router)
    install_openapi(app)
    _build_routes(app)
    return app


def build_services(
    settings: Settings, *, clock: Clock | None, notifiers: dict[str, Notifier] | None
) -> Services:
    """Every collaborator of one service, each built once, and the engine over them."""
    database = make_engine(settings.database_url)
    secret = _secret_key(settings.secret_key.get_secret_value())
    translate = Translator(settings.language)
    messages = Messages(
        settings.language, settings.rules.timezone, ack_pause=settings.escalation.ack_pause
    )
    ack_links = AckLinks(secret, settings.public_url, settings.notifications.ack_link_valid)
    roster = RosterBook(settings)
    services = Services(
        settings=settings,
        database=database,
        sessions=make_session_factory(database),
        clock=clock or SystemClock(),
        translate=translate,
        metrics=Metrics(),
        callers=CallerCache(),
        channels=_with_parents(
            notifiers
            if notifiers is not None
            else build_notifiers(settings.notifications, settings.public_url),
            settings,
        ),
        messages=messages,
        ack_links=ack_links,
        calendar_links=CalendarLinks(secret, settings.public_url),
        roster=roster,
        escalator=Escalator(settings.escalation, messages, ack_links, roster),
        roster_watch=RosterWatch(settings.roster, roster, messages, translate),
    )
    services.engine = Engine(services)
    services.writes = GroupCommit(services.sessions)
    return services


def _with_parents(channels: dict[str, Notifier], settings: Settings) -> dict[str, Notifier]:
    """The channels, with each parent's Jibao route (`jibao:NAME`) that they do not name: the
    routes are the upward reports' config, not a channel a test stands in for."""
    for name, notifier in parent_notifiers(settings.upward, settings.notifications.email).items():
        channels.setdefault(name, notifier)
    return channels


def _secret_key(configured: str) -> str:
    """The key that signs acknowledgement and calendar links; without JIBAO_SECRET_KEY a
    random one that dies with the process."""
    if configured:
        return configured
    log.warning(
        "JIBAO_SECRET_KEY is not set: acknowledgement and calendar links are signed with a "
        "random key and stop working when the service restarts"
    )
    return secrets.token_urlsafe(32)


def _build_routes(app: FastAPI) -> None:
    """Build every included route now, before any server thread takes a request.

    FastAPI builds an included router's routes on its first request, inside
    `warnings.catch_warnings()`, which is process-global and not thread-safe: two servers in one
    process taking their first requests at once undo each other's filters (a 500 under
    `filterwarnings = error`). Building the OpenAPI schema walks and builds every included route,
    in schema or not; the schema is complete by now, so caching it costs nothing. No router
    uses `frontend()`, the only kind of low-priority route, so nothing else is left to build."""
    app.openapi()
