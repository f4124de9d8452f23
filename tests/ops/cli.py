"""Running `jibao` commands in tests: a config file on a given database, the exit code and
output of a run, and the one line a refused command prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.cli.commands import main
from tests.builders import CONFIG


def write_config(directory: Path, database_url: str, *, extra: str = "", name: str = "") -> str:
    """The shipped config.toml on `database_url`, with `extra` TOML appended; its path."""
    text = CONFIG.read_text().replace('"sqlite:///./jibao.db"', f'"{database_url}"')
    path = directory / (name or "config.toml")
    path.write_text(text + ("\n" + extra if extra else ""))
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `jibao ARGV` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


def one_line(err: str) -> str:
    """The single line a refused command printed (no traceback)."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]
