"""The service's log lines: plain text, or one JSON object a line (`jibao serve --log-json`), each
stamped with an ISO 8601 time in the configured zone and that zone's offset stated
(`2026-11-21T09:10:00.123+08:00`), so a line read on another machine or in a log store means
the same moment. Everything goes to standard error, where systemd's journal collects it."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

QUIET = ("apscheduler", "twilio")  # twilio logs about ten lines per request at INFO
PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ZonedFormatter(logging.Formatter):
    """Plain lines whose time carries its zone's offset."""

    def __init__(self, zone: ZoneInfo, fmt: str = PLAIN) -> None:
        super().__init__(fmt)
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """The record's moment in the configured zone, to the millisecond, with its offset."""
        return datetime.fromtimestamp(record.created, self.zone).isoformat(timespec="milliseconds")


class JsonFormatter(ZonedFormatter):
    """One JSON object a line: time, level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON (newlines inside are escaped)."""
        line: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(*, zone: ZoneInfo, json_lines: bool, stream: TextIO | None = None) -> None:
    """Send every logger's INFO and above to `stream` (standard error) in the chosen form."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(zone) if json_lines else ZonedFormatter(zone))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
