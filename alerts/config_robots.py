"""Chat robots in config.toml: `[[notifications.robots]]` (WeCom, DingTalk, Feishu group
robots), named in ladders as the channel `robot:NAME`, and what the file gets wrong about them
beyond each row's own fields: a name used twice, a ladder channel naming no robot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rules.escalation import ROBOT_CHANNEL
from rules.problems import Problem

ROBOT_NAME = r"^[a-z0-9_]{1,32}$"  # also the tail of JIBAO_ROBOT_SECRET_<NAME>
ROBOT_PREFIX = "robot:"


class RobotConfig(BaseModel):
    """A group robot, named in ladders as the channel robot:NAME; its signing secret (DingTalk
    加签, Feishu 签名校验) comes from JIBAO_ROBOT_SECRET_<NAME>, never from the file."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=ROBOT_NAME)
    kind: Literal["wecom", "dingtalk", "feishu"]
    url: str = Field(min_length=1, pattern=r"^https?://[^/\s]+")
    timeout_seconds: float = Field(default=10.0, gt=0)


def robot_problems(table: Mapping[str, Any]) -> list[Problem]:
    """A robot name used twice; an escalation channel robot:NAME that no robot is called."""
    notifications = table.get("notifications")
    rows = notifications.get("robots") if isinstance(notifications, Mapping) else None
    names: set[str] = set()
    problems = []
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        name = row.get("name") if isinstance(row, Mapping) else None
        if not isinstance(name, str):
            continue
        if name in names:
            path = f"notifications.robots[{index}].name"
            problems.append(Problem(path, "duplicate_robot", {"value": name}))
        names.add(name)
    for path, channel in _ladder_channels(table.get("escalation")):
        # a malformed robot:… is the ladder parser's to name (rules/escalation.py)
        if ROBOT_CHANNEL.match(channel) and channel.removeprefix(ROBOT_PREFIX) not in names:
            known = ", ".join(sorted(ROBOT_PREFIX + n for n in names)) or "—"
            problems.append(Problem(path, "unknown_robot", {"value": channel, "known": known}))
    return problems


def _ladder_channels(escalation: object) -> Iterable[tuple[str, str]]:
    """(path, channel) for every channel a ladder step or recipient names."""
    if not isinstance(escalation, Mapping):
        return
    for ladder, steps in escalation.items():
        if not isinstance(steps, list):
            continue
        for i, step in enumerate(steps):
            if not isinstance(step, Mapping):
                continue
            yield from _named(step.get("channels"), f"escalation.{ladder}[{i}].channels")
            notify = step.get("notify")
            for j, recipient in enumerate(notify if isinstance(notify, list) else []):
                if isinstance(recipient, Mapping):
                    path = f"escalation.{ladder}[{i}].notify[{j}].channels"
                    yield from _named(recipient.get("channels"), path)


def _named(channels: object, path: str) -> Iterable[tuple[str, str]]:
    for channel in channels if isinstance(channels, list) else []:
        if isinstance(channel, str):
            yield path, channel
