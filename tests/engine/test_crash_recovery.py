"""The process dies between deciding and sending, or in the middle of a send: a fresh instance on
the same database sends what was decided exactly once, and never re-sends a claimed message
whose outcome nobody recorded."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from alerts.config import Settings
from alerts.escalation.messages.render import Messages
from alerts.escalation.outbox import Claimed, claim
from alerts.storage.database import make_engine, make_session_factory
from tests.builders import at, initial, phone_of
from tests.engine.harness import (
    channel_settings,
    notification_rows,
    one_rung,
    seed,
    served,
    the_row,
)
from tests.notifiers.twilio_standin import TwilioStandIn


def test_killed_after_deciding_a_fresh_instance_sends_each_message_once(
    database_url: str, twilio: TwilioStandIn
) -> None:
    twilio.callback_outcome.enabled = False
    seeded = seed(database_url, start=at(9, 10))
    config = channel_settings(database_url, twilio=twilio)
    first = served(config, seeded.clock)
    first.post(initial(), seeded.tokens["qdh"])
    seeded.clock.set(at(12))  # K4: the reminder (11:30) and the due step (12:00) fire now
    _, fired = first.engine.decide()
    first.close()  # killed before the outbox ran
    assert fired == 2
    decided = notification_rows(database_url)
    assert [r.state for r in decided] == ["queued"] * 5
    assert twilio.requests == []

    second = served(config, seeded.clock)
    second.tick()
    second.tick()
    third = second.at_tick(at(12, 20))  # past the throttle window, before the next rung

    assert third.sent == 0
    sms = Counter(message.to for message in twilio.messages)
    calls = Counter(call.to for call in twilio.calls)
    assert sms == {
        phone_of("county", "duty_officer"): 1,
        phone_of("county", "section_head"): 1,
        phone_of("county", "leader_on_duty"): 1,
    }
    assert calls == {phone_of("county", "section_head"): 1, phone_of("county", "leader_on_duty"): 1}
    rows = notification_rows(database_url)
    assert {r.state for r in rows} == {"sent"}
    sids = {sent.sid for sent in twilio.messages} | {call.sid for call in twilio.calls}
    assert sorted(r.provider_id or "" for r in rows) == sorted(sids)


def test_a_send_claimed_when_the_process_died_becomes_unknown_and_is_never_sent(
    database_url: str, twilio: TwilioStandIn
) -> None:
    seeded = seed(database_url, start=at(9, 10))
    config = channel_settings(database_url, twilio=twilio, escalation__office=one_rung("sms"))
    first = served(config, seeded.clock)
    incident_id = first.post(initial(), seeded.tokens["qdh"])["incident_id"]
    seeded.clock.set(at(12))
    first.engine.decide()
    first.close()
    [claimed] = _claim_and_commit(config, at(12))  # ... and died before calling Twilio
    lease_end = at(12) + config.notifications.claim_lease
    assert the_row(database_url).claimed_until == lease_end

    second = served(config, seeded.clock)
    second.tick()
    assert the_row(database_url).state == "sending", "a live lease was taken from its holder"
    second.at_tick(lease_end + timedelta(seconds=1))
    second.at_tick(at(12, 10))
    second.at_tick(at(12, 30))

    assert twilio.requests == []
    [notification] = second.incident(incident_id, seeded.office_token)["notifications"]
    assert (notification["id"], notification["state"]) == (claimed.id, "unknown")
    assert [(e["state"], e["detail"]) for e in notification["history"]] == [
        ("unknown", "claim lease ended mid-send")
    ]


def _claim_and_commit(config: Settings, now: datetime) -> list[Claimed]:
    """What the outbox does before calling a provider: claim due rows and commit the claim."""
    engine = make_engine(config.database_url)
    try:
        with make_session_factory(engine)() as session:
            claimed = claim(
                session,
                settings=config.notifications,
                messages=Messages(
                    config.language, config.rules.timezone, ack_pause=config.escalation.ack_pause
                ),
                now=now,
                limit=100,
            )
            session.commit()
    finally:
        engine.dispose()
    return claimed
