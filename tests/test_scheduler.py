"""The real APScheduler alarm, on the system clock with durations of seconds: it ticks when a
step comes due, not only at the safety sweep."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from alerts.app import create_app
from alerts.escalation.engine import TickReport
from alerts.escalation.scheduler import Alarm
from tests.builders import dry_notifiers, initial, phone_of, seed_county, seed_roster, settings
from tests.polling import wait_until, wait_until_async


def test_alarm_fires_the_due_step_at_its_moment(database_url: str) -> None:
    now = datetime.now(UTC)
    config = settings(
        database_url,
        rules__severity__III__upward="3s",
        engine__sweep_every="1h",  # so only the wake-up at the due moment can fire the step
    )
    _, tokens = seed_county(database_url, now - timedelta(days=1))
    seed_roster(database_url, start=now - timedelta(days=1))
    notifiers = dry_notifiers()
    body = initial(occurred_at=now.isoformat(), learned_at=now.isoformat(), already_reported_to=[])
    with TestClient(create_app(config, notifiers=notifiers)) as client:
        response = client.post(
            "/api/v1/filings", json=body, headers={"Authorization": f"Bearer {tokens['qdh']}"}
        )
        assert response.status_code == 201
        due = datetime.fromisoformat(
            next(o for o in response.json()["obligations"] if o["kind"] == "upward")["due_at"]
        )
        head = phone_of("county", "section_head")
        wait_until(lambda: any(m.to == head for m in notifiers["sms"].sent), timeout=10)
        arrived = datetime.now(UTC)
    assert any(m.to == head for m in notifiers["sms"].sent), "the due step never fired"
    assert due <= arrived < due + timedelta(seconds=2)
    reminded = [m for m in notifiers["sms"].sent if m.to == phone_of("county", "duty_officer")]
    assert reminded, "the reminder (due already within 30 min) fired at once"


def test_a_wake_up_set_while_a_tick_runs_is_not_lost() -> None:
    """APScheduler skips a run of a job id that is still running; a filing that wakes the alarm
    during a tick must still get its tick (the safety sweep is an hour away)."""

    class SlowEngine:
        """Stands in for the engine: a tick that takes a while, during which a filing wakes us."""

        def __init__(self) -> None:
            self.ticks = 0
            self.finished = 0
            self.alarm: Alarm | None = None

        async def tick(self) -> TickReport:
            self.ticks += 1
            if self.ticks == 1 and self.alarm is not None:
                self.alarm.wake(datetime.now(UTC))  # as a filing arriving mid-tick does
            await asyncio.sleep(0.2)  # a slow tick: the wake-up above arrives while it runs
            self.finished += 1
            return TickReport(0, 0, 0)

        def next_wake(self) -> datetime | None:
            return None

    async def run() -> int:
        engine = SlowEngine()
        alarm = Alarm(engine, every_seconds=3600)  # type: ignore[arg-type]
        engine.alarm = alarm
        alarm.start()
        # until two ticks have finished and no wake-up is left (the safety tick is an hour away)
        await wait_until_async(
            lambda: engine.finished >= 2 and alarm.scheduler.get_job("wake") is None, timeout=5
        )
        alarm.shutdown()
        return engine.ticks

    assert asyncio.run(run()) == 2


def test_many_wake_ups_during_a_tick_give_one_more_tick_and_none_is_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A burst of filings rings the alarm over and over while a tick runs: APScheduler must not
    log a skipped run, and the worker goes round exactly once more."""

    class BusyEngine:
        def __init__(self) -> None:
            self.ticks = 0
            self.finished = 0
            self.alarm: Alarm | None = None

        async def tick(self) -> TickReport:
            self.ticks += 1
            for _ in range(10):
                if self.ticks == 1 and self.alarm is not None:
                    self.alarm.wake(datetime.now(UTC))
                await asyncio.sleep(0.03)  # the tick is still running as the rings arrive
            self.finished += 1
            return TickReport(0, 0, 0)

        def next_wake(self) -> datetime | None:
            return None

    async def run() -> int:
        engine = BusyEngine()
        alarm = Alarm(engine, every_seconds=3600)  # type: ignore[arg-type]
        engine.alarm = alarm
        alarm.start()
        await wait_until_async(
            lambda: engine.finished >= 2 and alarm.scheduler.get_job("wake") is None, timeout=5
        )
        alarm.shutdown()
        return engine.ticks

    with caplog.at_level("WARNING", logger="apscheduler"):
        assert asyncio.run(run()) == 2
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]


def test_the_tick_log_says_recorded_in_a_dry_run_and_sent_otherwise() -> None:
    from types import SimpleNamespace

    from alerts.escalation.scheduler import Alarm
    from notifiers.dry import DryNotifier

    def alarm(notifiers: dict[str, object]) -> Alarm:
        bare = Alarm.__new__(Alarm)  # no event loop needed to word a log line
        bare.engine = SimpleNamespace(notifiers=notifiers)  # type: ignore[assignment]
        return bare

    dry = {c: DryNotifier(c) for c in ("sms", "voice", "email")}
    assert alarm(dry)._delivered(26) == "26 message(s) recorded (dry run)"
    mixed = {**dry, "sms": object()}
    assert alarm(mixed)._delivered(3) == "3 message(s) sent or recorded (dry run on email, voice)"
    assert alarm({"sms": object()})._delivered(2) == "2 message(s) sent"
