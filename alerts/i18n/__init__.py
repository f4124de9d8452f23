"""Message catalogues (zh_CN first, en second) and the Translator that reads them."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from rules import words

LANGUAGES = ("zh_CN", "en")


@cache
def _catalogue(language: str) -> dict[str, Any]:
    with (Path(__file__).parent / f"{language}.toml").open("rb") as handle:
        return tomllib.load(handle)


class Translator:
    """Looks up dotted keys such as `problem.required` in one language's catalogue."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self.language = language

    def __call__(self, key: str, **params: Any) -> str:
        """The message for `key` with `{params}` filled in; the key itself when none exists."""
        node: Any = _catalogue(self.language)
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return key
            node = node[part]
        if isinstance(params.get("minutes"), int):  # a length of time in words as well
            params["minutes_words"] = words.span(
                timedelta(minutes=params["minutes"]), self.language
            )
        return str(node).format(**params) if params else str(node)
