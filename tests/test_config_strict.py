"""Strict config: every unknown key anywhere is refused by its dotted path with a did-you-mean,
every problem at once, in the file's language; the keys landing in parallel are accepted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.config import ConfigError, load_settings, settings_from_table
from tests.builders import CONFIG, config_table


def _problems(table: dict[str, Any], environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_table(table, environ=environ)
    return info.value.lines


def _with(table: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`path` like `escalation.unit.0.notify.1.chanels` set to `value` (indexes into arrays)."""
    node: Any = table
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node[last] = value
    return table


def test_three_typos_are_named_together_in_chinese_with_did_you_mean(tmp_path: Path) -> None:
    text = (
        CONFIG.read_text()
        .replace('change_followup = "1h"', 'change_folowup = "1h"')
        .replace('repeat_every = "60m"', 'repeat_evry = "60m"', 1)
        .replace("max_body_bytes = 262144", "max_body_byts = 262144")
    )
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    lines = info.value.lines
    assert info.value.language == "zh_CN"
    expected = {
        "rules.change_folowup": "change_followup",
        "escalation.unit[3].repeat_evry": "repeat_every",
        "api.max_body_byts": "max_body_bytes",
    }
    for key, suggestion in expected.items():
        (line,) = [line for line in lines if f": {key}: " in line]
        assert line.startswith(f"{path}: ")
        assert f"未知的键，是否应为 {suggestion}？" in line
    assert any("rules.change_followup: 必填" in line for line in lines)  # the typo left it unset


def test_english_when_the_file_says_language_en() -> None:
    table = config_table(language="en", rules__change_folowup="1h")
    lines = _problems(table)
    assert "rules.change_folowup: unknown key; did you mean change_followup?" in lines


def test_a_file_that_is_not_toml_still_speaks_its_language(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('language = "en"\n[api\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert info.value.language == "en" and "not valid TOML" in info.value.lines[0]


UNKNOWN_KEYS = [
    ("datbase_url", "database_url"),
    ("api.max_body_byte", "max_body_bytes"),
    ("engine.sweep_evry", "sweep_every"),
    ("notifications.max_attempt", "max_attempts"),
    ("notifications.twilio.acount_sid", "account_sid"),
    ("notifications.email.hots", "host"),
    ("roster.gap_role", "gap_roles"),
    ("rules.clock_skw", "clock_skew"),
    ("rules.severity.II.intial", "initial"),
    ("rules.implied_grade.0.ded", "dead"),
    ("escalation.ack_paus", "ack_pause"),
    ("escalation.office.1.notfy", "notify"),
]


@pytest.mark.parametrize(("path", "suggestion"), UNKNOWN_KEYS, ids=[p for p, _ in UNKNOWN_KEYS])
def test_every_section_refuses_an_unknown_key(path: str, suggestion: str) -> None:
    dotted = path.replace(".0.", "[0].").replace(".1.", "[1].")
    lines = _problems(_with(config_table(language="en"), path, "x"))
    assert f"{dotted}: unknown key; did you mean {suggestion}?" in lines


def test_webhooks_and_recipient_tables_refuse_unknown_keys() -> None:
    table = config_table(language="en")
    table["notifications"] = {
        "webhooks": [{"name": "robot", "url": "http://127.0.0.1/", "urll": 1}]
    }
    notify = table["escalation"]["unit"][3]["notify"]
    notify[1]["chanels"] = ["sms"]
    notify.append({"role": "office.director", "chanels": ["sms"]})
    lines = _problems(table)
    assert "notifications.webhooks[0].urll: unknown key; did you mean url?" in lines
    assert "escalation.unit[3].notify[1].chanels: unknown key; did you mean channels?" in lines
    assert "escalation.unit[3].notify[2].chanels: unknown key; did you mean channels?" in lines


def test_secrets_are_not_keys_of_the_file() -> None:
    table = _with(config_table(language="en"), "notifications.twilio.auth_token", "s3cret")
    assert "notifications.twilio.auth_token: unknown key" in _problems(table)
    assert "secret_key: unknown key" in _problems(config_table(language="en", secret_key="x"))


def test_subtype_names_are_free_but_their_values_are_checked() -> None:
    table = config_table(language="en", rules__update_window_by_subtype={"flood": "14d"})
    assert settings_from_table(table).rules.update_window_by_subtype == {
        "flood": timedelta(days=14)
    }
    bad = config_table(language="en", rules__update_window_by_subtype={"flood": "2 weeks"})
    (line,) = _problems(bad)
    assert line.startswith("rules.update_window_by_subtype.flood: must be a duration")


def test_the_keys_landing_in_parallel_are_accepted() -> None:
    table = config_table(
        escalation__fallback=["office.director"],
        escalation__digest_at="08:00",
        notifications__rate_limits={"15m": 3, "1h": 10},
    )
    table["escalation"]["unit"][0]["repeat_limit"] = 3
    settings_from_table(table)


def test_pydantic_problems_are_in_our_words_and_all_at_once() -> None:
    table = config_table(language="zh_CN", api__max_body_bytes=0)
    table["engine"] = {"sweep_every": "often"}
    table["notifications"] = {"max_attempts": "five", "email": {"security": "ssl"}}
    table["roster"] = {"holidays": ["2026-13-01"], "day_starts_at": "8h"}
    lines = _problems(table)
    assert "api.max_body_bytes: 须大于 0" in lines
    assert any(line.startswith("engine.sweep_every: 须为时长") for line in lines)
    assert "notifications.max_attempts: 须为整数" in lines
    assert "notifications.email.security: 须为以下之一：'starttls', 'tls' or 'none'" in lines
    assert "roster.holidays[0]: 须为日期，如 2026-10-01" in lines
    assert any(line.startswith("roster.day_starts_at: 须为一天中的时刻") for line in lines)
    assert not any("Input should" in line or "config." in line for line in lines)


def test_rules_and_ladder_problems_are_all_reported() -> None:
    table = config_table(language="en", rules__clock_skew="soon", rules__missed_after_days=-1)
    table["escalation"]["office"][0]["at"] = "half an hour"
    table["escalation"]["office"][1]["channels"] = ["pigeon"]
    table["escalation"]["office"][2]["notify"] = ["office.janitor"]
    lines = _problems(table)
    assert any(line.startswith("rules.clock_skew: must be a duration") for line in lines)
    assert "rules.missed_after_days: must be 0 or more" in lines
    assert any(line.startswith("escalation.office[0].at: must be a duration") for line in lines)
    assert any(line.startswith("escalation.office[1].channels: must be") for line in lines)
    assert any(
        line.startswith('escalation.office[2].notify[0]: unknown recipient "office.janitor"')
        for line in lines
    )
    assert len(lines) == 5


def test_a_short_secret_key_is_refused_and_a_long_one_accepted() -> None:
    (line,) = _problems(config_table(language="en"), environ={"JIBAO_SECRET_KEY": "short"})
    assert line.startswith("JIBAO_SECRET_KEY: is too short: at least 16 characters")
    settings = settings_from_table(config_table(), environ={"JIBAO_SECRET_KEY": "x" * 16})
    assert settings.secret_key.get_secret_value() == "x" * 16


def test_the_shipped_config_is_accepted() -> None:
    settings_from_table(config_table())
