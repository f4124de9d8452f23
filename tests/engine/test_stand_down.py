"""Stand-down (催报解除): when the report that meets an obligation arrives, everyone whose message
about it went out gets one “已收到报告，催报解除” on the channel that reached them, once per
person and channel, through the outbox; nobody whose message never went out. On SQLite and
PostgreSQL, and with two instances ticking together on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import pytest

from tests.builders import at, initial, phone_of
from tests.engine.harness import (
    Served,
    channel_settings,
    close_served,
    empty,
    notification_rows,
    scene,
    seed,
    served,
)
from tests.notifiers.robot_standins import RobotStandIn
from tests.notifiers.twilio_standin import TwilioStandIn

OFFICER = phone_of("county", "duty_officer")
DIRECTOR = phone_of("county", "director")
HEAD = phone_of("county", "section_head")
REFUSED = (21610, "Attempt to send to unsubscribed recipient.")
LADDER = [  # at due: the officer by SMS and the robot, the section head and director by SMS
    {
        "key": "due",
        "at": "0m",
        "notify": [
            {"target": "office.duty_officer", "channels": ["sms", "robot:county"]},
            "office.section_head",
            "office.director",
        ],
        "channels": ["sms"],
    },
]
STAND_DOWN = "已收到报告，催报解除"


@pytest.fixture
def robots() -> Iterator[RobotStandIn]:
    with RobotStandIn() as standin:
        yield standin
        close_served()


def overrides(robots: RobotStandIn, **more: Any) -> dict[str, Any]:
    return {
        "notifications__robots": [
            {"name": "county", "kind": "dingtalk", "url": robots.url("dingtalk")}
        ],
        "environ": {"JIBAO_ROBOT_SECRET_COUNTY": robots.secret},
        "escalation__office": LADDER,
        "notifications__throttle": "0s",
        "notifications__rate_limits": {},
        **more,
    }


def report_upward(app: Served, office_token: str, incident_id: int) -> None:
    """The office's report to the city (K4) arrives: its obligation is met."""
    body = {"kind": "upward", "incident_id": incident_id, "description": "县里向市里报告"}
    response = app.http.post(
        "/api/v1/filings", json=body, headers={"Authorization": f"Bearer {office_token}"}
    )
    assert response.status_code == 201, response.text


def stand_downs(twilio: TwilioStandIn, robots: RobotStandIn) -> Counter[tuple[str, str]]:
    """(channel, who) of every stand-down the providers took."""
    found: Counter[tuple[str, str]] = Counter()
    for sent in twilio.messages:
        if STAND_DOWN in sent.body:
            found[("sms", sent.to)] += 1
    for posted in robots.posted_by("dingtalk"):
        if STAND_DOWN in posted.text:
            found[("robot", ",".join(posted.mentioned))] += 1
    return found


def test_stand_down_goes_once_on_each_channel_that_reached_someone(
    database_url: str, twilio: TwilioStandIn, robots: RobotStandIn
) -> None:
    twilio.refused_numbers[DIRECTOR] = REFUSED  # the director's text never goes out
    filed = scene(database_url, twilio=twilio, **overrides(robots))
    filed.app.at_tick(at(12))
    assert len(twilio.messages_to(OFFICER)) == len(twilio.messages_to(HEAD)) == 1
    assert twilio.messages_to(DIRECTOR) == [] and len(robots.posted_by("dingtalk")) == 1

    report_upward(filed.app, filed.seeded.office_token, filed.incident_id)
    filed.app.at_tick(at(12, 5))
    filed.app.at_tick(at(12, 10))  # and again: nothing more
    officer = OFFICER.removeprefix("+86")
    assert stand_downs(twilio, robots) == {
        ("sms", OFFICER): 1,
        ("sms", HEAD): 1,
        ("robot", officer): 1,
    }, "once per person and channel; none to the director, whose message never went"
    rows = [r for r in notification_rows(database_url) if r.dedupe_key.startswith("stand_down:")]
    assert sorted((r.channel, r.state) for r in rows) == [
        ("robot:county", "sent"),
        ("sms", "sent"),
        ("sms", "sent"),
    ]
    english = [t.body for t in twilio.messages if "Report received" in t.body]
    assert english == []  # the office's language is zh_CN


def test_stand_down_can_be_turned_off(
    database_url: str, twilio: TwilioStandIn, robots: RobotStandIn
) -> None:
    filed = scene(database_url, twilio=twilio, **overrides(robots, notifications__stand_down=False))
    filed.app.at_tick(at(12))
    report_upward(filed.app, filed.seeded.office_token, filed.incident_id)
    filed.app.at_tick(at(12, 5))
    assert stand_downs(twilio, robots) == {}


def test_no_stand_down_for_a_message_that_was_stale(
    database_url: str, twilio: TwilioStandIn, robots: RobotStandIn
) -> None:
    filed = scene(database_url, twilio=twilio, **overrides(robots))
    filed.seeded.clock.set(at(12))
    filed.app.engine.decide()  # queued, not yet sent
    report_upward(filed.app, filed.seeded.office_token, filed.incident_id)
    filed.app.tick()  # the queued messages go stale: nobody was paged
    filed.app.at_tick(at(12, 5))
    assert twilio.messages == [] and robots.posted_by("dingtalk") == []
    assert all(not r.dedupe_key.startswith("stand_down:") for r in notification_rows(database_url))


def test_two_instances_stand_down_once(
    postgres_database: str, twilio: TwilioStandIn, robots: RobotStandIn
) -> None:
    url = postgres_database
    empty(url)
    seeded = seed(url, start=at(9, 10))
    config = channel_settings(url, twilio=twilio, **overrides(robots))
    one, two = served(config, seeded.clock), served(config, seeded.clock)
    ids = [
        one.post(initial(external_ref=f"T-{n}"), seeded.tokens["qdh"])["incident_id"]
        for n in range(5)
    ]
    seeded.clock.set(at(12))
    _together(one, two)
    for incident_id in ids:
        report_upward(two, seeded.office_token, incident_id)
    seeded.clock.set(at(12, 5))
    for _ in range(3):
        _together(one, two)
    found = stand_downs(twilio, robots)
    officer = OFFICER.removeprefix("+86")
    assert found == {
        ("sms", OFFICER): 5,
        ("sms", HEAD): 5,
        ("sms", DIRECTOR): 5,
        ("robot", officer): 5,
    }
    keys = [r.dedupe_key for r in notification_rows(url) if r.dedupe_key.startswith("stand_down")]
    assert len(keys) == len(set(keys)) == 20


def _together(one: Served, two: Served) -> None:
    first, second = one.submit(one.engine.tick()), two.submit(two.engine.tick())
    futures.wait([first, second], timeout=60)
    first.result(timeout=0), second.result(timeout=0)
