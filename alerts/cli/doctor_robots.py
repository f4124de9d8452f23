"""`jibao doctor`'s look at the group robots (`[[notifications.robots]]`): the webhook address
has the form its provider gives (a WeCom `key`, a DingTalk `access_token`, a Feishu
`/bot/v2/hook/` path), and the signing secret is there for the kinds that sign. Nothing is
posted: a test message would land in a real group."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from alerts.cli.findings import Finding, note, ok, problem
from alerts.config import NotificationSettings
from alerts.config_robots import RobotConfig

_SIGNED = ("dingtalk", "feishu")


def check_robots(settings: NotificationSettings) -> list[Finding]:
    """A finding or two for each robot."""
    found: list[Finding] = []
    for robot in settings.robots:
        found += check_robot(robot, signed=robot.name in settings.robot_secrets)
    return found


def check_robot(robot: RobotConfig, *, signed: bool) -> list[Finding]:
    """The address is the provider's shape; DingTalk and Feishu robots are signed."""
    parts = urlsplit(robot.url)
    query = parse_qs(parts.query)
    shaped = {
        "wecom": bool(query.get("key")),
        "dingtalk": bool(query.get("access_token")),
        "feishu": "/bot/v2/hook/" in parts.path and not parts.path.endswith("/hook/"),
    }[robot.kind]
    name, env = robot.name, robot.name.upper()
    if not shaped:
        fix = f"robot_url_{robot.kind}"
        return [problem("robot", "robot_bad_url", fix=fix, name=name, kind=robot.kind)]
    found = [ok("robot", "robot_ok", name=name, kind=robot.kind, host=parts.hostname or "")]
    if robot.kind in _SIGNED and not signed:
        found.append(note("robot", "robot_unsigned", name=name, env=env))
    if robot.kind == "wecom" and signed:
        found.append(note("robot", "robot_secret_unused", name=name, env=env))
    return found
