"""The group robots' adapter against local stand-ins that check each provider's signature and
rate as the provider documents them (tests/notifiers/robot_standins.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.robots import RobotNotifier, RobotSettings, feishu_sign, mobile
from tests.notifiers.robot_standins import RobotStandIn

OFFICER = "+8613800000001"
LINK = "http://jibao.test/ack/abc"


@pytest.fixture
def standin() -> Iterator[RobotStandIn]:
    with RobotStandIn() as robots:
        yield robots


def message(to: str = OFFICER, **data: object) -> Message:
    return Message(
        id=7,
        channel="robot:group",
        to=to,
        subject="【急报】首报超时",
        text=f"【急报】城关镇「山洪」首报超时5分钟（7）。请点击确认收到：{LINK}",
        data=dict(data),
    )


def send(settings: RobotSettings, msg: Message, **kw: object) -> SendResult:
    async def run() -> SendResult:
        robot = RobotNotifier(settings, **kw)  # type: ignore[arg-type]
        try:
            return await robot.send(msg)
        finally:
            await robot.close()

    return asyncio.run(run())


def robot(standin: RobotStandIn, kind: str, *, secret: str | None = "same") -> RobotSettings:
    chosen = standin.secret if secret == "same" else secret
    return RobotSettings(name="group", kind=kind, url=standin.url(kind), secret=chosen)  # type: ignore[arg-type]


def test_dingtalk_signs_as_dingtalk_requires_and_mentions_the_officer(
    standin: RobotStandIn,
) -> None:
    result = send(robot(standin, "dingtalk"), message())
    assert result.state is DeliveryState.SENT, result.error
    assert result.provider_id == "dingtalk-7"  # the robot answers no id: ours
    (posted,) = standin.posted_by("dingtalk")
    assert posted.body["msgtype"] == "markdown"
    assert posted.mentioned == ["13800000001"]
    assert posted.body["at"]["isAtAll"] is False
    assert "@13800000001" in posted.text  # without it in the text the mention does not render
    assert f"[{LINK}]({LINK})" in posted.text  # the acknowledgement link, as a link


@pytest.mark.parametrize("secret", ["not-the-secret", None])
def test_dingtalk_refuses_a_wrong_or_missing_sign(
    standin: RobotStandIn, secret: str | None
) -> None:
    result = send(robot(standin, "dingtalk", secret=secret), message())
    assert result.state is DeliveryState.FAILED_PERM
    assert result.error is not None and result.error.startswith("dingtalk 310000")
    assert standin.posted_by("dingtalk") == []


def test_dingtalk_refuses_a_stale_sign(standin: RobotStandIn) -> None:
    two_hours_ago = time.time() - 7200
    result = send(robot(standin, "dingtalk"), message(), clock=lambda: two_hours_ago)
    assert result.state is DeliveryState.FAILED_PERM and "310000" in (result.error or "")


def test_wecom_mentions_by_mobile_in_a_text_message(standin: RobotStandIn) -> None:
    result = send(robot(standin, "wecom", secret=None), message())
    assert result.state is DeliveryState.SENT, result.error
    (posted,) = standin.posted_by("wecom")
    assert posted.body["msgtype"] == "text"  # markdown cannot mention by mobile
    assert posted.mentioned == ["13800000001"]
    assert LINK in posted.text


def test_wecom_wrong_key_is_permanent(standin: RobotStandIn) -> None:
    settings = RobotSettings(
        name="group", kind="wecom", url=standin.url("wecom").replace("0001", "9999")
    )
    result = send(settings, message())
    assert result.state is DeliveryState.FAILED_PERM and "93000" in (result.error or "")


def test_feishu_signs_in_the_body_and_names_the_mobile(standin: RobotStandIn) -> None:
    result = send(robot(standin, "feishu"), message())
    assert result.state is DeliveryState.SENT, result.error
    (posted,) = standin.posted_by("feishu")
    stamp = int(posted.body["timestamp"])
    assert posted.body["sign"] == feishu_sign(standin.secret, stamp)
    assert abs(stamp - time.time()) < 60
    assert "@13800000001" in posted.text and LINK in posted.text


def test_feishu_bad_sign_is_19021(standin: RobotStandIn) -> None:
    result = send(robot(standin, "feishu", secret="wrong"), message())
    assert result.state is DeliveryState.FAILED_PERM and "19021" in (result.error or "")


def test_a_bundled_message_mentions_everyone_in_it(standin: RobotStandIn) -> None:
    bundled = message(mentions=[OFFICER, "+8613800000002", OFFICER])
    assert send(robot(standin, "dingtalk"), bundled).state is DeliveryState.SENT
    (posted,) = standin.posted_by("dingtalk")
    assert posted.mentioned == ["13800000001", "13800000002"]
    assert "@13800000001 @13800000002" in posted.text


@pytest.mark.parametrize(
    ("kind", "limit", "code"), [("dingtalk", 20, "130101"), ("wecom", 20, "45009")]
)
def test_past_the_published_rate_the_robot_answers_its_limit_and_we_retry(
    standin: RobotStandIn, kind: str, limit: int, code: str
) -> None:
    settings = robot(standin, kind, secret=None if kind == "wecom" else "same")
    results = [send(settings, message()) for _ in range(limit + 1)]
    assert [r.state for r in results[:limit]] == [DeliveryState.SENT] * limit
    last = results[-1]
    assert last.state is DeliveryState.FAILED_TEMP and code in (last.error or "")
    assert last.retry_after == 60


def test_feishu_rate_is_five_a_second() -> None:
    with RobotStandIn(rate_clock=lambda: 1000.0) as standin:  # all six within one second
        settings = robot(standin, "feishu")
        results = [send(settings, message()) for _ in range(6)]
    assert [r.state for r in results[:5]] == [DeliveryState.SENT] * 5
    assert results[-1].state is DeliveryState.FAILED_TEMP and "11232" in (results[-1].error or "")


def test_nothing_listening_is_a_temporary_failure() -> None:
    settings = RobotSettings(name="group", kind="dingtalk", url="http://127.0.0.1:9/robot/send")
    assert send(settings, message()).state is DeliveryState.FAILED_TEMP


def test_mobiles_are_national_for_mainland_numbers() -> None:
    assert mobile("+8613800000001") == "13800000001"
    assert mobile("+85291234567") == "+85291234567"


def test_settings_refuse_what_could_never_send() -> None:
    with pytest.raises(ValueError, match="kind"):
        RobotSettings(name="x", kind="slack", url="http://x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        RobotSettings(name="x", kind="wecom", url="http://x", timeout_seconds=0)
