"""Both languages say the same things."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from alerts.i18n import Translator

CATALOGUES = Path(__file__).parent.parent / "alerts" / "i18n"


def _keys(node: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, value in node.items():
        path = f"{prefix}{name}"
        keys |= _keys(value, path + ".") if isinstance(value, dict) else {path}
    return keys


def test_catalogues_have_the_same_keys() -> None:
    chinese = tomllib.loads((CATALOGUES / "zh_CN.toml").read_text())
    english = tomllib.loads((CATALOGUES / "en.toml").read_text())
    assert _keys(chinese) == _keys(english)


def test_translator_fills_placeholders_and_shows_unknown_keys() -> None:
    assert (
        Translator("en")("error.too_large", limit=10) == "request body too large (limit 10 bytes)"
    )
    assert Translator("zh_CN")("problem.required") == "必填"
    assert Translator("en")("no.such.key") == "no.such.key"
