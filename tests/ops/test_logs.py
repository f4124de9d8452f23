"""Log lines: `jibao serve --log-json` writes one JSON object a line, and every line, plain or
JSON, states its time in the configured zone with the offset."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.logs import configure_logging
from alerts.storage.database import migrate
from tests.ops.cli import write_config

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")


@pytest.fixture
def _root_logger_kept() -> Iterator[None]:
    """configure_logging replaces the root logger's handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("_root_logger_kept")
def test_json_lines_carry_the_zone_offset_and_the_traceback() -> None:
    stream = io.StringIO()
    configure_logging(zone=ZoneInfo("Asia/Shanghai"), json_lines=True, stream=stream)
    logging.getLogger("alerts.test").warning("短信通道 %s 未配置", "sms")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("alerts.test").exception("tick failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert STAMP.match(first["time"]) and first["time"].endswith("+08:00")
    moment = datetime.fromisoformat(first["time"])
    assert abs(moment - datetime.now(ZoneInfo("UTC"))) < timedelta(minutes=1)
    assert first | {"time": ""} == {
        "time": "",
        "level": "WARNING",
        "logger": "alerts.test",
        "message": "短信通道 sms 未配置",
    }
    assert second["message"] == "tick failed" and "RuntimeError: boom" in second["exception"]


@pytest.mark.usefixtures("_root_logger_kept")
def test_plain_lines_state_the_offset_too() -> None:
    stream = io.StringIO()
    configure_logging(zone=ZoneInfo("Europe/London"), json_lines=False, stream=stream)
    logging.getLogger("alerts.test").info("started")
    stamp, rest = stream.getvalue().strip().split(" ", 1)
    assert STAMP.match(stamp) and rest == "INFO alerts.test: started"


def test_serve_with_log_json_writes_only_json_lines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/j.db"
    migrate(url)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JIBAO_")}
    argv = [sys.executable, "-m", "alerts", "serve", "--port", "0", "--log-json"]
    process = subprocess.Popen(
        [*argv, "--config", write_config(tmp_path, url)],
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    try:
        assert process.stderr is not None
        lines = []
        while not any("channel email has no credentials" in line for line in lines):
            line = process.stderr.readline()
            assert line, f"serve ended early: {lines}"
            lines.append(line)
    finally:
        process.terminate()
        process.wait(10)
        if process.stderr is not None:
            process.stderr.close()
    records = [json.loads(line) for line in lines]
    assert all(STAMP.match(r["time"]) and r["time"].endswith("+08:00") for r in records)
    messages = [r["message"] for r in records]
    assert messages[0].startswith("serving on http://127.0.0.1:0, database sqlite:///")
    assert "channel sms has no credentials: it runs dry (recorded, not sent)" in messages
