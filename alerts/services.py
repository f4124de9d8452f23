"""The objects every request and job shares, built once by create_app and passed down."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from alerts.api.auth import CallerCache
from alerts.clock import Clock
from alerts.config import Settings
from alerts.i18n import Translator
from alerts.metrics import Metrics


@dataclass
class Services:
    """Settings, database, clock, translator and metrics of one running service."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    translate: Translator
    metrics: Metrics
    callers: CallerCache
    wake: Callable[[], None] = lambda: None  # the alarm sets this: tick soon, something changed

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that rolls back whatever the caller did not commit."""
        with self.sessions() as session:
            try:
                yield session
            finally:
                session.rollback()


def get_services(request: Request) -> Services:
    """FastAPI dependency: the app's Services."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
