"""The `jibao` command line: `--config` on either side of every subcommand, the ladders in
check-config, and start-up failures as one line without a traceback (`--debug` shows it)."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from alerts.cli.commands import _parser, main, subcommands
from tests.builders import CONFIG

# each leaf command with the arguments it requires; a new command must be added here
REQUIRED = {
    ("serve",): [],
    ("demo",): [],
    ("migrate",): [],
    ("check-config",): [],
    ("backup",): ["jibao.backup"],
    ("restore",): ["jibao.backup"],
    ("archive", "export"): ["archive.jsonl"],
    ("doctor",): [],
    ("unit", "add"): ["--code", "c", "--name", "n"],
    ("unit", "list"): [],
    ("person", "add"): ["--unit", "c", "--name", "n", "--phone", "13800000000"],
    ("person", "list"): [],
    ("user", "add"): ["--username", "u", "--name", "n", "--role", "admin"],
    ("user", "list"): [],
    ("roster", "import"): ["roster.csv", "--unit", "c", "--month", "2026-11"],
    ("roster", "export"): ["--unit", "c", "--month", "2026-11"],
    ("instructions", "list"): [],
    ("audit", "list"): [],
    ("findings", "list"): [],
    ("findings", "confirm"): ["1", "--user", "u", "--reason", "r"],
    ("findings", "dismiss"): ["1", "--user", "u", "--reason", "r"],
    ("findings", "reopen"): ["1", "--user", "u", "--reason", "r"],
    ("bulletins", "publish"): ["--kind", "monthly", "--period", "2026-11"],
    ("bulletins", "export"): ["--kind", "monthly", "--period", "2026-11", "b.pdf"],
    ("notices", "list"): [],
    ("notices", "draft"): ["finding:1", "--user", "u"],
    ("notices", "approve"): ["1", "--user", "u"],
}


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JIBAO_DATABASE_URL", "JIBAO_CONFIG", "JIBAO_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


def _config(tmp_path: Path, database_url: str | None = None, *, replace: str = "") -> str:
    url = database_url or f"sqlite:///{tmp_path}/cli.db"
    text = CONFIG.read_text().replace('"sqlite:///./jibao.db"', f'"{url}"')
    if replace:
        old, new = replace.split("=>")
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    subs = subcommands(parser)
    if not subs:
        return [path]
    return [leaf for sub in subs for leaf in _leaves(sub, (*path, sub.prog.split()[-1]))]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


def test_every_command_is_listed_here() -> None:
    assert sorted(_leaves(_parser())) == sorted(REQUIRED)


@pytest.mark.parametrize("command", list(REQUIRED), ids=" ".join)
def test_config_and_debug_before_or_after_every_command(command: tuple[str, ...]) -> None:
    rest = [*command, *REQUIRED[command]]
    before = _parser().parse_args(["--config", "a.toml", "--debug", *rest])
    after = _parser().parse_args([*rest, "--config", "b.toml", "--debug"])
    neither = _parser().parse_args(rest)
    assert (before.config, before.debug) == ("a.toml", True)
    assert (after.config, after.debug) == ("b.toml", True)
    assert (neither.config, neither.debug) == (None, False)


def test_config_after_the_command_is_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    assert _run(capsys, "migrate", "--config", config)[0] == 0
    code, out, _ = _run(capsys, "unit", "list", "--config", config)
    assert code == 0 and out.startswith("code")
    code, out, _ = _run(capsys, "check-config", "--config", config)
    assert code == 0 and "config ok" in out


def test_check_config_prints_the_ladders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "check-config", "--config", _config(tmp_path))
    assert code == 0
    assert "收到（确认）后暂停 30m" in out
    assert "单位的时限（escalation.unit）" in out and "值班室的时限（escalation.office）" in out
    lines = out.splitlines()
    remind = next(line for line in lines if line.startswith("remind "))
    assert "到期前 30m" in remind and "sms" in remind and "unit.duty_officer（值班员）" in remind
    last = next(line for line in lines if line.startswith("due+60m "))
    assert "到期后 1h" in last and "每 1h" in last and "sms, voice" in last
    assert "office.county_leader（分管县领导） [email]" in last


def test_check_config_ladders_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, replace='language = "zh_CN"=>language = "en"')
    _, out, _ = _run(capsys, "check-config", "--config", config)
    assert "a unit's obligations (escalation.unit)" in out and "30m before due" in out


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["backup", "jibao.backup"],
        ["serve", "--port", "0"],
        ["unit", "list"],
        ["user", "list"],
        ["roster", "export", "--unit", "c", "--month", "2026-11"],
    ],
    ids=" ".join,
)
def test_an_unreachable_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/jibao"
    code, _, err = _run(capsys, "--config", _config(tmp_path, url), *command)
    line = _one_line(err)
    assert code == 1
    assert line.startswith(f"无法连接数据库 {url}") and "Connection refused" in line


def test_demo_on_an_unreachable_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/jibao"
    argv = ["demo", "--database-url", url, "--no-serve", "--config", _config(tmp_path)]
    code, _, err = _run(capsys, *argv)
    assert code == 1 and _one_line(err).startswith("无法连接数据库")


@pytest.mark.parametrize(
    "url",
    ["nonsense", "mysql://x@127.0.0.1/db", "postgresql://x@127.0.0.1:port/db"],
)
def test_a_wrong_database_url_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    code, _, err = _run(capsys, "--config", _config(tmp_path, url), "migrate")
    assert code == 1 and _one_line(err).startswith("数据库地址有误")


@pytest.mark.parametrize(
    "command",
    [["serve", "--port", "0"], ["unit", "list"], ["user", "list"]],
    ids=" ".join,
)
def test_an_unmigrated_database_says_run_migrate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, _, err = _run(capsys, *command, "--config", _config(tmp_path))
    assert code == 1 and "请先运行 `jibao migrate`" in _one_line(err)


def test_a_config_error_is_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, replace='clock_skew = "5m"=>clock_skw = "5m"')
    code, out, err = _run(capsys, "serve", "--config", config)
    assert code == 2 and out == ""
    assert "Traceback" not in err
    assert err.splitlines() == [
        f"配置有误：{config}: rules.clock_skw: 未知的键，是否应为 clock_skew？",
        f"配置有误：{config}: rules.clock_skew: 必填",
    ]


def test_a_short_secret_key_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIBAO_SECRET_KEY", "too-short")
    code, _, err = _run(capsys, "serve", "--config", _config(tmp_path))
    assert code == 2 and _one_line(err).startswith("配置有误：JIBAO_SECRET_KEY: 过短")


def test_debug_shows_the_failure_itself(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/jibao"
    with pytest.raises(OperationalError):
        main(["--debug", "--config", _config(tmp_path, url), "migrate"])


def test_the_real_process_prints_no_traceback(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/jibao"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JIBAO_")}
    argv = [sys.executable, "-m", "alerts", "migrate", "--config", _config(tmp_path, url)]
    done = subprocess.run(argv, capture_output=True, text=True, env=environ, check=False)
    assert done.returncode == 1 and done.stdout == ""
    assert _one_line(done.stderr).startswith("无法连接数据库")
    debug = subprocess.run([*argv, "--debug"], capture_output=True, text=True, env=environ)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_a_config_path_that_is_a_directory_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "check-config", "--config", str(tmp_path))
    assert code == 2 and _one_line(err) == f"配置有误：{tmp_path}: 无法读取：" + (
        f"[Errno 21] Is a directory: '{tmp_path}'"
    )
