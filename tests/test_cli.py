"""The `jibao` command: migrate, unit add|list, check-config, serve's schema guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.cli.commands import main
from tests.builders import CONFIG


def _config(tmp_path: Path, replace: tuple[str, str] | None = None) -> Path:
    text = CONFIG.read_text().replace(
        'database_url = "sqlite:///./jibao.db"', f'database_url = "sqlite:///{tmp_path}/cli.db"'
    )
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


def test_unit_add_prints_the_token_alone_on_the_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(_config(tmp_path))
    assert _run(capsys, "--config", config, "migrate")[0] == 0
    code, out, _ = _run(
        capsys,
        "--config",
        config,
        "unit",
        "add",
        "--code",
        "county",
        "--name",
        "县值班室",
        "--office",
    )
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("jb_") and " " not in token
    code, out, _ = _run(
        capsys,
        "--config",
        config,
        "unit",
        "add",
        "--code",
        "qdh",
        "--name",
        "千岛湖镇",
        "--parent",
        "county",
    )
    assert code == 0
    code, out, _ = _run(capsys, "--config", config, "unit", "list")
    assert "qdh" in out and "county" in out and "千岛湖镇" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--code", "qdh", "--name", "x", "--parent", "nowhere"), "no parent unit"),
        (("--code", "county", "--name", "again"), "already exists"),
    ],
)
def test_unit_add_refuses_bad_input_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    config = str(_config(tmp_path))
    _run(capsys, "--config", config, "migrate")
    _run(capsys, "--config", config, "unit", "add", "--code", "county", "--name", "县", "--office")
    code, _, err = _run(capsys, "--config", config, "unit", "add", *args)
    assert code == 1 and message in err
    _, out, _ = _run(capsys, "--config", config, "unit", "list")
    assert len(out.strip().splitlines()) == 2  # the header and the one unit


def test_check_config_prints_the_effective_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--config", str(_config(tmp_path)), "check-config")
    assert code == 0
    assert "IV     6h" in out and "4h from occurrence" in out and "daily by 17:00" in out


@pytest.mark.parametrize(
    ("replace", "key"),
    [
        (
            ('[rules.severity.III]\ninitial = "2h"', '[rules.severity.III]\ninitial = "2 hours"'),
            "rules.severity.III.initial",
        ),
        (('written_after_phone = "1h"', "written_after_phone = 1"), "rules.written_after_phone"),
        (
            ('upward_counted_from = "occurrence"', 'upward_counted_from = "noon"'),
            "rules.upward_counted_from",
        ),
        (('language = "zh_CN"', 'language = "fr"'), "language"),
        (('sweep_every = "30s"', 'sweep_every = "often"'), "engine.sweep_every"),
        (("max_body_bytes = 262144", "max_body_bytes = -1"), "api.max_body_bytes"),
        (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'), "timezone"),
        (("[api]", "[api\n"), "不是有效的 TOML"),
    ],
    ids=[
        "bad-duration",
        "not-a-string",
        "bad-anchor",
        "bad-language",
        "bad-sweep",
        "bad-limit",
        "bad-zone",
        "bad-toml",
    ],
)
def test_check_config_names_the_bad_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replace: tuple[str, str], key: str
) -> None:
    code, out, err = _run(capsys, "--config", str(_config(tmp_path, replace)), "check-config")
    assert code == 2
    assert key in err
    assert out == ""


def test_missing_config_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "--config", str(tmp_path / "nope.toml"), "check-config")
    assert code == 2 and "nope.toml: 文件不存在" in err


def test_serve_refuses_an_unmigrated_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "--config", str(_config(tmp_path)), "serve", "--port", "0")
    assert code == 1 and "jibao migrate" in err
