"""Two service instances on one PostgreSQL tick at the same moments while 150 obligations come due
together: every ladder step fires once, and every (obligation, step, person, channel) reaches
the Twilio stand-in exactly once. A burst to one person under a throttle or rate limits sends
exactly what one instance would. Also the claims themselves, held open side by side."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Callable
from concurrent import futures
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import alerts.escalation.engine
from alerts.escalation.engine import TickReport
from alerts.escalation.ladder import claim_due_obligations
from alerts.escalation.messages.render import Messages
from alerts.escalation.outbox import BUNDLE_MAX, claim
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from tests.builders import at, initial, phone_of
from tests.engine.harness import (
    Served,
    channel_settings,
    empty,
    notification_rows,
    one_rung,
    seed,
    served,
)
from tests.notifiers.twilio_standin import TwilioStandIn

INCIDENTS = 150  # K4 of each falls due at 12:00
LADDER = [  # at due the section head is texted and called, at +30m the director is texted
    {"key": "due", "at": "0m", "notify": ["office.section_head"], "channels": ["sms", "voice"]},
    {"key": "due+30m", "at": "30m", "notify": ["office.director"], "channels": ["sms"]},
]
BATCH = 40  # obligations and messages per claim: the two instances take turns, batch by batch


def test_two_instances_send_every_step_to_every_person_once(
    postgres_database: str, twilio: TwilioStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_database
    empty(url)
    monkeypatch.setattr(alerts.escalation.engine, "BATCH", BATCH)
    twilio.callback_outcome.enabled = False
    seeded = seed(url, start=at(9, 10))
    config = channel_settings(
        url,
        twilio=twilio,
        send_timeout=10,  # 128 sends at once, all served by this one test process
        escalation__office=LADDER,
        notifications__throttle="0s",
        notifications__rate_limits={},
    )  # no throttle: no bundling, so each (obligation, step, person, channel) is one message
    one, two = served(config, seeded.clock), served(config, seeded.clock)
    asyncio.run(_file(one, two, seeded.tokens))

    seeded.clock.set(at(12))  # both decide (re-assess and fire) and send at once
    at_due = [_together(one, two) for _ in range(3)]
    seeded.clock.set(at(12, 30))
    one.engine.decide()  # one instance fires the step alone
    two.engine.decide()  # nothing left to fire (its roster watch runs now, not in the race)
    after = [_together(one, two) for _ in range(3)]  # both drain one queue at once

    escalations = _escalations(url)
    assert Counter(step for _, step in escalations) == {"due": INCIDENTS, "due+30m": INCIDENTS}
    assert set(escalations.values()) == {1}, "a step fired twice"
    rows = notification_rows(url)
    assert len(rows) == INCIDENTS * 3
    assert Counter(r.state for r in rows) == {"sent": len(rows)}
    texts = Counter((sent.to, sent.body) for sent in twilio.messages)
    assert set(texts.values()) == {1}, "an SMS was sent twice"
    assert texts.keys() == {(r.address, r.body) for r in rows if r.channel == "sms"}
    calls = Counter(urlsplit(call.gather_action()[0]).path for call in twilio.calls)
    assert set(calls.values()) == {1}, "a call was placed twice"
    assert calls.keys() == {
        f"/api/v1/twilio/voice/{r.id}/gather" for r in rows if r.channel == "voice"
    }
    sids = [sent.sid for sent in twilio.messages] + [call.sid for call in twilio.calls]
    assert sorted(sids) == sorted(r.provider_id or "" for r in rows)
    assert len(twilio.requests) == len(rows)
    assert [a.sent + b.sent for a, b in at_due + after] == [INCIDENTS * 2, 0, 0, INCIDENTS, 0, 0]
    # both instances took part, or the test proved nothing about two
    assert all(sum(r.fired for r in instance) > 0 for instance in zip(*at_due, strict=True))
    assert all(sum(r.sent for r in instance) > 0 for instance in zip(*after, strict=True))


BURST = 20  # incidents whose K4 tells the section head at 12:00: a burst to one phone
LIMITED: dict[str, dict[str, Any]] = {  # per-address limits, and (minute, SMS sent so far)
    "throttle": {
        "settings": {"notifications__throttle": "60s", "notifications__rate_limits": {}},
        "expected": [(0, 1), (1, 2), (2, 3), (3, 3)],
    },
    "rate_limits": {  # a person's limits alone (no throttle): one SMS in any five minutes
        "settings": {"notifications__throttle": "0s", "notifications__rate_limits": {"5m": 1}},
        "expected": [(0, 1), (2, 1), (5, 2), (10, 3), (15, 3)],
    },
}


@pytest.mark.parametrize("limited", sorted(LIMITED))
@pytest.mark.parametrize("instances", [1, 2])
def test_a_burst_to_one_person_sends_exactly_what_one_instance_would(
    postgres_database: str,
    twilio: TwilioStandIn,
    monkeypatch: pytest.MonkeyPatch,
    instances: int,
    limited: str,
) -> None:
    """Small batches, so deciding and sending interleave, and slow sends: while one instance's
    message to the section head is out, the other has rows for the same phone to claim. The
    first SMS carries what was decided before it went; each later one as many as a bundle holds,
    however the instances' batches fell; the schedule of sends is the same with one or two."""
    url = postgres_database
    empty(url)
    monkeypatch.setattr(alerts.escalation.engine, "BATCH", 4)
    twilio.callback_outcome.enabled = False
    twilio.hang_next(0.3, count=BURST)  # each send is out a while: claims overlap with it
    seeded = seed(url, start=at(9, 10))
    case = LIMITED[limited]
    config = channel_settings(
        url, twilio=twilio, escalation__office=one_rung("sms"), **case["settings"]
    )
    apps = [served(config, seeded.clock) for _ in range(instances)]
    asyncio.run(_file(apps[0], apps[-1], seeded.tokens, count=BURST))
    head = phone_of("county", "section_head")

    sent_so_far, reports = [], []
    for minute, _ in case["expected"]:
        seeded.clock.set(at(12, minute))
        reports += [_all_at_once(apps) for _ in range(2)]
        sent_so_far.append((minute, len(twilio.messages_to(head))))

    assert sent_so_far == case["expected"]
    assert len(twilio.messages) == len(twilio.messages_to(head))
    first, full, rest = (_items(m.body) for m in twilio.messages)
    assert full == BUNDLE_MAX and first + full + rest == BURST
    if instances == 1:  # the first batch decided, then sent before the next is decided
        assert first == 4
    rows = notification_rows(url)
    assert Counter(r.state for r in rows) == {"sent": 3, "bundled": BURST - 3}
    carriers = {r.id for r in rows if r.state == "sent"}
    assert all(r.bundled_into_id in carriers for r in rows if r.state == "bundled")
    if instances == 2:  # both decided and both claimed, or the test proved nothing about two
        assert all(sum(r.fired for r in mine) > 0 for mine in zip(*reports, strict=True))


def _all_at_once(apps: list[Served]) -> list[TickReport]:
    """Every instance ticks at once, each in its own loop; all are waited for."""
    running = [app.submit(app.engine.tick()) for app in apps]
    futures.wait(running, timeout=60)
    return [future.result(timeout=0) for future in running]


def _items(body: str) -> int:
    """How many items an SMS carries: a bundle says so, a single message is one."""
    found = re.search(r"您有(\d+)项报送待办", body)
    return int(found.group(1)) if found else 1


def test_claims_made_at_the_same_moment_take_disjoint_rows(
    postgres_database: str, twilio: TwilioStandIn
) -> None:
    """The claims themselves, held open side by side: what one instance has claimed and not yet
    committed, the other skips (and does not wait for)."""
    url = postgres_database
    empty(url)
    seeded = seed(url, start=at(9, 10))
    config = channel_settings(
        url,
        twilio=twilio,
        escalation__office=LADDER,
        notifications__throttle="0s",
        notifications__rate_limits={},
    )
    app = served(config, seeded.clock)
    asyncio.run(_file(app, app, seeded.tokens, count=12))
    seeded.clock.set(at(12))
    outbox, messages = (
        config.notifications,
        Messages(config.language, config.rules.timezone, ack_pause=config.escalation.ack_pause),
    )

    def obligations(session: Session, limit: int) -> set[int]:
        return {o.id for o in claim_due_obligations(session, now=at(12), limit=limit)}

    def notifications(session: Session, limit: int) -> set[int]:
        taken = claim(session, settings=outbox, messages=messages, now=at(12), limit=limit)
        return {c.id for c in taken}

    mine, theirs = _side_by_side(url, obligations, first=5)
    assert (len(mine), len(theirs), mine & theirs) == (5, 7, set())
    app.engine.decide()  # the due step of all 12: 24 messages queued
    mine, theirs = _side_by_side(url, notifications, first=10)
    assert (len(mine), len(theirs), mine & theirs) == (10, 14, set())


def _side_by_side(
    url: str, take: Callable[[Session, int], set[int]], first: int
) -> tuple[set[int], set[int]]:
    """`take` up to `first` rows in one open transaction, then all it can in another while the
    first is still open (a lock wait is a failure, not a hang); both rolled back."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as one, sessions() as two:
            two.execute(text("SET lock_timeout = '2s'"))
            return take(one, first), take(two, 1000)
    finally:
        engine.dispose()


async def _file(one: Served, two: Served, tokens: dict[str, str], count: int = INCIDENTS) -> None:
    """`count` initial reports from both townships, through both instances, at 09:10."""
    gate = asyncio.Semaphore(16)

    async def post(client: httpx.AsyncClient, n: int) -> None:
        app, token = (one, tokens["qdh"]) if n % 2 else (two, tokens["wsh"])
        body = initial(external_ref=f"T-{n}", title=f"第{n}号事件")
        async with gate:
            answer = await client.post(
                f"{app.base_url}/api/v1/filings",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
        assert answer.status_code == 201, answer.text

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(post(client, n) for n in range(count)))


def _together(one: Served, two: Served) -> tuple[TickReport, TickReport]:
    """Both instances tick at once, each in its own event loop and thread; both are waited for
    before either's failure is raised, so no tick is left running into the shutdown."""
    first, second = one.submit(one.engine.tick()), two.submit(two.engine.tick())
    futures.wait([first, second], timeout=60)
    return first.result(timeout=0), second.result(timeout=0)


def _escalations(url: str) -> Counter[tuple[int, str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(m.Escalation.obligation_id, m.Escalation.step_key, func.count()).group_by(
                    m.Escalation.obligation_id, m.Escalation.step_key
                )
            ).all()
    finally:
        engine.dispose()
    return Counter({(obligation, step): count for obligation, step, count in rows})
