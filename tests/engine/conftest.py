"""Engine test fixtures: the Twilio stand-in, an aiosmtpd server, and served apps closed after
each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.harness import close_served
from tests.notifiers.smtp_server import SmtpServer
from tests.notifiers.twilio_standin import TwilioStandIn


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    """A running Twilio stand-in; apps served during the test are stopped before it."""
    with TwilioStandIn() as standin:
        yield standin
        close_served()  # apps first: nothing is left talking to a stopped stand-in


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running plain-text SMTP server (tests may stop and restart it on the same port)."""
    with SmtpServer() as server:
        yield server
        close_served()


@pytest.fixture(autouse=True)
def _close_served() -> Iterator[None]:
    yield
    close_served()
