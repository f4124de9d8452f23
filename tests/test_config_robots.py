"""`[[notifications.robots]]` and `robot:NAME` channels: a right table loads with its secret from
the environment only; each wrong one is a clear line naming its path (and nothing starts);
`jibao doctor` says what it finds about each robot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alerts.cli.commands import main
from alerts.cli.doctor_robots import check_robot
from alerts.config import ConfigError, settings_from_table
from alerts.config_robots import RobotConfig
from alerts.escalation.channels import build_notifiers
from alerts.i18n import Translator
from notifiers.robots import RobotNotifier
from tests.builders import CONFIG, config_table

DING = "https://oapi.dingtalk.com/robot/send?access_token=abc"
LADDER = [{"key": "due", "at": "0m", "notify": ["office.duty_officer"], "channels": ["robot:ding"]}]


def table(robots: list[dict[str, Any]], ladder: list[dict[str, Any]] | None = None) -> Any:
    return config_table(notifications__robots=robots, escalation__office=ladder or LADDER)


def problems(robots: list[dict[str, Any]], **kw: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_table(table(robots, **kw), environ={})
    return info.value.lines


def test_a_robot_loads_and_signs_with_the_secret_from_the_environment() -> None:
    environ = {"JIBAO_ROBOT_SECRET_DING": "SECxyz"}
    loaded = settings_from_table(
        table([{"name": "ding", "kind": "dingtalk", "url": DING}]), environ=environ
    )
    (robot,) = loaded.notifications.robots
    assert (robot.kind, robot.timeout_seconds) == ("dingtalk", 10.0)
    assert loaded.notifications.robot_secrets["ding"].get_secret_value() == "SECxyz"
    assert "SECxyz" not in repr(loaded) and "SECxyz" not in loaded.model_dump_json()
    assert loaded.notifications.stand_down is True
    notifier = build_notifiers(loaded.notifications, "http://x")["robot:ding"]
    assert isinstance(notifier, RobotNotifier) and notifier.settings.secret == "SECxyz"


def test_a_ladder_channel_naming_no_robot_is_refused() -> None:
    lines = problems([{"name": "other", "kind": "wecom", "url": "https://q/x?key=1"}])
    assert lines == [
        "escalation.office[0].channels: robot:ding 不是 [[notifications.robots]] 中配置的机器人"
        "（已配置：robot:other）"
    ]


def test_a_robot_named_twice_is_refused() -> None:
    row = {"name": "ding", "kind": "dingtalk", "url": DING}
    assert problems([row, row]) == ["notifications.robots[1].name: 机器人名称 ding 重复"]


@pytest.mark.parametrize(
    ("row", "path"),
    [
        ({"name": "ding", "kind": "slack", "url": DING}, "notifications.robots[0].kind"),
        ({"name": "Ding-1", "kind": "dingtalk", "url": DING}, "notifications.robots[0].name"),
        (
            {"name": "ding", "kind": "dingtalk", "url": "oapi.dingtalk.com"},
            "notifications.robots[0].url",
        ),
        (
            {"name": "ding", "kind": "dingtalk", "url": DING, "secret": "SEC"},
            "notifications.robots[0].secret",
        ),
        (
            {"name": "ding", "kind": "dingtalk", "url": DING, "timeout_seconds": 0},
            "notifications.robots[0].timeout_seconds",
        ),
    ],
)
def test_a_wrong_robot_row_is_named_by_its_path(row: dict[str, Any], path: str) -> None:
    lines = problems([row])
    assert any(line.startswith(f"{path}: ") for line in lines), lines


def test_a_malformed_robot_channel_is_refused() -> None:
    ladder = [{"key": "due", "at": "0m", "notify": ["office.duty_officer"], "channels": ["robot:"]}]
    lines = problems([], ladder=ladder)
    assert lines == [
        "escalation.office[0].channels: 须为非空数组，取值：sms, voice, email, webhook, robot:NAME"
    ]


def test_doctor_says_what_it_finds_about_each_robot() -> None:
    translate = Translator("en")

    def said(robot: RobotConfig, signed: bool) -> list[tuple[str, str]]:
        return [
            (f.level, translate(f"doctor.{f.key}", **f.params))
            for f in check_robot(robot, signed=signed)
        ]

    ding = RobotConfig(name="ding", kind="dingtalk", url=DING)
    assert said(ding, True) == [("ok", "robot:ding (dingtalk) posts to oapi.dingtalk.com")]
    assert (
        said(ding, False)[1][0] == "note" and "JIBAO_ROBOT_SECRET_DING" in said(ding, False)[1][1]
    )
    wrong = RobotConfig(
        name="wx", kind="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    )
    [(level, text)] = said(wrong, False)
    assert level == "problem" and "not the address its provider gives" in text
    [finding] = check_robot(wrong, signed=False)
    assert "qyapi.weixin.qq.com" in translate(f"doctor.fix.{finding.fix}")
    feishu = RobotConfig(
        name="fs", kind="feishu", url="https://open.feishu.cn/open-apis/bot/v2/hook/1"
    )
    assert [level for level, _ in said(feishu, True)] == ["ok"]


def test_check_config_names_a_wrong_robot_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CONFIG.read_text(encoding="utf-8")
    text = text.replace("# [[notifications.robots]]\n# name", "[[notifications.robots]]\nname")
    text = text.replace('# kind = "dingtalk"', 'kind = "dingding"')
    text = text.replace('# url = "https://oapi.dingtalk', 'url = "https://oapi.dingtalk')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main(["--config", str(path), "check-config"])
    _, err = capsys.readouterr()
    assert stop.value.code == 2
    assert "notifications.robots[0].kind" in err and "wecom" in err
