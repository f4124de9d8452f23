"""The objects every request and job shares, built once by create_app (the composition root) and
passed down; and the FastAPI dependencies that hand them to routes of the API and the dashboard.

Routes never read `request.app.state`: `get_services` is the one function that reads the
services from it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine as Database
from sqlalchemy.orm import Session, sessionmaker

from alerts.callers import CallerCache
from alerts.clock import Clock
from alerts.config import Settings
from alerts.escalation.ladder import Escalator
from alerts.escalation.links import AckLinks
from alerts.escalation.messages.render import Messages
from alerts.filing.group_commit import GroupCommit
from alerts.i18n import Translator
from alerts.metrics import Metrics
from alerts.roster.book import RosterBook
from alerts.roster.calendar import CalendarLinks
from alerts.roster.watch import RosterWatch
from notifiers.base import Notifier

if TYPE_CHECKING:  # both are built on Services: importing them here would be circular
    from alerts.escalation.engine import Engine
    from alerts.escalation.scheduler import Alarm


@dataclass
class Services:
    """Everything one running service holds: settings, database, clock, translator, metrics,
    the notifier channels, the message renderer, the link signers, the roster reader, the
    escalation ladders, the engine that runs them and the writer that group-commits filings."""

    settings: Settings
    database: Database
    sessions: sessionmaker[Session]
    clock: Clock
    translate: Translator
    metrics: Metrics
    callers: CallerCache
    channels: dict[str, Notifier]
    messages: Messages
    ack_links: AckLinks
    calendar_links: CalendarLinks
    roster: RosterBook
    escalator: Escalator
    roster_watch: RosterWatch
    # the engine runs on the services above, so create_app sets it right after building them
    engine: Engine = field(init=False, repr=False)
    writes: GroupCommit = field(init=False, repr=False)  # the filings' group commit
    alarm: Alarm | None = None  # while the lifespan runs the scheduler

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that rolls back whatever the caller did not commit."""
        with self.sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    def wake(self) -> None:
        """Tick soon, something changed (a no-op without a running scheduler)."""
        if self.alarm is not None:
            self.alarm.wake()


def get_services(request: Request) -> Services:
    """FastAPI dependency: the app's Services."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[Session]:
    """FastAPI dependency: one session per request, rolled back at the end of the handler
    (`scope="function"`: before the answer is sent) unless the handler committed. Async, so it
    opens on the event loop like the handlers' own work (docs/decisions/0002-inline-writes.md)."""
    with services.session() as session:
        yield session


async def get_clock(services: ServicesDep) -> Clock:
    """FastAPI dependency: the service's clock."""
    return services.clock


async def get_roster_book(services: ServicesDep) -> RosterBook:
    """FastAPI dependency: the roster reader."""
    return services.roster


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
RosterBookDep = Annotated[RosterBook, Depends(get_roster_book)]
