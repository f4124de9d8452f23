"""`jibao doctor` checks what config.toml cannot: that each `[[sources]]` table names a unit below
the office, which alerts would otherwise be refused for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alerts.storage.database import migrate
from tests.builders import at, seed_county
from tests.ops.cli import run, write_config
from tests.sources.builders import alertmanager_source


def _table(source: dict[str, Any]) -> str:
    """A `[[sources]]` table as TOML (inline tables written as JSON objects, which TOML reads)."""
    lines = ["[[sources]]"]
    for key, value in source.items():
        lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def test_doctor_names_a_source_whose_unit_is_not_below_the_office(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/jibao.db"
    migrate(url)
    seed_county(url, at(9))
    monkeypatch.setenv("JIBAO_SECRET_KEY", "a-secret-of-thirty-two-characters")
    sources = _table(alertmanager_source()) + _table(alertmanager_source(name="gas", unit="city"))
    code, out, _ = run(capsys, "doctor", "--config", write_config(tmp_path, url, extra=sources))
    assert code == 1, out
    assert "✓ 告警来源：来源 alertmanager 登记至 千岛湖镇 (qdh)" in out
    assert (
        "✗ 告警来源：来源 gas 所写的单位 city 不存在或不在本值班室辖下：其告警均会被拒收"
        "（422 source_unit）"
    ) in out
    assert "    修正：在 [[sources]] 的 unit 写本值班室辖下单位的代码（jibao unit list）" in out
