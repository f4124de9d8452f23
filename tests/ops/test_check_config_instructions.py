"""`jibao check-config` prints the instruction clocks ([rules.instructions]) beside the other
rules, and the instruction ladders of [escalation] (or which ladder they climb when none is
configured) with the instruction's own two messages; in the configured language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ops.cli import run, write_config

DATABASE = "sqlite:///./unused.db"  # check-config never opens it


def checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *changes: tuple[str, str], drop: str = ""
) -> list[str]:
    """The output lines of `jibao check-config` on the shipped config with `changes` made and
    the `[[escalation.…]]` tables whose name starts with `drop` left out."""
    path = Path(write_config(tmp_path, DATABASE))
    text = path.read_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    if drop:
        blocks = text.split("\n\n")
        text = "\n\n".join(b for b in blocks if f"[[escalation.{drop}" not in b)
    path.write_text(text)
    code, out, err = run(capsys, "check-config", "--config", str(path))
    assert code == 0, err
    return out.splitlines()


def after(lines: list[str], heading: str, count: int) -> list[str]:
    """The `count` lines following the line `heading`."""
    start = lines.index(heading) + 1
    return lines[start : start + count]


def test_the_instruction_clocks_are_printed_with_their_config_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = checked(
        tmp_path,
        capsys,
        ('relay = "30m"', 'relay = "15m"'),
        ('feedback = "24h"', 'feedback = "48h"'),
    )
    assert after(lines, "leader instructions ([rules.instructions])", 4) == [
        "K9 instruction relayed         15m after receipt (office)",
        "K10 instruction acknowledged   1h after relay (unit)",
        "K11 instruction feedback       by the deadline it names, else 2d after relay;"
        " 2d after a return (unit)",
        "feedback verified              2h after feedback (office)",
    ]


def test_the_instruction_ladders_and_the_two_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = checked(tmp_path, capsys)
    unit = after(lines, "单位的批示时限：签收、落实反馈（escalation.instruction_unit）", 5)
    assert unit[0].startswith("步骤")
    assert [line.split()[0] for line in unit[1:]] == ["remind", "due", "due+30m", "due+2h"]
    assert "到期后 2h" in unit[4] and "每 2h" in unit[4]
    assert "office.director（主任）, unit.principal（主要负责人）" in unit[4]
    office = after(lines, "值班室的批示时限：转办、核验（escalation.instruction_office）", 4)
    assert [line.split()[:2] for line in office[1:]] == [
        ["remind", "到期前"],
        ["due", "到期时"],
        ["due+30m", "到期后"],
    ]
    notices = after(lines, next(line for line in lines if line.startswith("批示本身的通知")), 3)
    assert notices[1].startswith("relay        转办时") and "sms, email" in notices[1]
    assert notices[2].startswith("supervise    反馈到期时")
    assert "unit.principal（主要负责人）" in notices[2]


def test_without_instruction_ladders_it_says_which_ladder_they_climb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = checked(tmp_path, capsys, drop="instruction_")
    assert after(lines, "单位的批示时限：签收、落实反馈（escalation.instruction_unit）", 1) == [
        "未配置：按“单位的时限（escalation.unit）”升级"
    ]
    assert after(lines, "值班室的批示时限：转办、核验（escalation.instruction_office）", 1) == [
        "未配置：按“值班室的时限（escalation.office）”升级"
    ]
    own = checked(tmp_path, capsys, drop="instruction_office")
    assert "未配置：按“单位的时限（escalation.unit）”升级" not in own
    assert "未配置：按“值班室的时限（escalation.office）”升级" in own


def test_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = checked(tmp_path, capsys, ('language = "zh_CN"', 'language = "en"'))
    assert (
        "a unit's instruction clocks: acknowledgement, feedback (escalation.instruction_unit)"
        in (lines)
    )
    assert any(line.startswith("supervise    feedback due") for line in lines)


def test_a_bad_instruction_clock_is_named_and_nothing_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(write_config(tmp_path, DATABASE))
    path.write_text(path.read_text().replace('verify = "2h"', 'verify = "0m"'))
    code, out, err = run(capsys, "check-config", "--config", str(path))
    assert code == 2 and out == ""
    assert "rules.instructions.verify" in err and "Traceback" not in err
