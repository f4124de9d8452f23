"""[[upward.parents]] is checked strictly at start: unknown keys, a name used twice, an address
that is not http(s), a Jibao route without the token its parent issued; every problem at once."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.config import ConfigError, settings_from_table
from tests.builders import config_table

CITY = {"name": "city", "title": "市政府总值班室", "url": "https://jibao.city.example/"}


def _lines(parents: list[dict[str, Any]], environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_table(
            config_table(language="en", upward={"parents": parents}), environ=environ or {}
        )
    return info.value.lines


def test_a_parent_with_its_token_is_accepted_and_its_url_kept_without_the_slash() -> None:
    settings = settings_from_table(
        config_table(upward={"parents": [CITY]}),
        environ={"JIBAO_UPWARD_TOKEN_CITY": "tok-4711", "JIBAO_UPWARD_SECRET_CITY": "sec-0815"},
    )
    parent = settings.upward.parent("city")
    assert parent is not None and parent.url == "https://jibao.city.example"
    assert settings.upward.tokens["city"].get_secret_value() == "tok-4711"
    shown = repr(settings) + repr(settings.model_dump())
    assert "tok-4711" not in shown and "sec-0815" not in shown


def test_every_problem_is_named_at_once() -> None:
    lines = _lines(
        [
            {**CITY, "urll": "x"},
            {**CITY, "url": "ftp://city"},
            {"name": "Province!", "title": "", "url": "http://p", "route": "pigeon"},
        ]
    )
    assert "upward.parents[0].urll: unknown key; did you mean url?" in lines
    assert any(line.startswith("upward.parents[1].url: must be an address") for line in lines)
    assert "upward.parents[1].name: the parent name city is used twice" in lines
    assert any(line.startswith("upward.parents[2].name: has the wrong form") for line in lines)
    assert any(line.startswith("upward.parents[2].route: must be one of") for line in lines)
    assert any(line.startswith("upward.parents[2].title: ") for line in lines)
    assert any(line.startswith("JIBAO_UPWARD_TOKEN_CITY: not set") for line in lines)


def test_a_token_is_not_a_key_of_the_file() -> None:
    lines = _lines([{**CITY, "token": "in the file"}], {"JIBAO_UPWARD_TOKEN_CITY": "t"})
    assert len(lines) == 1 and lines[0].startswith("upward.parents[0].token: unknown key")
