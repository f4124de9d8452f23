"""Engine test harness: the app served by uvicorn on a loopback port with its real SMS, voice and
email notifiers pointed at the Twilio stand-in and an aiosmtpd server, ticked in its own loop.

    seeded = seed(database_url, start=at(9, 10))              # county, townships, roster
    config = channel_settings(database_url, twilio=twilio, smtp=smtp, escalation__office=...)
    app = served(config, seeded.clock)                          # closed after the test
    app.post(initial(), seeded.tokens["qdh"])                   # K4 falls due at 12:00
    app.at_tick(at(12))                                         # decide, commit, send

or, for one incident, `scene(database_url, twilio=twilio, ...)`.

Serving over a real socket matters: Twilio's status callbacks, inbound SMS and key presses are
posted by the stand-in to `public_url`, which is the served address, and are checked against
Twilio's signature for exactly that URL."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from alerts.app import create_app
from alerts.clock import FrozenClock
from alerts.config import EmailConfig, Settings, TwilioConfig
from alerts.escalation.engine import Engine, TickReport
from alerts.services import Services
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from tests.builders import at, initial, seed_county, seed_roster, settings
from tests.notifiers.smtp_server import SmtpServer
from tests.notifiers.twilio_standin import TwilioStandIn
from tests.polling import wait_until

T = TypeVar("T")
FROM_NUMBER = "+15005550006"  # Twilio's magic "valid sender" test number
SEND_TIMEOUT = 5.0  # seconds a provider may take before a send counts as unknown (a loaded CI)


@dataclass(frozen=True)
class Seeded:
    """A seeded county: its clock, tokens and the people on its roster."""

    database_url: str
    clock: FrozenClock
    office_token: str
    tokens: dict[str, str]
    people: dict[tuple[str, str], int]


def seed(database_url: str, *, start: datetime) -> Seeded:
    """The test county with everyone in `tests.builders.PEOPLE` on shift from the day before
    for a month (no roster gap to report, no handover due); the clock at `start`."""
    clock = FrozenClock(start)
    office_token, tokens = seed_county(database_url, clock.now())
    people = seed_roster(database_url, start=at(0, day=20), days=30)
    return Seeded(database_url, clock, office_token, tokens, people)


def one_rung(channel: str, *roles: str) -> list[dict[str, Any]]:
    """A ladder of one step at the due time (`escalation__office=one_rung("sms")`), so a test
    counts exactly one message; the office's section head unless other roles are named."""
    return [
        {
            "key": "due",
            "at": "0m",
            "notify": list(roles or ("office.section_head",)),
            "channels": [channel],
        }
    ]


def channel_settings(
    database_url: str,
    *,
    twilio: TwilioStandIn | None = None,
    smtp: SmtpServer | None = None,
    send_timeout: float = SEND_TIMEOUT,
    **overrides: Any,
) -> Settings:
    """Settings from the shipped config whose Twilio and SMTP channels reach the stand-ins
    (a channel without one runs dry), with `tests.builders.settings` overrides."""
    base = settings(database_url, **overrides)
    channels: dict[str, Any] = {}
    if twilio is not None:
        channels["twilio"] = TwilioConfig(
            account_sid=twilio.account_sid,
            from_number=FROM_NUMBER,
            api_base_url=twilio.base_url,
            timeout_seconds=send_timeout,
            auth_token=twilio.auth_token,
        )
    if smtp is not None:
        channels["email"] = EmailConfig(
            host=smtp.host, port=smtp.port, security="none", timeout_seconds=send_timeout
        )
    notifications = base.notifications.model_copy(update=channels)
    return base.model_copy(update={"notifications": notifications})


@dataclass
class Scene:
    """A served app on a seeded county with incidents filed by the township qdh at 09:10
    (occurred 08:00: K4, the office's report to the city, falls due at 12:00)."""

    app: Served
    seeded: Seeded
    incident_ids: list[int]

    @property
    def incident_id(self) -> int:
        """The first incident's id."""
        return self.incident_ids[0]

    def incident(self, number: int = 0) -> Any:
        """An incident (the first unless told) as the office sees it."""
        return self.app.incident(self.incident_ids[number], self.seeded.office_token)

    def notifications(self) -> list[Any]:
        """The first incident's notifications with their delivery history."""
        notifications: list[Any] = self.incident()["notifications"]
        return notifications

    def obligation_id(self, key: str, number: int = 0) -> int:
        """The id of obligation `key` of an incident (the first unless told)."""
        found: int = next(o["id"] for o in self.incident(number)["obligations"] if o["key"] == key)
        return found


def scene(
    database_url: str,
    *,
    twilio: TwilioStandIn | None = None,
    smtp: SmtpServer | None = None,
    incidents: int = 1,
    **overrides: Any,
) -> Scene:
    """Seed, serve and file `incidents` initial reports; the scene of the first."""
    seeded = seed(database_url, start=at(9, 10))
    app = served(
        channel_settings(database_url, twilio=twilio, smtp=smtp, **overrides), seeded.clock
    )
    ids = [
        app.post(initial(external_ref=f"QH-{n}"), seeded.tokens["qdh"])["incident_id"]
        for n in range(incidents)
    ]
    return Scene(app, seeded, ids)


class Served:
    """One service instance under uvicorn in a thread with its own event loop.

    `public_url` is set to the served address, so the links and callback URLs it sends point
    back at it. Its notifiers are built from its settings, as in production."""

    def __init__(self, config: Settings, clock: FrozenClock, port: int = 0) -> None:
        self.clock = clock
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.settings = config.model_copy(update={"public_url": self.base_url})
        self.app: FastAPI = create_app(self.settings, clock=clock, run_scheduler=False)
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="error"))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="jibao-served", daemon=True)
        self._thread.start()
        wait_until(lambda: self._server.started or not self._thread.is_alive(), timeout=10)
        if not self._server.started:
            self.close()
            raise RuntimeError("the app did not start")
        self.http = httpx.Client(base_url=self.base_url, timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.serve(sockets=[self._socket]))
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    @property
    def services(self) -> Services:
        """The app's services, the engine among them (all made by create_app)."""
        services: Services = self.app.state.services
        return services

    @property
    def engine(self) -> Engine:
        """The app's engine."""
        return self.services.engine

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        """Run `coroutine` in the app's event loop; the future of its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def tick(self) -> TickReport:
        """One engine tick (decide, commit, send) in the app's loop."""
        return self.submit(self.engine.tick()).result(timeout=30)

    def at_tick(self, moment: datetime) -> TickReport:
        """Move the clock to `moment` and tick."""
        self.clock.set(moment)
        return self.tick()

    def post(self, body: dict[str, Any], token: str) -> Any:
        """POST a filing with `token`; the answer's JSON (asserting 201)."""
        response = self.http.post(
            "/api/v1/filings", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201, response.text
        return response.json()

    def incident(self, incident_id: int, token: str) -> Any:
        """GET an incident with its notifications, acknowledgements and timeline."""
        response = self.http.get(
            f"/api/v1/incidents/{incident_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        """Shut the server down (the app's lifespan closes notifiers and the database)."""
        if hasattr(self, "http"):
            self.http.close()
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._socket.close()


_SERVED: list[Served] = []


def served(config: Settings, clock: FrozenClock, port: int = 0) -> Served:
    """Serve a new app instance (on `port` when given, else a free one); `close_served` (run
    after every engine test) stops it."""
    app = Served(config, clock, port)
    _SERVED.append(app)
    return app


def close_served() -> None:
    """Stop every instance `served` started, newest first."""
    while _SERVED:
        _SERVED.pop().close()


@dataclass(frozen=True)
class Row:
    """A notification as stored."""

    id: int
    dedupe_key: str
    obligation_id: int | None
    channel: str
    address: str
    body: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    claimed_until: datetime | None
    provider_id: str | None
    bundled_into_id: int | None


def notification_rows(database_url: str) -> list[Row]:
    """Every stored notification, by id."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return [
                Row(
                    n.id,
                    n.dedupe_key,
                    n.obligation_id,
                    n.channel,
                    n.address,
                    n.body,
                    n.state,
                    n.attempts,
                    n.next_attempt_at,
                    n.claimed_until,
                    n.provider_id,
                    n.bundled_into_id,
                )
                for n in session.scalars(select(m.Notification).order_by(m.Notification.id))
            ]
    finally:
        engine.dispose()


def empty(database_url: str) -> None:
    """Delete every row (for a test that takes a database fixture directly)."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for table in reversed(m.Base.metadata.sorted_tables):
                connection.execute(table.delete())
    finally:
        engine.dispose()


def the_row(database_url: str) -> Row:
    """The one stored ladder notification (asserting there is exactly one)."""
    rows = [row for row in notification_rows(database_url) if row.obligation_id is not None]
    assert len(rows) == 1, rows
    return rows[0]
