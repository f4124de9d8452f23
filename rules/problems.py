"""What is wrong in a config table, as data: a dotted path, a problem code and its details.

The parsers collect every problem before giving up, so one run names them all; alerts/ puts
the codes into words in the configured language."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

T = TypeVar("T")

_KIND_CODES: dict[type, str] = {str: "not_string", int: "not_integer", Mapping: "not_table"}


@dataclass(frozen=True)
class Problem:
    """One problem: `code` names it (e.g. `unknown_key`), `params` fill in its message."""

    path: str
    code: str
    params: Mapping[str, str] = field(default_factory=dict)


class RulesetError(ValueError):
    """Problems in the `[rules]` or `[escalation]` tables; `key` and `problem` are the first's."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        self.key = self.problems[0].path
        self.problem = self.problems[0].code
        super().__init__("; ".join(_plain(p) for p in self.problems))


def _plain(problem: Problem) -> str:
    details = ", ".join(f"{k}={v}" for k, v in problem.params.items() if v)
    return f"{problem.path}: {problem.code}" + (f" ({details})" if details else "")


def join(path: str, key: object) -> str:
    """`rules` + `clock_skew` → `rules.clock_skew`."""
    return f"{path}.{key}" if path else str(key)


class Problems:
    """Collects the problems of one table; the readers return a placeholder after a problem,
    which is never read because the parser calls `raise_any` before returning."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, path: str, code: str, **params: object) -> None:
        """Note a problem at `path`."""
        self.found.append(Problem(path, code, {k: str(v) for k, v in params.items()}))

    def raise_any(self) -> None:
        """Raise RulesetError with every problem noted, if any."""
        if self.found:
            raise RulesetError(self.found)

    def check_keys(self, table: Mapping[str, Any], known: Collection[str], path: str) -> None:
        """Refuse every key not in `known`, suggesting the closest known one."""
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(str(key), list(known), n=1)
                self.add(join(path, key), "unknown_key", suggestion=close[0] if close else "")

    def get(self, table: Mapping[str, Any], key: str, kind: type, path: str) -> Any:
        """The value of a required key of type `kind`, else None (and a problem)."""
        if key not in table:
            self.add(join(path, key), "required")
            return None
        value = table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.add(join(path, key), _KIND_CODES.get(kind, "invalid"))
            return None
        return value

    def converted(
        self, table: Mapping[str, Any], key: str, convert: Callable[[Any], T], path: str, code: str
    ) -> T:
        """A required key's value through `convert`; a placeholder after a problem."""
        if key not in table:
            self.add(join(path, key), "required")
            return cast(T, None)
        return cast(T, self.optional(table, key, convert, path, code))

    def optional(
        self, table: Mapping[str, Any], key: str, convert: Callable[[Any], T], path: str, code: str
    ) -> T | None:
        """An optional key's value through `convert`; None when absent or wrong (`code`)."""
        if key not in table:
            return None
        return self.value(table[key], convert, join(path, key), code)

    def value(self, value: Any, convert: Callable[[Any], T], path: str, code: str) -> T | None:
        """`convert(value)`, or None and a problem `code` when it raises ValueError or TypeError."""
        try:
            return convert(value)
        except (ValueError, TypeError):
            self.add(path, code, value=f'"{value}"' if isinstance(value, str) else repr(value))
            return None
