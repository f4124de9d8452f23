"""The service keeps out of memory what an office that does not use it never needs: provider
SDKs, the spreadsheet and calendar libraries load when first used (bench/idle_memory.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LOADED_ON_USE = [
    "alibabacloud_dysmsapi20170525",
    "alibabacloud_dyvmsapi20170525",
    "alibabacloud_tea_openapi",
    "tencentcloud",
    "httpx",
    "openpyxl",
    "icalendar",
    "twilio.rest",
    "alembic",
    "aiohttp",
]


def loaded_on_use_after(code: str) -> list[str]:
    """Which of LOADED_ON_USE a fresh interpreter holds after running `code`."""
    probe = f"import json, sys\n{code}\n"
    probe += f"print(json.dumps([m for m in {LOADED_ON_USE!r} if m in sys.modules]))\n"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return list(json.loads(result.stdout.splitlines()[-1]))


SHIPPED_CHANNELS = f"""
import alerts.cli.commands, alerts.server
from pathlib import Path
from alerts.config import load_settings
from alerts.escalation.channels import build_notifiers, parent_notifiers
settings = load_settings(Path({str(ROOT / "config.toml")!r}), environ={{}})
build_notifiers(settings.notifications, settings.public_url)
parent_notifiers(settings.upward, settings.notifications.email)
"""


def test_the_service_does_not_import_what_it_loads_on_use() -> None:
    """The service's modules and the shipped config's channels (all dry, no parent office)."""
    assert loaded_on_use_after(SHIPPED_CHANNELS) == []


def test_the_probe_sees_a_module_that_is_imported() -> None:
    """The same probe names a module once something imports it, so the test above can fail."""
    code = "import alerts.spreadsheets\nalerts.spreadsheets.xlsx_bytes(['a'], [])"
    assert loaded_on_use_after(code) == ["openpyxl"]
