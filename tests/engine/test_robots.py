"""Ladders that post to a group robot (channel robot:NAME) through the real adapter to the local
stand-ins: the officer on duty is @-mentioned and the post signed as the provider requires; a
burst beyond the robot's published rate is bundled and held, never dropped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent import futures
from datetime import timedelta
from typing import Any

import pytest

from alerts.escalation.robot_claims import split_posts
from alerts.storage import models as m
from tests.builders import at, initial, phone_of
from tests.engine.harness import (
    channel_settings,
    close_served,
    empty,
    notification_rows,
    scene,
    seed,
    served,
)
from tests.notifiers.robot_standins import RobotStandIn

OFFICER = phone_of("county", "duty_officer").removeprefix("+86")  # the officer on duty


@pytest.fixture
def robots() -> Iterator[RobotStandIn]:
    with RobotStandIn() as standin:
        yield standin
        close_served()


def robot_config(robots: RobotStandIn, kind: str, *, steps: list[dict[str, Any]]) -> Any:
    """Overrides for `scene`: one robot `county` of `kind`, signed, and the office ladder."""
    return {
        "notifications__robots": [{"name": "county", "kind": kind, "url": robots.url(kind)}],
        "environ": {"JIBAO_ROBOT_SECRET_COUNTY": robots.secret},
        "escalation__office": steps,
    }


def to_robot(*offsets: str) -> list[dict[str, Any]]:
    """A ladder posting to robot:county for the officer on duty at each offset."""
    return [
        {"key": f"at{o}", "at": o, "notify": ["office.duty_officer"], "channels": ["robot:county"]}
        for o in offsets
    ]


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_a_robot_post_mentions_the_officer_on_duty_with_the_ack_link(
    database_url: str, robots: RobotStandIn, kind: str
) -> None:
    filed = scene(database_url, **robot_config(robots, kind, steps=to_robot("0m")))
    filed.app.at_tick(at(12))
    (posted,) = robots.posted_by(kind)
    assert robots.refused == []  # signed (DingTalk 加签, Feishu sign) as the stand-in checks
    if kind == "feishu":
        assert f"@{OFFICER}" in posted.text  # a custom bot mentions by Feishu id only
    else:
        assert posted.mentioned == [OFFICER]
    if kind == "dingtalk":
        assert f"@{OFFICER}" in posted.text
    assert f"{filed.app.base_url}/ack/" in posted.text
    (row,) = [r for r in notification_rows(database_url) if r.channel == "robot:county"]
    assert (row.state, row.address) == ("sent", phone_of("county", "duty_officer"))


def test_a_dingtalk_burst_beyond_20_a_minute_is_bundled_and_held_nothing_dropped(
    database_url: str, robots: RobotStandIn
) -> None:
    filed = scene(
        database_url, incidents=25, **robot_config(robots, "dingtalk", steps=to_robot("0m", "20s"))
    )
    clock = filed.seeded.clock
    robots.rate_clock = lambda: clock.now().timestamp()  # DingTalk's minute, on the test's clock
    filed.app.at_tick(at(12))  # 25 due at once: 19 alone and one bundle of 6
    first = robots.posted_by("dingtalk")
    assert len(first) == 20
    assert sum("6项" in p.text for p in first) == 1
    filed.app.at_tick(at(12) + timedelta(seconds=20))  # 25 more: the minute is full
    filed.app.at_tick(at(12) + timedelta(seconds=59))
    assert len(robots.posted_by("dingtalk")) == 20, "held until the minute frees a place"
    filed.app.at_tick(at(12, 1))
    assert len(robots.posted_by("dingtalk")) == 40
    assert robots.refused == [], "never past DingTalk's rate"

    rows = [r for r in notification_rows(database_url) if r.channel == "robot:county"]
    assert len(rows) == 50
    states = Counter(r.state for r in rows)
    assert states == {"sent": 40, "bundled": 10}, "every message went, alone or in a bundle"
    sent = {r.id for r in rows if r.state == "sent"}
    assert all(r.bundled_into_id in sent for r in rows if r.state == "bundled")


def test_a_feishu_burst_keeps_five_a_second(database_url: str, robots: RobotStandIn) -> None:
    filed = scene(database_url, incidents=8, **robot_config(robots, "feishu", steps=to_robot("0m")))
    clock = filed.seeded.clock
    robots.rate_clock = lambda: clock.now().timestamp()
    filed.app.at_tick(at(12))  # 8 due: 4 alone and one bundle of 4
    assert len(robots.posted_by("feishu")) == 5
    assert robots.refused == []
    rows = [r for r in notification_rows(database_url) if r.channel == "robot:county"]
    assert Counter(r.state for r in rows) == {"sent": 5, "bundled": 3}


def test_two_instances_keep_one_robot_within_its_rate(
    postgres_database: str, robots: RobotStandIn
) -> None:
    url = postgres_database
    empty(url)
    seeded = seed(url, start=at(9, 10))
    robots.rate_clock = lambda: seeded.clock.now().timestamp()
    config = channel_settings(url, **robot_config(robots, "dingtalk", steps=to_robot("0m")))
    one, two = served(config, seeded.clock), served(config, seeded.clock)
    for n in range(30):
        one.post(initial(external_ref=f"R-{n}"), seeded.tokens["qdh"])
    seeded.clock.set(at(12))
    for _ in range(3):  # both claim for the robot at once, again and again
        first, second = one.submit(one.engine.tick()), two.submit(two.engine.tick())
        futures.wait([first, second], timeout=60)
        first.result(timeout=0), second.result(timeout=0)
    assert len(robots.posted_by("dingtalk")) <= 20 and robots.refused == []
    seeded.clock.set(at(12, 1))
    one.tick(), two.tick()
    rows = [r for r in notification_rows(url) if r.channel == "robot:county"]
    sent = {r.id for r in rows if r.state == "sent"}
    assert len(rows) == 30 and robots.refused == []
    assert all(r.state == "sent" or r.bundled_into_id in sent for r in rows), "nothing dropped"


def test_stand_downs_go_first_and_alone_within_the_room() -> None:
    def row(key: str) -> m.Notification:
        return m.Notification(dedupe_key=key, channel="robot:county")

    pages = [row(f"1:due:{i}:robot:county") for i in range(4)]
    downs = [row(f"stand_down:{i}:7:robot:county") for i in range(2)]
    group = [pages[0], downs[0], *pages[1:], downs[1]]
    assert split_posts(group, 0) == ([], [], [*downs, *pages])
    assert split_posts(group, 1) == ([downs[0]], [], [downs[1], *pages])
    assert split_posts(group, 4) == ([*downs, pages[0]], pages[1:], [])
    assert split_posts(group, 6) == ([*downs, *pages], [], [])
