"""Each send stands alone: an adapter that raises costs its own message (`unknown`, with the
error) and no other, and each result is stored as soon as it is in, while slower sends of the
same batch are still out."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.dry import DryNotifier
from tests.builders import County, at, county, initial, seed_roster
from tests.engine.harness import notification_rows, one_rung
from tests.polling import wait_until

TOLD = one_rung("sms", "office.section_head")
TOLD[0]["channels"] = ["sms", "email"]  # the section head gets an SMS and an email at once


class Raising:
    """An email adapter that breaks the Notifier promise and raises."""

    channel = "email"

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, message: Message) -> SendResult:
        """Raise, as a library bug would."""
        self.calls += 1
        raise RuntimeError("smtp library bug")

    async def close(self) -> None:
        """Nothing to release."""


class Gated:
    """An email adapter whose sends wait until the test opens the gate."""

    channel = "email"

    def __init__(self) -> None:
        self.gate = threading.Event()

    async def send(self, message: Message) -> SendResult:
        """Wait for the gate (without blocking the event loop), then say sent."""
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 20)
        return SendResult(DeliveryState.SENT, provider_id=f"gated-{message.id}")

    async def close(self) -> None:
        """Open the gate: a send still waiting ends."""
        self.gate.set()


def _filed(database_url: str, email: Any) -> tuple[County, int]:
    """One incident whose K4 tells the section head by SMS (dry) and by `email` at 12:00."""
    notifiers = {"sms": DryNotifier("sms"), "voice": DryNotifier("voice"), "email": email}
    c = county(database_url, start=at(9, 10), notifiers=notifiers, escalation__office=TOLD)
    seed_roster(database_url, start=at(0))
    answer = c.post(initial())
    assert answer.status_code == 201
    return c, answer.json()["incident_id"]


def _states(database_url: str) -> dict[str, str]:
    return {r.channel: r.state for r in notification_rows(database_url) if r.obligation_id}


def test_an_adapter_that_raises_makes_only_its_own_message_unknown(database_url: str) -> None:
    raising = Raising()
    c, incident_id = _filed(database_url, raising)
    report = c.at_tick(at(12))

    assert report.sent == 2
    assert _states(database_url) == {"sms": "dry", "email": "unknown"}
    assert len(c.sent("sms")) == 1
    notifications = c.incident(incident_id)["notifications"]
    email = next(n for n in notifications if n["channel"] == "email")
    assert email["last_error"] == "the email adapter raised RuntimeError: smtp library bug"
    assert [(e["state"], e["detail"]) for e in email["history"]] == [
        ("unknown", "the email adapter raised RuntimeError: smtp library bug")
    ]
    for moment in (at(12, 1), at(12, 10)):
        c.at_tick(moment)
    assert raising.calls == 1, "an unknown outcome is never sent again"


def test_each_result_is_stored_while_slower_sends_of_the_batch_are_still_out(
    database_url: str,
) -> None:
    gated = Gated()
    c, _ = _filed(database_url, gated)
    c.clock.set(at(12))
    engine = c.client.app.state.services.engine  # type: ignore[attr-defined]
    tick = c.client.portal.start_task_soon(engine.tick)  # type: ignore[union-attr]
    try:
        stored = wait_until(lambda: _states(database_url).get("sms") == "dry", timeout=10)
        assert stored, "the SMS result waited for the email"
        assert _states(database_url)["email"] == "sending"
    finally:
        gated.gate.set()
    assert tick.result(timeout=20).sent == 2
    assert _states(database_url) == {"sms": "dry", "email": "sent"}
