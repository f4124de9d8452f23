"""The real APScheduler alarm, on the system clock with durations of seconds: it ticks when a
step comes due, not only at the safety sweep."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from alerts.app import create_app
from tests.builders import dry_notifiers, initial, phone_of, seed_county, seed_roster, settings


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
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(m.to == head for m in notifiers["sms"].sent):
            time.sleep(0.05)
        arrived = datetime.now(UTC)
    assert any(m.to == head for m in notifiers["sms"].sent), "the due step never fired"
    assert due <= arrived < due + timedelta(seconds=2)
    reminded = [m for m in notifiers["sms"].sent if m.to == phone_of("county", "duty_officer")]
    assert reminded, "the reminder (due already within 30 min) fired at once"


def test_a_wake_up_set_while_a_tick_runs_is_not_lost(database_url: str) -> None:
    """Two steps due moments apart both fire promptly, with the safety sweep an hour away."""
    now = datetime.now(UTC)
    config = settings(database_url, rules__severity__III__upward="3s", engine__sweep_every="1h")
    _, tokens = seed_county(database_url, now - timedelta(days=1))
    seed_roster(database_url, start=now - timedelta(days=1))
    notifiers = dry_notifiers()
    with TestClient(create_app(config, notifiers=notifiers)) as client:
        for minutes in (0, 0):
            body = initial(
                occurred_at=(now - timedelta(minutes=minutes)).isoformat(),
                learned_at=now.isoformat(),
                already_reported_to=[],
                title=f"事件{minutes}",
            )
            assert (
                client.post(
                    "/api/v1/filings",
                    json=body,
                    headers={"Authorization": f"Bearer {tokens['qdh']}"},
                ).status_code
                == 201
            )
            time.sleep(0.1)
        head = phone_of("county", "section_head")
        deadline = time.monotonic() + 10
        while (
            time.monotonic() < deadline
            and len([m for m in notifiers["sms"].sent if m.to == head]) < 1
        ):
            time.sleep(0.05)
        elapsed = datetime.now(UTC) - now
    assert [m for m in notifiers["sms"].sent if m.to == head], "the due steps fired"
    assert elapsed < timedelta(seconds=8)
