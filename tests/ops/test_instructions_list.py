"""`jibao instructions list [--all] [--unit CODE]`: open leader instructions soonest due first,
per responsible unit its stage and its next clock's due time (overdue said so), in Chinese unless
the config says English; closed ones with --all; an unknown unit is one line and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.cli import instructions as command
from alerts.clock import FrozenClock
from tests.builders import County, at, county, initial, row_counts
from tests.instruction_builders import feed_back, move, record_instruction
from tests.ops.cli import one_line, run, write_config


@pytest.fixture
def instructions(database_url: str) -> tuple[County, dict[str, int]]:
    """On 21 November: A on qdh's incident for qdh and wsh (feedback by 22 Nov 10:00; qdh
    acknowledged, wsh fed back at 09:00 on the 22nd), B for qdh (relayed 11:10, never
    acknowledged) and a 参阅 for qdh, closed on its acknowledgement."""
    c = county(database_url, start=at(9, 10))
    incident = c.post(initial()).json()["incident_id"]
    c.clock.set(at(10, 0))
    a = record_instruction(
        c, units=["qdh", "wsh"], incident_id=incident, deadline_at=at(10, 0, day=22).isoformat()
    )
    c.clock.set(at(10, 30))
    move(c, a, "qdh", "relay")
    move(c, a, "wsh", "relay")
    c.clock.set(at(10, 50))
    move(c, a, "qdh", "acknowledge")
    c.clock.set(at(11, 0))
    b = record_instruction(c, received_at=at(11, 0).isoformat(), text="请做好群众安置工作")
    reference = record_instruction(
        c, received_at=at(11, 0).isoformat(), type="reference", text="供参阅"
    )
    c.clock.set(at(11, 10))
    move(c, b, "qdh", "relay")
    move(c, reference, "qdh", "relay")
    move(c, reference, "qdh", "acknowledge")
    c.clock.set(at(9, 0, day=22))
    feed_back(c, a, "wsh")
    return c, {"a": a, "b": b, "reference": reference, "incident": incident}


@pytest.fixture(autouse=True)
def _read_at_10_30_on_the_22nd(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command reads the system clock; here it reads 22 November 10:30."""
    monkeypatch.setattr(command, "SystemClock", lambda: FrozenClock(at(10, 30, day=22)))


def listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], c: County, *options: str, extra: str = ""
) -> list[str]:
    """The output lines of a successful `jibao instructions list OPTIONS`."""
    config = write_config(tmp_path, c.settings.database_url, extra=extra)
    code, out, err = run(capsys, "instructions", "list", *options, "--config", config)
    assert code == 0, err
    assert err == ""
    return out.splitlines()


def test_open_instructions_soonest_due_first_each_unit_with_its_next_clock(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    instructions: tuple[County, dict[str, int]],
) -> None:
    c, ids = instructions
    assert listed(tmp_path, capsys, c) == [
        f"批示 #{ids['b']}（批办）县长王县长，2026-11-21 11:00 收到：请做好群众安置工作",
        "  千岛湖镇（qdh）· 已转办，待签收 · 批示签收截止 2026-11-21 12:10（已逾期）",
        f"批示 #{ids['a']}（批办）县长王县长，2026-11-21 10:00 收到，事件 #{ids['incident']}："
        "请迅速核实情况，报告处置结果。",
        "  千岛湖镇（qdh）· 已签收，待反馈 · 批示落实反馈截止 2026-11-22 10:00（已逾期）",
        "  文昌镇（wsh）· 已反馈，待核验 · 反馈核验截止 2026-11-22 11:00",
    ]


def test_all_lists_closed_instructions_last(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    instructions: tuple[County, dict[str, int]],
) -> None:
    c, ids = instructions
    lines = listed(tmp_path, capsys, c, "--all")
    headings = [line.split("（", 1)[0] for line in lines if not line.startswith("  ")]
    assert headings == [f"批示 #{ids[k]}" for k in ("b", "a", "reference")]
    assert lines[-2:] == [
        f"批示 #{ids['reference']}（参阅）县长王县长，2026-11-21 11:00 收到：供参阅",
        "  千岛湖镇（qdh）· 已办结 · 暂无计时",
    ]


def test_unit_shows_only_the_instructions_naming_it_and_its_own_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    instructions: tuple[County, dict[str, int]],
) -> None:
    c, ids = instructions
    wsh = listed(tmp_path, capsys, c, "--unit", "wsh")
    assert [line for line in wsh if line.startswith("  ")] == [
        "  文昌镇（wsh）· 已反馈，待核验 · 反馈核验截止 2026-11-22 11:00"
    ]
    assert wsh[0].startswith(f"批示 #{ids['a']}（批办）")
    qdh = listed(tmp_path, capsys, c, "--all", "--unit", "qdh")
    assert not any("文昌镇" in line for line in qdh)
    assert len([line for line in qdh if line.startswith("批示 #")]) == 3
    assert listed(tmp_path, capsys, c, "--unit", "county") == ["暂无未办结的领导批示"]


def test_an_unknown_unit_is_one_line_exit_1_and_nothing_written(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    instructions: tuple[County, dict[str, int]],
    database_url: str,
) -> None:
    c, _ = instructions
    before = row_counts(database_url)
    config = write_config(tmp_path, c.settings.database_url)
    code, out, err = run(capsys, "instructions", "list", "--unit", "nowhere", "--config", config)
    assert code == 1 and out == ""
    assert one_line(err) == "错误：没有代码为 nowhere 的单位（jibao unit list 列出全部单位）"
    assert row_counts(database_url) == before


def test_in_english_when_the_config_says_so(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    instructions: tuple[County, dict[str, int]],
) -> None:
    c, ids = instructions
    config = write_config(tmp_path, c.settings.database_url)
    Path(config).write_text(
        Path(config).read_text().replace('language = "zh_CN"', 'language = "en"')
    )
    code, out, _ = run(capsys, "instructions", "list", "--config", config)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"instruction #{ids['b']} (To act on (批办)) from 县长王县长")
    assert "Instruction feedback due 2026-11-22 10:00 (overdue)" in lines[3]
    code, _, err = run(capsys, "instructions", "list", "--unit", "nowhere", "--config", config)
    assert code == 1 and one_line(err).startswith("error: no unit with code nowhere")


def test_a_classified_incidents_instruction_shows_no_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    c = county(database_url, start=at(9, 10))
    secret = initial(classified=True, title="某涉密事件")
    incident = c.post(secret).json()["incident_id"]
    c.clock.set(at(10, 0))
    record_instruction(c, incident_id=incident, text="涉密批示原文")
    lines = listed(tmp_path, capsys, c)
    assert lines[0].endswith(f"事件 #{incident}：（涉密事件，内容不显示）")
    assert not any("涉密批示原文" in line or "某涉密事件" in line for line in lines)
    assert lines[1] == "  千岛湖镇（qdh）· 待转办 · 批示转办截止 2026-11-21 10:30（已逾期）"


def test_none_and_a_database_not_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    c = county(database_url, start=at(9, 10))
    assert listed(tmp_path, capsys, c) == ["暂无未办结的领导批示"]
    assert listed(tmp_path, capsys, c, "--all") == ["暂无领导批示"]
    empty = write_config(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}", name="empty.toml")
    code, out, err = run(capsys, "instructions", "list", "--config", empty)
    assert code == 1 and out == "" and "jibao migrate" in one_line(err)
