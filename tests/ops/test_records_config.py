"""`[records] keep_years`: the office's records period, five years unless config.toml says
otherwise, checked as strictly as every other key."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.config import ConfigError, settings_from_table
from tests.builders import config_table


def _problems(table: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_table(table)
    return info.value.lines


def test_five_years_unless_the_office_says_otherwise() -> None:
    table = config_table()
    del table["records"]
    assert settings_from_table(table).records.keep_years == 5
    assert settings_from_table(config_table(records__keep_years=30)).records.keep_years == 30


@pytest.mark.parametrize(
    ("records", "line"),
    [
        ({"keep_yaers": 5}, "records.keep_yaers: 未知的键，是否应为 keep_years？"),
        ({"keep_years": 0}, "records.keep_years: 须不小于 1"),
        ({"keep_years": "5y"}, "records.keep_years: 须为整数"),
        ({"keep_for": "5y"}, "records.keep_for: 未知的键，是否应为 keep_years？"),
    ],
)
def test_a_wrong_records_key_is_named(records: dict[str, Any], line: str) -> None:
    assert _problems(config_table(records=records)) == [line]
